"""PCM -> finished MP3 files: tags, cover, chapters, synced cue text, sidecars, playlists.

Here, what a build's files are: the track's info, what was written and where the sidecars
sit. writer.py writes them: one track (`write_track`) or one track per exercise with a
playlist (`write_split`), with LAME, mutagen and the segment cache, imported when a build
has something to write.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audioguide.export.encode import DEFAULT_BITRATE, DEFAULT_RATE, AudioFormat

__all__ = [
    "DEFAULT_BITRATE",
    "DEFAULT_RATE",
    "AudioFormat",
    "TrackInfo",
    "Written",
    "sidecar_paths",
]


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
