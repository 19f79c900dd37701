"""The routine model: frozen dataclasses for a routine, its exercises and steps.

Values only; reading them from YAML is `audioguide.routine.loader`'s job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

LEVELS = ("easy", "medium", "hard")
DEFAULT_LEVEL = "medium"

# Limits that keep a hand-written typo ("reps: 10000") from becoming a day-long build.
MAX_COUNT = 500
MAX_DURATION_MS = 2 * 3600 * 1000
MAX_TEXT_CHARS = 600
MAX_TRACK_MS = 12 * 3600 * 1000  # a whole track, at its longest level
MAX_CUES = 50_000  # sounds in one track: keeps compiling and rendering quick and bounded
MAX_SLUG_BYTES = 80  # file names stay far below the 255-byte limit, with room for suffixes
# Names Windows reserves for devices, whatever the extension: `con.mp3` cannot be opened there.
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)]
)

PLACEHOLDERS = ("side", "other")
DEFAULT_LANG = "en"  # a routine's language when it does not say


@dataclass(frozen=True)
class Count:
    """A whole number that may differ by level: `10-20` is easy 10, medium 15, hard 20."""

    easy: int
    medium: int
    hard: int

    @classmethod
    def fixed(cls, n: int) -> Count:
        return cls(n, n, n)

    def at(self, level: str) -> int:
        return getattr(self, level)

    def __str__(self) -> str:
        return str(self.easy) if self.easy == self.hard else f"{self.easy}-{self.hard}"


@dataclass(frozen=True)
class CueSettings:
    """How cues are spoken. Set for the routine; an exercise may override any of them."""

    countdown: int = 3  # spoken countdown words before the end of a hold or a rest
    halfway: bool = True  # say "halfway" in holds of HALFWAY_MIN_MS or more
    get_ready_ms: int = 10_000  # pause to get into position before an exercise starts
    switch_pause_ms: int = 5_000  # pause to change sides


@dataclass(frozen=True)
class Hold:
    """Hold a position (or keep doing something) for an exact time."""

    say: str
    duration_ms: int


@dataclass(frozen=True)
class Phase:
    """One part of a counted rep, e.g. "up" for 2 s."""

    say: str
    duration_ms: int


@dataclass(frozen=True)
class Reps:
    """Counted repetitions, each rep a sequence of timed phases."""

    say: str
    count: Count
    tempo: tuple[Phase, ...]

    @property
    def rep_ms(self) -> int:
        return sum(p.duration_ms for p in self.tempo)


@dataclass(frozen=True)
class Say:
    """A spoken instruction with an optional pause after it."""

    say: str
    pause_ms: int = 0


Step = Hold | Reps | Say


@dataclass(frozen=True)
class Exercise:
    name: str
    steps: tuple[Step, ...]
    purpose: str = ""
    equipment: tuple[str, ...] = ()
    setup: str = ""
    sides: tuple[str, ...] = ()
    switch: str = ""  # the cue between sides; empty: the phrasebook's
    sets: Count = Count.fixed(1)
    rest_ms: int = 15_000  # between sets
    rest_after_ms: int | None = None  # before the next exercise; None: the routine's
    cues: CueSettings = CueSettings()

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class Routine:
    title: str
    exercises: tuple[Exercise, ...]
    intro: str = ""
    outro: str = ""
    rest_between_ms: int = 30_000
    cues: CueSettings = CueSettings()
    cover: str = ""  # a picture for the track's cover; relative to the routine file
    lang: str = ""  # the language it says it is written in; "" if it does not say
    source: str = field(default="<routine>", compare=False)

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def language(self) -> str:
        """The language it is written in: the phrasebook's and the default voice's."""
        return self.lang or DEFAULT_LANG


def slugify(text: str) -> str:
    """`Heel raises` -> `heel-raises`, `Übungen` -> `ubungen`: a readable file name.

    Never empty, never a path (no separators, dots or control characters), never a name
    Windows reserves, and short enough for any file system even with suffixes added.
    """
    # Accents come off (é -> e), so names stay plain where they can; other scripts stay.
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[\W_]+", "-", plain.lower()).strip("-")
    while len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        slug = slug[:-1]
    slug = slug.strip("-") or "routine"
    return f"{slug}-routine" if slug in RESERVED_NAMES else slug


def fill(text: str, side: str | None, other: str | None) -> str:
    """Put the current side into an instruction: "lift your {side} leg" -> "lift your right leg"."""
    if side is None:
        return text
    return text.replace("{side}", side).replace("{other}", other or side)
