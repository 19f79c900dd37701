"""PCM -> MP3 frames through imageio-ffmpeg's ffmpeg (LAME), and one Info/LAME header for the file.

ffmpeg writes bare frames (no ID3 tag, no Info frame of its own): audioguide writes the
Info/LAME header itself (mp3frames.py), the same one for a whole-track encode and for a
file assembled from segments (segments.py), so that every decoder skips exactly LAME's
priming and end padding.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from audioguide import ffmpeg
from audioguide.errors import ExportError
from audioguide.export.mp3frames import DECODER_DELAY, ENCODER_DELAY, Assembler, Gapless, parse_header

# Mono speech at 64 kb/s: clean on phone speakers and earbuds, and 7.2 MB for a 15-minute
# track. At 48 kHz an MP3 frame lasts exactly 24 ms, so each part of the routine can start
# on a frame and a rebuild reuses what a change did not touch (grid.py).
DEFAULT_BITRATE = "64k"
DEFAULT_RATE = 48_000
MP3_RATES = (8000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)
MIN_KBPS, MAX_KBPS = 8, 320
_BITRATE = re.compile(r"^(\d+)k$")
BYTES_PER_SAMPLE = 2  # the PCM fed in: mono 16-bit
# What a decoder that ignores the Info header plays before the first sample: LAME's
# 576-sample encoder delay plus the 529-sample decoder delay.
PRIMING_SAMPLES = ENCODER_DELAY + DECODER_DELAY
READ_BYTES = 1 << 16


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


def encoder_command(audio: AudioFormat) -> list[str]:
    """ffmpeg reading mono 16-bit PCM on stdin and writing bare MP3 frames to stdout."""
    return [
        ffmpeg.executable(), "-hide_banner", "-loglevel", "error",
        "-f", "s16le", "-ar", str(audio.rate), "-ac", "1", "-i", "pipe:0",
        "-ac", str(audio.channels), "-c:a", "libmp3lame", "-b:a", audio.bitrate.strip().lower(),
        "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "pipe:1",
    ]  # fmt: skip


def encode(pcm: Iterable[bytes], path: Path, audio: AudioFormat, target: Path | None = None) -> Gapless:
    """Stream mono 16-bit PCM through ffmpeg's LAME encoder into an MP3 file, in one pass.

    `target` is the file the user asked for, named in errors instead of a temporary file.
    """
    with _encoder(pcm, audio) as (process, fed), path.open("w+b") as file:
        assembler = Assembler(file)
        pending = b""
        while chunk := process.stdout.read(READ_BYTES):  # type: ignore[union-attr]
            pending += chunk
            whole = _whole_frames(pending)
            assembler.add(pending[:whole])
            pending = pending[whole:]
        fed.join()
        _check(process, target or path)
        if pending:
            raise ExportError(f"cannot write {target or path}: the encoder's output ends mid-frame")
        return assembler.finish(ENCODER_DELAY, fed.samples)


def encode_frames(pcm: Iterable[bytes | bytearray], audio: AudioFormat, target: Path) -> bytes:
    """The bare frames LAME makes of `pcm` (a segment), as one separately encoded stream."""
    with _encoder(pcm, audio) as (process, fed):
        frames = process.stdout.read()  # type: ignore[union-attr]
        fed.join()
        _check(process, target)
        return frames


@contextmanager
def _encoder(
    pcm: Iterable[bytes | bytearray], audio: AudioFormat
) -> Iterator[tuple[subprocess.Popen[bytes], _Feeder]]:
    """An ffmpeg encoder being fed `pcm` from a thread; killed if the caller fails or is interrupted."""
    process = subprocess.Popen(
        encoder_command(audio), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    fed = _Feeder(pcm, process)
    fed.start()
    try:
        yield process, fed
    except BaseException:
        process.kill()
        process.wait()
        fed.join()
        raise
    finally:
        fed.reraise()


class _Feeder(threading.Thread):
    """Writes the PCM into ffmpeg's stdin while the caller reads its output."""

    def __init__(self, pcm: Iterable[bytes], process: subprocess.Popen):
        super().__init__(daemon=True)
        self.pcm, self.process = pcm, process
        self.samples = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        stdin = self.process.stdin
        try:
            with stdin:  # type: ignore[union-attr]
                for chunk in self.pcm:
                    self.samples += len(chunk) // BYTES_PER_SAMPLE
                    stdin.write(chunk)  # type: ignore[union-attr]
        except BrokenPipeError:
            pass  # ffmpeg stopped early; its exit status and message say why
        except BaseException as exc:  # handed to the caller's thread
            self.error = exc
            self.process.kill()

    def reraise(self) -> None:
        if self.error is not None:
            raise self.error


def _whole_frames(data: bytes) -> int:
    """How many leading bytes of `data` are whole frames."""
    position = 0
    while (header := parse_header(data, position)) is not None and position + header.length <= len(data):
        position += header.length
    return position


def _check(process: subprocess.Popen, target: Path) -> None:
    error = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    status = process.wait()
    if status != 0:
        raise _failed(status, error, target)


def _failed(status: int, error: str, target: Path) -> ExportError:
    lines = error.strip().splitlines()
    why = lines[-1] if lines else f"exit status {status}"
    if status < 0:  # e.g. SIGXFSZ when a file-size limit is hit
        why = f"stopped by {signal.Signals(-status).name}"
    return ExportError(
        f"cannot write {target}: the MP3 encoder failed ({why}). Check that the folder is "
        "writable and the disk has space, and that --bitrate is valid (like 64k)"
    )
