"""PCM -> finished MP3 files: tags, cover, chapters, synced cue text, sidecars, playlists.

Here, what a build's files are: the MP3 format, the track's info, what was written and
where the sidecars sit. writer.py writes them: one track (`write_track`) or one track per
exercise with a playlist (`write_split`), with LAME, mutagen and the segment cache,
imported when a build has something to write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from audioguide.errors import ExportError

__all__ = [
    "DEFAULT_BITRATE",
    "DEFAULT_RATE",
    "AudioFormat",
    "TrackInfo",
    "Written",
    "sidecar_paths",
]

# Mono speech at 64 kb/s: clean on phone speakers and earbuds, and 7.2 MB for a 15-minute
# track. At 48 kHz an MP3 frame lasts exactly 24 ms, so each part of the routine can start
# on a frame and a rebuild reuses what a change did not touch (grid.py).
DEFAULT_BITRATE = "64k"
DEFAULT_RATE = 48_000
MP3_RATES = (8000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)
MIN_KBPS, MAX_KBPS = 8, 320
# The constant bitrates (kb/s) LAME encodes at each sample rate; it would quietly move any
# other to one of these, so another is refused instead (measured for each rate and bitrate).
MPEG1_KBPS = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)  # 32 to 48 kHz
MPEG2_KBPS = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)  # 16 to 24 kHz
MPEG25_KBPS = MPEG2_KBPS[:8]  # 8 to 12 kHz: up to 64
_BITRATE = re.compile(r"^(\d+)k$")


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
        kbps, allowed = int(match.group(1)), bitrates(self.rate)
        if kbps not in allowed:
            raise ExportError(
                f"bitrate {kbps}k at {self.rate} Hz: MP3 has no such bitrate there. "
                f"Use one of {', '.join(f'{k}k' for k in allowed)}, or another --sample-rate"
            )
        if self.channels not in (1, 2):
            raise ExportError(f"{self.channels} channels: a track is mono or stereo. Use 1 or 2")
        return self


def bitrates(rate: int) -> tuple[int, ...]:
    """The constant bitrates (kb/s) an MP3 at `rate` can have."""
    if rate >= 32_000:
        return MPEG1_KBPS
    return MPEG2_KBPS if rate >= 16_000 else MPEG25_KBPS



@dataclass(frozen=True)
class TrackInfo:
    """What the track's tags and sidecars say about how it was made."""

    title: str
    album: str
    engine: str  # e.g. "pico"
    voice: str  # the engine's voice and options, e.g. "en-US"
    level: str
    year: str = ""
    cover: Path | None = None  # a picture to embed; None: one generated from the album title
    custom: str = ""  # what command-line overrides changed, e.g. "heel-raises reps 16"
    source: str = ""  # the routine it was made from: a file's absolute path, or `builtin:NAME`
    fingerprint: str = ""  # of what the build was made of (fingerprint.py); "" for none
    phrase_keys: tuple[str, ...] = ()  # the phrase cache keys the fingerprint covers

    @property
    def settings(self) -> str:
        changed = f"; changed: {self.custom}" if self.custom else ""
        return f"level {self.level}; engine {self.engine}; voice {self.voice}{changed}"


@dataclass(frozen=True)
class Written:
    mp3: Path  # the track; in split mode, the first track
    timeline: Path
    cues: Path
    tracks: tuple[Path, ...] = ()  # every MP3 written, in order
    lyrics: tuple[Path, ...] = ()  # the .lrc and .vtt files beside the tracks
    playlist: Path | None = None  # split mode's .m3u8


def sidecar_paths(mp3: Path) -> tuple[Path, Path]:
    """The timeline JSON and the cue sheet beside a track (or beside a split playlist)."""
    return _beside(mp3, ".timeline.json"), _beside(mp3, ".cues.txt")


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.with_suffix("").name + suffix)
