"""How the music sits under the voice: the settings a user chooses, their limits, and the
mix's version. Light to import: the bed itself (numpy) is in bed.py."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LEVEL_DB = -1.0  # the bed at -16 LUFS, the track's own target, 1 dB under the voice
DEFAULT_DUCK_DB = 12.0  # how far it dips under each cue
LEAD_MS = 200  # it is down before the first syllable
RECOVERY_MS = 700  # and comes back after the cue, unless the next one follows sooner
MIN_MARGIN_DB = 10.0  # the voice stays at least this far above the ducked music
MIN_LEVEL_DB, MAX_LEVEL_DB = -30.0, 0.0
MIN_DUCK_DB, MAX_DUCK_DB = 6.0, 40.0
MIX_FORMAT = 1  # bump when how a bed is mixed changes


@dataclass(frozen=True)
class Settings:
    level_db: float = DEFAULT_LEVEL_DB
    duck_db: float = DEFAULT_DUCK_DB
    lead_ms: int = LEAD_MS
    recovery_ms: int = RECOVERY_MS

    def problem(self) -> str | None:
        """What is wrong with these settings, or None."""
        if not MIN_LEVEL_DB <= self.level_db <= MAX_LEVEL_DB:
            return f"--music-level {self.level_db:g}: give {MIN_LEVEL_DB:g} to {MAX_LEVEL_DB:g} dB"
        if not MIN_DUCK_DB <= self.duck_db <= MAX_DUCK_DB:
            return f"--music-duck {self.duck_db:g}: give {MIN_DUCK_DB:g} to {MAX_DUCK_DB:g} dB"
        if self.duck_db - self.level_db < MIN_MARGIN_DB:
            return (
                f"--music-level {self.level_db:g} with --music-duck {self.duck_db:g} leaves the voice "
                f"{self.duck_db - self.level_db:g} dB above the music; it needs {MIN_MARGIN_DB:g}. "
                "Lower the level or duck deeper"
            )
        return None
