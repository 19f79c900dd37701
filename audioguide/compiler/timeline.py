"""The timeline being laid out: its cues, what may be said in a window, and the overlap check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from audioguide.cues import SPEECH, TONE, Event
from audioguide.phrases import Phrasebook
from audioguide.routine import (
    MAX_SPOKEN_CHARS,
    Circuit,
    Routine,
    Step,
    fill,
)

DurationOf = Callable[[str], int]

TONE_MS = 180  # length of the start, end and change tones
GAP_MS = 350  # silence between consecutive spoken phrases
LEAD_MS = 500  # silence between an instruction and the tone that starts the work
TAIL_MS = 1500  # silence at the very end of the track
MINUTES_PASSES = 4  # the intro states the length, which changes the length: settle it
TALK_SHARE = 0.5  # a rest is at most this much talk, unless what is required needs more
CHANGE = "change"  # the tone between chained holds, and between rounds with no rest
TICK = "tick"  # the tone that counts a fast rep

# What a window drops when its talk does not fit, first dropped first; required items never are.
DROP_ORDER = (
    "purpose",
    "rounds",
    "repeat",
    "instruction",
    "rest",
    "brief rest",
    "equipment",
    "setup",
    "round",
)
BRIEF = "brief rest"  # "Rest." in place of "Rest for ten seconds." when that does not fit
REPEAT = "repeat"  # an instruction said before, in the first round: dropped without a warning
# What a rest drops to stay at most TALK_SHARE talk: what is nice to hear. The next exercise's
# equipment and setup are what the rest is for, so only lack of room drops them.
NICE_TO_HEAR = ("purpose", "rounds", REPEAT, "instruction", "rest", BRIEF)
# What is required before a start: moved where there is room (over the end of the hold before,
# after the start tone) before it is dropped, and dropped only as a last resort, first dropped first.
NEXT = "next"  # "Next up: Wall sit."
FIRST = "first instruction"  # the first step's say, the last words before the countdown
LAST_RESORT = ("round number", FIRST, "get ready", "switch", NEXT)

# A rough speaking rate for dry runs, before any audio exists (measured on the Pico voice).
ESTIMATE_MS_PER_CHAR = 62
ESTIMATE_BASE_MS = 120


def estimate_ms(text: str) -> int:
    """A speech duration estimate for plans made without synthesis."""
    return ESTIMATE_BASE_MS + ESTIMATE_MS_PER_CHAR * len(text)


@dataclass(frozen=True)
class _Cue:
    """An event before the overlap check, with what a user needs to find and fix it."""

    event: Event
    place: str  # the routine's place, as validate names it: exercises[1].steps[0]
    fix: str = ""  # what to change if this cue does not fit
    optional: bool = False


@dataclass(frozen=True)
class Item:
    """Something to say in a window; `what` says whether and when it may be dropped."""

    text: str
    what: str  # one of DROP_ORDER, or "" when required
    role: str = "instruction"


@dataclass(frozen=True)
class HoldSpan:
    """The hold that ended the last part: where talk about what comes next may go over its end."""

    start: int
    end: int
    countdown: int  # its closing countdown words
    busy_until: int  # its own talk ends here: a counted hold is busy to its end
    toned: bool = True  # it ends on an end tone (`end_tone: false`: it does not)

    @property
    def latest(self) -> int:
        """Where talk over its end must have ended: a gap before its countdown."""
        return self.end - self.countdown * 1000 - GAP_MS


@dataclass
class Timeline:
    routine: Routine
    level: str
    duration_of: DurationOf
    book: Phrasebook
    cues: list[_Cue] = field(default_factory=list)
    chapters: list[tuple[str, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # layouts that cannot exist, all of them
    cursor: int = 0  # where the next phrase in sequence may start
    work_end: int = 0  # when the last hold or set of reps ended: rests count from here
    place: str = ""
    last_hold: HoldSpan | None = None  # the last step, if it was a hold
    changed: bool = False  # the next step starts on a change tone, not a start tone
    counted_to: int = -1  # where the last countdown ended: its "one" numbers what starts there
    set_offset: int = 0  # sets done in earlier rounds of the circuit: per-set lists go on counting
    rounds: int = 1  # how often the current exercise is done over: its circuit's rounds
    waits: list[int] = field(default_factory=list)  # ends of `until: ready` holds: a live coach waits
    sets: int = 1  # the current exercise's sets, in each round of its circuit
    round_index: int = 0  # the current (or next) set of the current exercise, from 0
    own_phrases: frozenset[str] = frozenset()  # the phrasebook keys the routine says its own way

    @property
    def round_number(self) -> int:
        """The set at hand counted through its circuit's rounds, from 1: `{round}`."""
        return self.set_offset + self.round_index + 1

    @property
    def round_total(self) -> int:
        """`{rounds}`: every set of the exercise, in every round of its circuit."""
        return self.sets * self.rounds

    def fill(self, text: str, side: str | None, other: str | None) -> str:
        """A routine's text with its side and its round put in: "Run {round} of {rounds}." ->
        "Run two of eight.", numbers in words of the track's language."""
        text = fill(text, side, other)
        if "{round" not in text:
            return text
        number, total = self.book.number(self.round_number), self.book.number(self.round_total)
        return text.replace("{rounds}", total).replace("{round}", number)

    def said(self, step: Step, side: str | None, other: str | None) -> str:
        """A step's instruction for the set at hand: its `say_last` in the last one."""
        last = step.say_last and self.round_number == self.round_total
        return self.fill(step.say_last if last else step.say, side, other)

    def phrase(self, key: str, /, **values: object) -> str:
        """A phrase said within an exercise's sets, which may name the round (ROUND_PHRASES)."""
        return self.book.say(key, round=self.round_number, rounds=self.round_total, **values)

    def chapter(self, title: str, start: int) -> None:
        self.check_length(title)
        self.chapters.append((title, start))

    def check_length(self, text: str, place: str = "") -> None:
        """Refuse a text that filling and joining made longer than one phrase may be."""
        if len(text) > MAX_SPOKEN_CHARS:
            self.refuse(
                f'a phrase would be {len(text):,} characters long ("{text[:40]}..."); at most '
                f"{MAX_SPOKEN_CHARS:,} are said at once. "
                "Shorten the routine's phrases or the texts they include",
                place or self.place or "phrases",
            )

    def speak_at(
        self, start: int, text: str, role: str, optional: bool = False, fix: str = "", place: str = ""
    ) -> int:
        """Place a phrase at a fixed time; returns its end."""
        self.check_length(text, place)
        end = start + self.duration_of(text)
        event = Event(SPEECH, text, start, end, 0, role)
        self.cues.append(_Cue(event, place or self.place, fix, optional))
        return end

    def tone_at(self, start: int, kind: str, fix: str = "", place: str = "", role: str = "") -> int:
        event = Event(TONE, kind, start, start + TONE_MS, 0, role or f"{kind} tone")
        self.cues.append(_Cue(event, place or self.place, fix))
        return start + TONE_MS

    def say(self, *texts: str, role: str = "instruction") -> None:
        """Speak phrases one after another from the cursor."""
        for text in texts:
            if text:
                self.cursor = self.speak_at(self.cursor, text, role) + GAP_MS

    def talk_ms(self, items: list[Item]) -> int:
        return sum(self.duration_of(item.text) + GAP_MS for item in items)

    def countdown(self, end: int, count: int) -> None:
        """ "Three, two, one" with each word starting k seconds before `end`."""
        self.counted_to = end if count else -1
        for k in range(count, 0, -1):
            self.speak_at(end - k * 1000, self.book.words("countdown", n=k), "countdown")

    def located(self, message: str, *places: str) -> str:
        """A message located like validate's: `file:line: place: message`."""
        place = next((p for p in places if p in self.routine.lines), places[0])
        return f"{self.routine.line_of(*places, self.place)}: {place}: {message}"

    def warn(self, message: str, *places: str) -> None:
        self.warnings.append(self.located(message, *places))

    def refuse(self, message: str, *places: str) -> None:
        """A layout that cannot exist: compiling goes on, to find every such place in one run."""
        self.problems.append(self.located(message, *places))

    def ended_on_hold(self) -> HoldSpan | None:
        """The hold the last part ended on, if its end tone is the last cue laid out."""
        span = self.last_hold
        if span is None or span.end != self.work_end:
            return None
        return span if not span.toned or self.cues[-1].event.text == "end" else None

    def before_countdown(self, span: HoldSpan, items: list[Item]) -> bool:
        """Say `items` over the quiet end of a hold, ending a gap before its countdown, if they fit."""
        at = span.latest - self.talk_ms(items) + GAP_MS
        if not items or at < span.busy_until + GAP_MS:
            return False
        for item in items:
            at = self.speak_at(at, item.text, item.role) + GAP_MS
        return True


@dataclass(frozen=True)
class Slot:
    """One exercise in the order it is done: circuits repeat theirs, round after round."""

    index: int  # in routine.exercises
    circuit: Circuit | None = None
    round: int = 0  # the circuit's round, from 1; 0 outside a circuit


def slots_of(routine: Routine, level: str) -> list[Slot]:
    starts = {c.first: c for c in routine.circuits}
    slots: list[Slot] = []
    index = 0
    while index < len(routine.exercises):
        circuit = starts.get(index)
        if circuit is None:
            slots.append(Slot(index))
            index += 1
            continue
        for round_number in range(1, circuit.rounds.at(level) + 1):
            slots += [Slot(i, circuit, round_number) for i in range(index, index + circuit.count)]
        index += circuit.count
    return slots


def as_seconds(ms: int) -> str:
    return f"{ms / 1000:g} s"


def shortened(text: str, chars: int = 40) -> str:
    return text if len(text) <= chars else text[: chars - 3] + "..."


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- the overlap check ---------------------------------------------------------------------


def check_overlaps(t: Timeline, cues: list[_Cue]) -> tuple[list[Event], list[str]]:
    """Every event must end before the next begins. Drop optional cues that don't fit."""
    kept: list[_Cue] = []
    warnings: list[str] = []
    for cue in sorted(cues, key=lambda c: (c.event.start_ms, c.event.end_ms)):
        if kept and kept[-1].event.end_ms > cue.event.start_ms:
            previous = kept[-1]
            loser = cue if cue.optional else previous if previous.optional else None
            if loser is None:
                t.problems.append(_overlap_error(t, previous, cue))
                continue
            warnings.append(
                f'{t.routine.line_of(loser.place)}: {loser.place}: dropped the "{loser.event.text}" cue at '
                f"{loser.event.start_ms / 1000:.1f} s: it would talk over another cue"
            )
            if loser is previous:
                kept.pop()
            else:
                continue
        if cue.event.start_ms < 0:
            t.refuse(f'the cue "{cue.event.text}" would start before the track', cue.place)
            continue
        kept.append(cue)
    return [c.event for c in kept], warnings


def _overlap_error(t: Timeline, first: _Cue, second: _Cue) -> str:
    a, b = first.event, second.event
    name = a.text if a.kind == SPEECH else f"{a.text} tone"
    other = b.text if b.kind == SPEECH else f"{b.text} tone"
    fix = first.fix or "make that hold, rest or pause longer, shorten the text, or lower the countdown"
    lasts, free = distinct_seconds(a.duration_ms, b.start_ms - a.start_ms)
    return t.located(
        f'the cue "{name}" lasts {lasts} s but only {free} s are free before "{other}". {capitalized(fix)}',
        first.place,
    )


def distinct_seconds(*ms: int) -> list[str]:
    """Times in seconds with as few decimals as keep different times apart and no time shown as
    none: 0.18 and 0.04, never 0.2 and 0.0; 2.05 and 2.0, never 2.0 and 2.0."""
    for decimals in (1, 2):
        shown = [f"{m / 1000:.{decimals}f}" for m in ms]
        if len(set(shown)) == len(set(ms)) and all(float(x) or not m for x, m in zip(shown, ms, strict=True)):
            return shown
    return [f"{m / 1000:.3f}" for m in ms]


def closing_countdown(countdown: int, length: int) -> int:
    """The words of a hold's closing countdown that fit inside it: "three, two, one" in 3.5 s."""
    return len([k for k in range(countdown, 0, -1) if k * 1000 < length])
