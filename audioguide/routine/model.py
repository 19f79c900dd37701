"""The routine model: frozen dataclasses for a routine, its exercises and steps.

Values only; reading them from YAML is `audioguide.routine.loader`'s job.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from audioguide.phrases.template import Template

LEVELS = ("easy", "medium", "hard")
DEFAULT_LEVEL = "medium"

# Limits that keep a hand-written typo ("reps: 10000") from becoming a day-long build.
MAX_COUNT = 500
MAX_DURATION_MS = 2 * 3600 * 1000
MAX_TEXT_CHARS = 600
# One phrase the track speaks, once the compiler has filled and joined texts into it.
MAX_SPOKEN_CHARS = 2000
MAX_TRACK_MS = 12 * 3600 * 1000  # a whole track, at its longest level
MAX_CUES = 50_000  # sounds in one track: keeps compiling and rendering quick and bounded
MAX_SLUG_BYTES = 80  # file names stay far below the 255-byte limit, with room for suffixes
# Names Windows reserves for devices, whatever the extension: `con.mp3` cannot be opened there.
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)]
)

PLACEHOLDERS = ("side", "other")
# The round a text is said in, as words: "Run {round} of {rounds}." -> "Run two of eight."
ROUND_PLACEHOLDERS = ("round", "rounds")
# The phrasebook keys said within an exercise's rounds: they may say {round} and {rounds} too.
ROUND_PHRASES = ("round", "rest", "rest_short", "switch", "rep", "rep_after", "phase", "ahead", "halfway")
DEFAULT_LANG = "en"  # a routine's language when it does not say
# "Halfway" is said in holds this long or longer: under half a minute the closing countdown
# comes soon enough to keep time by; in longer holds a mid-point tells the user they are on track.
HALFWAY_MIN_MS = 30_000


T = TypeVar("T")


@dataclass(frozen=True)
class Levels(Generic[T]):
    """A value for each level: `{easy: [6, 6, 4], medium: [8, 8, 6], hard: [10, 10, 8]}`."""

    easy: T
    medium: T
    hard: T

    @classmethod
    def fixed(cls, value: T) -> Levels[T]:
        return cls(value, value, value)

    def at(self, level: str) -> T:
        return getattr(self, level)


@dataclass(frozen=True)
class Count(Levels[int]):
    """A whole number that may differ by level: `10-20` is easy 10, medium 15, hard 20."""

    @classmethod
    def fixed(cls, n: int) -> Count:
        return cls(n, n, n)

    def __str__(self) -> str:
        return str(self.easy) if self.easy == self.hard else f"{self.easy}-{self.hard}"


@dataclass(frozen=True)
class CueSettings:
    """How cues are spoken. Set for the routine; an exercise may override any of them."""

    countdown: int = 3  # spoken countdown words before the end of a hold or a rest
    countdown_in: int | None = None  # countdown words into an exercise's start; None: countdown
    halfway_ms: int = HALFWAY_MIN_MS  # say "halfway" in holds this long or longer; 0: never
    get_ready_ms: int = 10_000  # pause to get into position before the first exercise starts
    switch_pause_ms: int = 5_000  # quiet time to change sides, after the switch cue
    # Silence before the first word: Bluetooth headphones and car kits often drop the first
    # few hundred milliseconds of a stream. Set for the routine only.
    pre_roll_ms: int = 1_500

    @property
    def halfway(self) -> bool:
        return self.halfway_ms > 0


@dataclass(frozen=True)
class Hold:
    """Hold a position (or keep doing something) for an exact time."""

    say: str
    duration_ms: int
    countdown: int | None = None  # None: the exercise's cues.countdown
    halfway_ms: int | None = None  # None: the exercise's; 0: never
    then_continue: bool = False  # the next hold follows without a stop: a "change" cue, no end tone
    span: Count | None = None  # a length (ms) per level: `hold: 15-30s` or `{easy: 15s, ...}`
    per_set: Levels[tuple[int, ...]] | None = None  # per level, a length (ms) for each set in turn
    count_seconds: bool = False  # speak its seconds ("two, three...") instead of a countdown
    say_last: str = ""  # said instead of `say` in the last set or round
    countdown_in: int | None = None  # countdown words into its start; None: the exercise's
    end_tone: bool = True  # False: no end tone (the next start or change tone still sounds)
    until_ready: bool = False  # live, the coach waits for "ready" after its time; a track holds its time

    def length(self, level: str, set_index: int = 0) -> int:
        """The hold's length at a level, in a given set (from 0)."""
        if self.per_set:
            return per_set_value(self.per_set.at(level), set_index)
        return self.span.at(level) if self.span else self.duration_ms

    def longest(self, level: str) -> int:
        return max(self.per_set.at(level)) if self.per_set else self.length(level)


@dataclass(frozen=True)
class Phase:
    """One part of a counted rep, e.g. "up" for 2 s."""

    say: str
    duration_ms: int
    count_seconds: bool = False  # "breathe in, two, three, four": its seconds spoken
    span: Count | None = None  # a length (ms) per level: `for: 5-10s` or `{easy: 5s, ...}`
    end_tone: bool = True  # the last phase only: False drops the end tone after the reps

    def at_level(self, level: str) -> Phase:
        return replace(self, duration_ms=self.span.at(level), span=None) if self.span else self


# How reps are counted: auto (what fits), words ("Three. Up."), numbers, tones (a tick for
# the number, then the words), none (the words alone).
COUNTING = ("auto", "words", "numbers", "tones", "none")


@dataclass(frozen=True)
class Reps:
    """Counted repetitions, each rep a sequence of timed phases."""

    say: str
    count: Count
    tempo: tuple[Phase, ...]
    counting: str = "auto"  # one of COUNTING
    per_set: Levels[tuple[int, ...]] | None = None  # per level, a count for each set in turn (a ladder)
    say_last: str = ""  # said instead of `say` in the last set or round
    countdown_in: int | None = None  # countdown words into its start; None: the exercise's

    @property
    def rep_ms(self) -> int:
        return sum(p.duration_ms for p in self.tempo)

    @property
    def end_tone(self) -> bool:
        return self.tempo[-1].end_tone

    def at_level(self, level: str) -> Reps:
        """The reps with each phase's length at `level`."""
        return replace(self, tempo=tuple(p.at_level(level) for p in self.tempo))

    def reps(self, level: str, set_index: int = 0) -> int:
        if self.per_set:
            return per_set_value(self.per_set.at(level), set_index)
        return self.count.at(level)

    def most(self, level: str) -> int:
        return max(self.per_set.at(level)) if self.per_set else self.count.at(level)


def per_set_value(values: tuple[int, ...], set_index: int) -> int:
    """The value of a per-set list for set `set_index` (from 0): the last one repeats."""
    return values[min(set_index, len(values) - 1)]


@dataclass(frozen=True)
class Say:
    """A spoken instruction with an optional pause after it."""

    say: str
    pause_ms: int = 0
    say_last: str = ""  # said instead of `say` in the last set or round


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
    rests: Levels[tuple[int, ...]] | None = None  # per level, a rest (ms) after each set in turn
    alternate: bool = False  # sides take turns set by set, instead of all sets on one side first
    phrases: tuple[tuple[str, Template], ...] = ()  # its own words for phrasebook keys ("Set 2 of 3.")

    @property
    def slug(self) -> str:
        return slugify(self.name)

    def rest_before(self, set_index: int, level: str) -> int:
        """The rest before set `set_index` (from 1)."""
        if self.rests:
            return per_set_value(self.rests.at(level), set_index - 1)
        return self.rest_ms


@dataclass(frozen=True)
class Circuit:
    """Exercises done in turn, the whole round repeated: `routine.exercises[first:first + count]`."""

    name: str
    first: int
    count: int
    rounds: Count
    rest_ms: int = 60_000  # between rounds of the circuit
    rest_between_ms: int | None = None  # between its exercises; None: the routine's
    phrases: tuple[tuple[str, Template], ...] = ()  # its own words for its exercises: "Block {n} of {total}."


@dataclass(frozen=True)
class Routine:
    title: str
    exercises: tuple[Exercise, ...]
    intro: str = ""
    outro: str = ""
    safety: str = ""  # a caution said once, in the introduction, after the title
    rest_between_ms: int = 30_000
    cues: CueSettings = CueSettings()
    cover: str = ""  # a picture for the track's cover; relative to the routine file
    music: str = ""  # music to mix under the voice (a file, folder or playlist); relative to the routine file
    lang: str = ""  # the language it says it is written in; "" if it does not say
    phrases: tuple[tuple[str, Template], ...] = ()  # the routine's own words for phrasebook keys
    circuits: tuple[Circuit, ...] = ()  # runs of exercises repeated as a whole
    source: str = field(default="<routine>", compare=False)
    # The line of each place in the source file (`exercises[1].rest` -> 12), for located errors.
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)
    places: tuple[str, ...] = field(default=(), compare=False, repr=False)  # each exercise's place

    def place_of(self, index: int) -> str:
        """Where exercise `index` is in the file: `exercises[2]`, or `exercises[1].exercises[0]`."""
        return self.places[index] if index < len(self.places) else f"exercises[{index}]"

    def line_of(self, *places: str) -> str:
        """`file:line` for the first place the file has, or the file alone."""
        for place in places:
            if place in self.lines:
                return f"{self.source}:{self.lines[place]}"
        return self.source

    @property
    def slug(self) -> str:
        """The title as a file name, spelled by the rules of the routine's language."""
        return slugify(self.title, self.language)

    @property
    def language(self) -> str:
        """The language it is written in: the phrasebook's and the default voice's."""
        return self.lang or DEFAULT_LANG


# Letters a language spells out in plain ASCII its own way (German Füße -> Fuesse), before
# accents come off the rest; keyed by base language.
TRANSLITERATIONS: dict[str, dict[str, str]] = {
    "de": {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"},
    "da": {"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"},
    "nb": {"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"},
    "no": {"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"},
}
# Latin letters that no accent-stripping turns into ASCII, in any language.
LATIN_LETTERS = str.maketrans(
    {"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
     "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i"}
)  # fmt: skip


def slugify(text: str, lang: str = "") -> str:
    """`Heel raises` -> `heel-raises`, `Übungen` -> `ubungen` (in German, `uebungen`): a file name.

    Latin letters become ASCII by the language's own rules where it has them (German ä ö ü ß
    -> ae oe ue ss), otherwise by dropping accents; other scripts stay. Never empty, never a
    path (no separators, dots or control characters), never a name Windows reserves, and short
    enough for any file system even with suffixes added.
    """
    rules = TRANSLITERATIONS.get(lang.lower().replace("_", "-").split("-")[0], {})
    text = "".join(rules.get(c, c) for c in text).translate(LATIN_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[\W_]+", "-", plain.lower()).strip("-")
    # Cut at the byte limit in one step (never a character at a time: long names are many).
    slug = slug.encode("utf-8")[:MAX_SLUG_BYTES].decode("utf-8", "ignore")
    slug = slug.strip("-") or "routine"
    return f"{slug}-routine" if slug in RESERVED_NAMES else slug


def fill(text: str, side: str | None, other: str | None) -> str:
    """Put the current side into an instruction: "lift your {side} leg" -> "lift your right leg"."""
    if side is None:
        return text
    return text.replace("{side}", side).replace("{other}", other or side)
