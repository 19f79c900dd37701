"""The user's own music under the coach: found, decoded once, laid out and ducked from the timeline.

`sources` finds and decodes the files; `mixing` holds the settings; `bed` lays the bed against
a track and mixes it in (`bed.mixed`), and is imported when a build has music to lay.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide.music.mixing import (
    DEFAULT_DUCK_DB,
    DEFAULT_LEVEL_DB,
    LEAD_MS,
    MIX_FORMAT,
    RECOVERY_MS,
    Settings,
)
from audioguide.music.sources import (
    DECODE_FORMAT,
    Decoded,
    check,
    choices,
    clear,
    copies,
    decoded,
    find,
    identity,
)

if TYPE_CHECKING:
    from audioguide.music.bed import Bed
    from audioguide.render import Placed

__all__ = [
    "DEFAULT_DUCK_DB",
    "DEFAULT_LEVEL_DB",
    "LEAD_MS",
    "RECOVERY_MS",
    "Decoded",
    "Music",
    "Settings",
    "check",
    "choices",
    "clear",
    "copies",
    "decoded",
    "find",
]


@dataclass(frozen=True)
class Music:
    """The music a build mixes under the voice: its files in play order, and how it is mixed."""

    files: tuple[Path, ...]
    settings: Settings = field(default_factory=Settings)

    def identity(self) -> str:
        """A value that changes when the bed would: its files (names, sizes, modification
        times) and its settings. For a build's fingerprint; nothing is decoded or read."""
        how = [
            self.settings.level_db,
            self.settings.duck_db,
            self.settings.lead_ms,
            self.settings.recovery_ms,
        ]
        material = [MIX_FORMAT, DECODE_FORMAT, identity(self.files), how]
        return hashlib.sha256(json.dumps(material).encode()).hexdigest()

    def laid(self, sounds: list[Placed], length: int, rate: int, cache_root: Path) -> Bed:
        """The bed under a track of `length` samples whose sounds are `sounds`: as much of the
        music as it plays decoded (or taken from the cache), laid against the timeline."""
        from audioguide.music.bed import Bed, needed  # numpy, on first use

        played = decoded(self.files, rate, cache_root, needed(sounds, length, rate))
        return Bed(played, self.settings, sounds, length, rate)
