"""PCM -> MP3 through imageio-ffmpeg's ffmpeg (LAME).

The encoder writes to a file path, not a pipe: only then does ffmpeg go back and fill in
the LAME/Info header that tells decoders how many priming samples to skip. Without it
every cue would be heard about 1105 samples (25 ms) late.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from audioguide import ffmpeg
from audioguide.errors import ExportError

# Mono speech at 64 kb/s and 44.1 kHz: clean on phone speakers and earbuds (LAME keeps
# everything up to about 15 kHz), and 7.2 MB for a 15-minute track.
DEFAULT_BITRATE = "64k"
DEFAULT_RATE = 44_100
MP3_RATES = (8000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)
MIN_KBPS, MAX_KBPS = 8, 320
_BITRATE = re.compile(r"^(\d+)k$")
# LAME's 576-sample encoder delay plus the 529-sample decoder delay. Decoders that read the
# LAME header (ffmpeg among them) skip these, and ffmpeg counts ID3 chapter times from the
# first encoded sample, so chapters must be written this much later than the timeline.
PRIMING_SAMPLES = 1105


@dataclass(frozen=True)
class AudioFormat:
    """How the MP3 is encoded. The PCM fed in is always mono 16-bit at `rate`."""

    rate: int = DEFAULT_RATE
    bitrate: str = DEFAULT_BITRATE
    channels: int = 1  # 2 writes the mono voice to both channels, for players that want it

    def check(self) -> AudioFormat:
        """The format itself, or an ExportError naming what MP3 cannot do."""
        if self.rate not in MP3_RATES:
            rates = ", ".join(map(str, MP3_RATES))
            raise ExportError(f"sample rate {self.rate} Hz: MP3 does not support it. Use one of {rates}")
        match = _BITRATE.match(self.bitrate.strip().lower())
        if not match or not MIN_KBPS <= int(match.group(1)) <= MAX_KBPS:
            raise ExportError(
                f"bitrate {self.bitrate!r}: not an MP3 bitrate. "
                f"Give kilobits per second from {MIN_KBPS}k to {MAX_KBPS}k, such as {DEFAULT_BITRATE}"
            )
        if self.channels not in (1, 2):
            raise ExportError(f"{self.channels} channels: a track is mono or stereo. Use 1 or 2")
        return self


def priming_ms(rate: int) -> int:
    return round(PRIMING_SAMPLES * 1000 / rate)


def encode(pcm: Iterable[bytes], path: Path, audio: AudioFormat) -> None:
    """Stream mono 16-bit PCM through ffmpeg's LAME encoder into an MP3 file."""
    command = [
        ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(audio.rate), "-ac", "1", "-i", "pipe:0",
        "-ac", str(audio.channels), "-c:a", "libmp3lame", "-b:a", audio.bitrate.strip().lower(),
        "-f", "mp3", str(path),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    stdin = process.stdin
    if stdin is None:  # cannot happen with stdin=PIPE; keeps the type checker honest
        raise ExportError("the MP3 encoder could not be started: no input pipe")
    try:
        with stdin:
            for chunk in pcm:
                stdin.write(chunk)
    except BrokenPipeError:
        pass  # ffmpeg stopped early; its exit status and message say why
    except BaseException:
        process.kill()
        process.wait()
        raise
    error = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    if process.wait() != 0:
        raise ExportError(f"the MP3 encoder failed: {error.strip() or 'no message'}")
