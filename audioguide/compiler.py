"""Routine -> cue script. Pure: no I/O, no clock, no audio; the same input gives the same script.

Clip lengths are only known after synthesis, so `compile_routine` takes a phrase -> duration
function: real durations from the speech layer for a build, an estimate for a dry run.

The rules, written for a listener (docs/how-it-sounds.md says them in full):
- everything said about time is true: a hold of D lasts D from its start tone to its end
  tone; a rest of R lasts R from the end tone to the next start tone, whatever it holds
  (plus, given an MP3 frame grid, less than one frame: see grid.py);
- what comes next is said during the rest before it (name, equipment once, setup), the
  first instruction and the countdown close the rest; what cannot fit, or would make the
  rest more than half talk, is dropped in a fixed order with a warning; what is required
  and cannot fit stops the build with the file, the line and the key to change;
- a side switch says only what changes, then leaves quiet time to move;
- holds chained with `then: continue` run on: the next position is announced over the
  work, a change tone marks it, and only the chain's end has an end tone;
- "halfway" at most once per hold, only in long holds; every round is named on every side;
- no cue overlaps another.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from audioguide import grid
from audioguide.cues import LENGTH_ROLE, SPEECH, TONE, Chapter, CueScript, Event
from audioguide.errors import TimingError
from audioguide.phrases import Phrasebook, phrasebook
from audioguide.routine import (
    DEFAULT_LEVEL,
    MAX_TRACK_MS,
    Circuit,
    Exercise,
    Hold,
    Reps,
    Routine,
    Say,
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
class _Item:
    """Something to say in a window; `what` says whether and when it may be dropped."""

    text: str
    what: str  # one of DROP_ORDER, or "" when required
    role: str = "instruction"


@dataclass
class _Timeline:
    routine: Routine
    level: str
    duration_of: DurationOf
    book: Phrasebook
    cues: list[_Cue] = field(default_factory=list)
    chapters: list[tuple[str, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cursor: int = 0  # where the next phrase in sequence may start
    work_end: int = 0  # when the last hold or set of reps ended: rests count from here
    place: str = ""
    last_hold: tuple[int, int, int] | None = None  # (start, end, countdown words) of the last hold
    changed: bool = False  # the next step starts on a change tone, not a start tone

    def chapter(self, title: str, start: int) -> None:
        self.chapters.append((title, start))

    def speak_at(
        self, start: int, text: str, role: str, optional: bool = False, fix: str = "", place: str = ""
    ) -> int:
        """Place a phrase at a fixed time; returns its end."""
        end = start + self.duration_of(text)
        event = Event(SPEECH, text, start, end, 0, role)
        self.cues.append(_Cue(event, place or self.place, fix, optional))
        return end

    def tone_at(self, start: int, kind: str, fix: str = "", place: str = "") -> int:
        event = Event(TONE, kind, start, start + TONE_MS, 0, f"{kind} tone")
        self.cues.append(_Cue(event, place or self.place, fix))
        return start + TONE_MS

    def say(self, *texts: str, role: str = "instruction") -> None:
        """Speak phrases one after another from the cursor."""
        for text in texts:
            if text:
                self.cursor = self.speak_at(self.cursor, text, role) + GAP_MS

    def talk_ms(self, items: list[_Item]) -> int:
        return sum(self.duration_of(item.text) + GAP_MS for item in items)

    def countdown(self, end: int, count: int) -> None:
        """ "Three, two, one" with each word starting k seconds before `end`."""
        for k in range(count, 0, -1):
            self.speak_at(end - k * 1000, self.book.words("countdown", n=k), "countdown")

    def refuse(self, message: str, *places: str) -> TimingError:
        """A timing error located like validate's: `file:line: place: message`."""
        place = next((p for p in places if p in self.routine.lines), places[0])
        return TimingError(f"{self.routine.line_of(*places, self.place)}: {place}: {message}")


def compile_routine(
    routine: Routine,
    level: str = DEFAULT_LEVEL,
    duration_of: DurationOf = estimate_ms,
    lang: str | None = None,
    frames: grid.Grid | None = None,
) -> CueScript:
    """The routine's cue script at a level, laid out with the given phrase durations.

    The tool's own phrases are in `lang`, by default the routine's language. Given an MP3
    frame grid (`grid.of(rate)`), each part starts on it (grid.py).
    """
    book = routine_phrasebook(routine, lang)
    minutes = 0
    for _ in range(MINUTES_PASSES):
        script = _compile(routine, level, duration_of, minutes, book, frames)
        settled = _minutes(script.duration_ms)
        if settled == minutes:
            break
        minutes = settled
    if script.duration_ms > MAX_TRACK_MS:
        raise TimingError(
            f"{routine.source}: the track would last {script.duration_ms / 3_600_000:.1f} hours at level "
            f"{level}; a track is at most {MAX_TRACK_MS // 3_600_000} hours. "
            "Lower sets, reps or durations, or split the routine into several"
        )
    return script


def routine_phrasebook(routine: Routine, lang: str | None = None) -> Phrasebook:
    """The tool's words for this routine: the phrasebook of `lang` (by default the routine's
    language), with the routine's own phrases, which are its own words in any language."""
    book = phrasebook(lang or routine.language)
    if routine.phrases:
        book = replace(book, entries={**book.entries, **dict(routine.phrases)})
    return book


def _minutes(duration_ms: int) -> int:
    return max(1, round(duration_ms / 60_000))


def _compile(
    routine: Routine,
    level: str,
    duration_of: DurationOf,
    minutes: int,
    book: Phrasebook,
    frames: grid.Grid | None,
) -> CueScript:
    t = _Timeline(routine, level, duration_of, book)
    t.chapter(book.words("introduction"), 0)
    count = len(routine.exercises)
    t.cursor = routine.cues.pre_roll_ms
    t.say(book.say("title", title=routine.title), routine.safety, routine.intro)
    t.say(
        book.say(
            "length", exercises=book.words("exercises", n=count), minutes=book.words("minutes", n=minutes)
        ),
        role=LENGTH_ROLE,
    )
    previous: _Slot | None = None
    for slot in _slots(routine, level):
        exercise = routine.exercises[slot.index]
        t.place = routine.place_of(slot.index)
        # A chapter title is read, not heard: its round number stays a digit.
        later = book.words("round_chapter", name=exercise.name, n=str(slot.round))
        title = exercise.name if slot.round <= 1 else later
        t.chapter(title, t.cursor)
        if previous is None:
            _first_exercise(t, exercise, level, slot, count)
        else:
            _rest_into(t, previous, slot)
        _exercise(t, exercise, level)
        previous = slot
    t.chapter(book.words("finish"), t.cursor)
    t.place = "outro"
    t.say(routine.outro or book.say("outro"))
    events, warnings = _check_overlaps(t, t.cues)
    duration = max(t.cursor, events[-1].end_ms if events else 0) + TAIL_MS
    events, stretches = grid.stretch(events, frames)
    duration = grid.moved(duration, stretches)
    t.chapters = [(title, grid.moved(start, stretches)) for title, start in t.chapters]
    starts = [start for _, start in t.chapters] + [duration]
    chapters = tuple(Chapter(title, start, starts[i + 1]) for i, (title, start) in enumerate(t.chapters))
    placed = tuple(replace(e, chapter=_chapter_of(e.start_ms, starts)) for e in events)
    said = tuple(dict.fromkeys(t.warnings + warnings))  # a warning per place, not per round
    return CueScript(routine.title, level, placed, chapters, duration, said)


@dataclass(frozen=True)
class _Slot:
    """One exercise in the order it is done: circuits repeat theirs, round after round."""

    index: int  # in routine.exercises
    circuit: Circuit | None = None
    round: int = 0  # the circuit's round, from 1; 0 outside a circuit


def _slots(routine: Routine, level: str) -> list[_Slot]:
    starts = {c.first: c for c in routine.circuits}
    slots: list[_Slot] = []
    index = 0
    while index < len(routine.exercises):
        circuit = starts.get(index)
        if circuit is None:
            slots.append(_Slot(index))
            index += 1
            continue
        for round_number in range(1, circuit.rounds.at(level) + 1):
            slots += [_Slot(i, circuit, round_number) for i in range(index, index + circuit.count)]
        index += circuit.count
    return slots


def _chapter_of(ms: int, starts: list[int]) -> int:
    index = 0
    while index + 1 < len(starts) - 1 and starts[index + 1] <= ms:
        index += 1
    return index


# --- what is said before an exercise ---------------------------------------------------------


def _announcements(t: _Timeline, exercise: Exercise, level: str) -> list[_Item]:
    """What to know before an exercise, in the order it is said; the name comes first."""
    book = t.book
    sides = exercise.sides or (None,)
    side, other = sides[0], sides[1 % len(sides)] if exercise.sides else None
    items = [_Item(exercise.purpose, "purpose")] if exercise.purpose else []
    if exercise.equipment:
        items.append(_Item(book.say("equipment", items=book.join(exercise.equipment)), "equipment"))
    if exercise.setup:
        items.append(_Item(fill(exercise.setup, side, other), "setup"))
    sets = exercise.sets.at(level)
    if sets > 1:
        rounds = book.words("rounds_count", n=sets)
        if len(set(exercise.rests)) > 1 or not exercise.rest_ms:  # no one rest to name
            items.append(_Item(book.say("rounds_plain", rounds=rounds), "rounds"))
        else:
            rest = book.duration(exercise.rest_ms)
            items.append(_Item(book.say("rounds", rounds=rounds, rest=rest), "rounds"))
    return items


def _lead(
    t: _Timeline, exercise: Exercise, level: str, side: str | None, other: str | None, round_index: int = 0
) -> list[_Item]:
    """Said last before a round starts: its round number and first instruction."""
    sets = exercise.sets.at(level)
    items = [_Item(t.book.say("round", n=round_index + 1, total=sets), "")] if sets > 1 else []
    first = exercise.steps[0]
    if not isinstance(first, Say):
        items.append(_Item(fill(first.say, side, other), ""))
    return items


def _countdown_into(exercise: Exercise) -> int:
    """The countdown into an exercise's first step: none before a spoken-only step."""
    first = exercise.steps[0]
    if isinstance(first, Say):
        return 0
    if isinstance(first, Hold) and first.countdown is not None:
        return first.countdown
    return exercise.cues.countdown


def _sides(exercise: Exercise) -> tuple[str | None, str | None]:
    if not exercise.sides:
        return None, None
    return exercise.sides[0], exercise.sides[1]


def _circuit_items(t: _Timeline, slot: _Slot) -> list[_Item]:
    """At a circuit's first exercise: what the circuit is (round one), or which round begins."""
    circuit = slot.circuit
    if circuit is None or slot.index != circuit.first:
        return []
    rounds = circuit.rounds.at(t.level)
    if slot.round == 1:
        what = t.book.say(
            "circuit",
            name=circuit.name,
            rounds=t.book.words("rounds_count", n=rounds),
            exercises=t.book.words("exercises", n=circuit.count),
        )
        return [_Item(what, "rounds")]
    return [_Item(t.book.say("round", n=slot.round, total=rounds), "round")]


def _first_exercise(t: _Timeline, exercise: Exercise, level: str, slot: _Slot, count: int) -> None:
    """The first exercise is announced in full, then its get-ready pause counts into the start."""
    book = t.book
    t.say(*(item.text for item in _circuit_items(t, slot)))
    t.say(book.say("exercise", n=slot.index + 1, total=count, name=exercise.name))
    side, other = _sides(exercise)
    for item in _announcements(t, exercise, level) + _lead(t, exercise, level, side, other):
        t.say(item.text)
    setting = "cues.get_ready"
    fix = f"make {setting} longer, or lower the countdown"
    _window(
        t,
        t.cursor,
        t.cursor + exercise.cues.get_ready_ms,
        [_Item(book.say("get_ready"), "")],
        [],
        _countdown_into(exercise),
        f"the {_seconds(exercise.cues.get_ready_ms)} get-ready pause ({setting})",
        fix,
        (f"{t.place}.{setting}", setting, t.place),
        half=False,
    )


def _rest_into(t: _Timeline, previous: _Slot, slot: _Slot) -> None:
    """The rest before an exercise: exactly its length, holding that exercise's announcements."""
    routine = t.routine
    done, upcoming = routine.exercises[previous.index], routine.exercises[slot.index]
    before = routine.place_of(previous.index)
    circuit = slot.circuit
    if circuit is not None and circuit is previous.circuit and slot.round > previous.round:
        rest_ms, key = circuit.rest_ms, f"{_circuit_place(routine, circuit)}.rest"
    elif done.rest_after_ms is not None:
        rest_ms, key = done.rest_after_ms, f"{before}.rest_after"
    elif circuit is not None and circuit is previous.circuit and circuit.rest_between_ms is not None:
        rest_ms, key = circuit.rest_between_ms, f"{_circuit_place(routine, circuit)}.rest_between"
    else:
        rest_ms, key = routine.rest_between_ms, "rest_between"
    again = slot.round > 1  # a circuit's later round: what it is and how to set up is known
    head = [_Item(t.book.say("rest", duration=t.book.duration(rest_ms)), "rest", "rest")] if rest_ms else []
    head += _circuit_items(t, slot)
    head.append(_Item(t.book.say("next", name=upcoming.name), ""))
    side, other = _sides(upcoming)
    places = (key, before)
    name = f"the {_seconds(rest_ms)} rest before {upcoming.name}"
    fix = f"make {key.split('.')[-1]} longer, or shorten what is said"
    items = [] if again else _announcements(t, upcoming, t.level)
    lead = _lead(t, upcoming, t.level, side, other)
    if not rest_ms:
        _run_on(t, head + items + lead, name, fix, places)
        return
    end = t.work_end + rest_ms
    _window(t, t.cursor, end, head + items, lead, _countdown_into(upcoming), name, fix, places, half=False)


def _circuit_place(routine: Routine, circuit: Circuit) -> str:
    return routine.place_of(circuit.first).rsplit(".exercises[", 1)[0]


def _run_on(t: _Timeline, items: list[_Item], name: str, fix: str, places: tuple[str, ...]) -> None:
    """No rest: what comes next is said over the end of the hold before, and a change tone
    replaces its end tone; the next work starts on it."""
    if t.last_hold is None or t.last_hold[1] != t.work_end or t.cues[-1].event.text != "end":
        raise t.refuse(
            f"{name} needs a hold before it, to announce what comes next over it. {_capital(fix)}", *places
        )
    start, end, countdown = t.last_hold
    t.cues.pop()  # the end tone: the work runs on
    t.tone_at(end, CHANGE)
    latest = end - countdown * 1000 - GAP_MS
    room = latest + GAP_MS - (start + TONE_MS + GAP_MS)
    kept = list(items)
    for what in DROP_ORDER:
        if t.talk_ms(kept) <= room:
            break
        for item in [i for i in kept if i.what == what]:
            kept.remove(item)
            if what == REPEAT:
                continue
            t.warnings.append(
                f"{t.routine.line_of(*places)}: {places[0]}: dropped the {item.what} "
                f'("{_short(item.text)}"): with no rest, it does not fit over the end of the hold before'
            )
    at = latest - t.talk_ms(kept) + GAP_MS
    if at < start + TONE_MS + GAP_MS:
        spoken = " ".join(f'"{_short(i.text)}"' for i in kept)
        raise t.refuse(
            f"{name}: the hold before it is too short to announce {spoken} over its end. {_capital(fix)}",
            *places,
        )
    for item in kept:
        at = t.speak_at(at, item.text, item.role) + GAP_MS
    t.cursor = end
    t.changed = True


def _seconds(ms: int) -> str:
    return f"{ms / 1000:g} s"


def _window(
    t: _Timeline,
    start: int,
    end: int,
    head: list[_Item],
    tail: list[_Item],
    countdown: int,
    name: str,
    fix: str,
    places: tuple[str, ...],
    half: bool,
) -> None:
    """Fill [start, end) exactly: head from the start, tail then countdown ending at `end`.

    Items are dropped in DROP_ORDER until the talk fits (and, for a rest, is at most half of
    it); required items that cannot fit are an error naming the key to change.
    """
    if half:  # a rest between rounds is exact whatever it holds: a short one counts down less
        countdown = max(0, min(countdown, (end - start - LEAD_MS) // 1000))
    countdown_ms = countdown * 1000 if countdown else LEAD_MS - GAP_MS
    room = end - countdown_ms - start
    kept = head + tail
    needed = [item for item in kept if item.what not in NICE_TO_HEAR]
    budget = max(int((end - t.work_end) * TALK_SHARE), t.talk_ms(needed)) if half else room
    for what in DROP_ORDER:
        if t.talk_ms(kept) <= min(room, budget):
            break
        for item in [i for i in kept if i.what == what]:
            if what == "rest":  # say less before saying nothing: still true, and still a rest
                brief = replace(item, text=t.book.say("rest_short"), what=BRIEF)
                kept[kept.index(item)] = brief
                head = [brief if i is item else i for i in head]
                continue
            kept.remove(item)
            if what != REPEAT:
                t.warnings.append(
                    f"{t.routine.line_of(*places)}: {places[0]}: dropped the {item.what} "
                    f'("{_short(item.text)}"): it does not fit {name}'
                )
    if t.talk_ms(kept) > room:
        need = math.ceil((t.talk_ms(kept) + countdown_ms + start - end) / 100) / 10
        spoken = " ".join(f'"{_short(i.text)}"' for i in kept)
        raise t.refuse(
            f"{name} is {need:.1f} s too short for {spoken} and its countdown. {_capital(fix)}", *places
        )
    at = start
    for item in head:
        if item in kept:
            at = t.speak_at(at, item.text, item.role) + GAP_MS
    tail_kept = [item for item in tail if item in kept]
    at = end - countdown_ms - t.talk_ms(tail_kept)
    for item in tail_kept:
        at = t.speak_at(at, item.text, item.role) + GAP_MS
    t.countdown(end, countdown)
    t.cursor = end


def _short(text: str, chars: int = 40) -> str:
    return text if len(text) <= chars else text[: chars - 3] + "..."


# --- an exercise ---------------------------------------------------------------------------


def _exercise(t: _Timeline, exercise: Exercise, level: str) -> None:
    """Every side, every round; the cursor starts at the first start tone."""
    sets = exercise.sets.at(level)
    sides = exercise.sides or (None,)
    if exercise.alternate:  # each set on every side in turn
        order = [(r, s) for r in range(sets) for s in range(len(sides))]
    else:  # every set on one side, then on the next
        order = [(r, s) for s in range(len(sides)) for r in range(sets)]
    last_side = 0
    for number, (round_index, side_index) in enumerate(order):
        side = sides[side_index]
        other = sides[(side_index + 1) % len(sides)] if exercise.sides else None
        if number and (round_index == order[number - 1][0] or not exercise.alternate):
            if side_index != last_side:
                _switch(t, exercise, level, side, other, round_index)  # type: ignore[arg-type]
            else:
                _rest_between_rounds(t, exercise, round_index, sets, side, other)
        elif number:
            _rest_between_rounds(t, exercise, round_index, sets, side, other, switch=True)
        last_side = side_index
        _round(t, exercise, level, side, other, round_index)


def _switch(
    t: _Timeline, exercise: Exercise, level: str, side: str, other: str | None, round_index: int = 0
) -> None:
    """Only what changes for the new side, then quiet time to move, then the countdown."""
    if not exercise.cues.switch_pause_ms:  # no pause: the switch is announced over the work before
        lead = _lead(t, exercise, level, side, other, round_index)
        name = "the switch of sides with no pause (cues.switch_pause: 0)"
        fix = "give cues.switch_pause a length, or make the hold before it longer"
        _run_on(
            t,
            _switch_items(t, exercise, side, other) + lead,
            name,
            fix,
            (f"{t.place}.cues.switch_pause", t.place),
        )
        return
    t.say(*(item.text for item in _switch_items(t, exercise, side, other)))
    t.cursor += exercise.cues.switch_pause_ms - GAP_MS
    lead = _lead(t, exercise, level, side, other, round_index)
    first = exercise.steps[0]
    if not isinstance(first, Say) and not _has_side(first.say):
        lead = lead[:-1]  # the instruction does not change with the side: not said again
    t.say(*(item.text for item in lead))
    countdown = _countdown_into(exercise)
    t.countdown(t.cursor + countdown * 1000, countdown)
    t.cursor += countdown * 1000 if countdown else LEAD_MS - GAP_MS


def _switch_items(t: _Timeline, exercise: Exercise, side: str | None, other: str | None) -> list[_Item]:
    items = [_Item(fill(exercise.switch, side, other) or t.book.say("switch", side=side), "")]
    return items + [_Item(fill(s, side, other), "") for s in _side_sentences(exercise.setup)]


def _has_side(text: str) -> bool:
    return "{side}" in text or "{other}" in text


def _side_sentences(setup: str) -> list[str]:
    """The side-specific part of a setup: its sentences that name {side} or {other}."""
    return [s for s in re.split(r"(?<=[.!?])\s+", setup) if _has_side(s)]


def _rest_between_rounds(
    t: _Timeline,
    exercise: Exercise,
    round_index: int,
    sets: int,
    side: str | None,
    other: str | None,
    switch: bool = False,
) -> None:
    """Exactly the rest's length from the last end tone to the next round's start."""
    rest_ms = exercise.rest_before(round_index)
    head = [_Item(t.book.say("rest", duration=t.book.duration(rest_ms)), "rest", "rest")] if rest_ms else []
    if switch:
        head += _switch_items(t, exercise, side, other)
    tail = [_Item(t.book.say("round", n=round_index + 1, total=sets), "round")]
    first = exercise.steps[0]
    if not isinstance(first, Say):
        tail.append(_Item(fill(first.say, side, other), REPEAT))
    name = f"the {_seconds(rest_ms)} rest between rounds"
    fix = "make rest longer, or lower the countdown"
    places = (f"{t.place}.rest", t.place)
    if not rest_ms:
        _run_on(t, head + tail, name, fix, places)
        return
    end = t.work_end + rest_ms
    _window(t, t.cursor, end, head, tail, _countdown_into(exercise), name, fix, places, half=True)


def _round(
    t: _Timeline, exercise: Exercise, level: str, side: str | None, other: str | None, round_index: int
) -> None:
    """One round of the steps; the first step's instruction was said before the round."""
    announced = True  # the first instruction was said in the window before this round
    changed, t.changed = t.changed, False  # a change tone has just started this step
    for step_index, step in enumerate(exercise.steps):
        place = f"{t.place}.steps[{step_index}]"
        if not announced and not isinstance(step, Say):
            t.say(fill(step.say, side, other))
            t.cursor += LEAD_MS - GAP_MS
        following = exercise.steps[step_index + 1] if step_index + 1 < len(exercise.steps) else None
        changed = _step(t, step, following, changed, exercise, level, side, other, place, round_index)
        announced = changed


def _step(
    t: _Timeline,
    step: Step,
    following: Step | None,
    changed: bool,
    exercise: Exercise,
    level: str,
    side: str | None,
    other: str | None,
    place: str,
    round_index: int = 0,
) -> bool:
    """Lay out one step from the cursor; True when it ends on a change tone into the next step."""
    t.last_hold = None
    if isinstance(step, Say):
        t.say(fill(step.say, side, other))
        t.cursor += step.pause_ms
        t.work_end = t.cursor
        return False
    if isinstance(step, Hold):
        if not changed:
            t.tone_at(t.cursor, "start")
        ahead = fill(following.say, side, other) if step.then_continue and following else ""
        _hold(t, step, exercise, ahead, place, step.length(level, round_index))
        if step.then_continue:
            t.work_end = t.cursor
            t.tone_at(t.cursor, CHANGE)
            return True
    else:  # the first rep's number starts it: no start tone
        _reps(t, step, step.reps(level, round_index), side, other, place)
    t.work_end = t.cursor
    t.tone_at(t.work_end, "end")
    t.cursor = t.work_end + TONE_MS + GAP_MS
    return False


def _hold(t: _Timeline, step: Hold, exercise: Exercise, ahead: str, place: str, duration: int) -> None:
    """A hold of exactly its length; `ahead` is the next chained position, announced over it."""
    start = t.cursor
    countdown = exercise.cues.countdown if step.countdown is None else step.countdown
    usable = len([k for k in range(countdown, 0, -1) if k * 1000 < duration])
    halfway = exercise.cues.halfway_ms if step.halfway_ms is None else step.halfway_ms
    if step.count_seconds:  # "two, three..." on each second replaces the halfway and the countdown
        usable = 0
        _count_seconds(t, start, duration, start + TONE_MS, place)
    elif halfway and duration >= halfway:
        t.speak_at(start + duration // 2, t.book.say("halfway"), "halfway", optional=True)
    end = start + duration
    if ahead:
        speak = end - usable * 1000 - GAP_MS - t.duration_of(ahead)
        if speak < start + TONE_MS + GAP_MS:
            raise t.refuse(
                f'the {_seconds(duration)} hold is too short to announce "{_short(ahead)}" before the '
                "change. Make it longer, shorten the next step's say, or lower its countdown",
                f"{place}.hold",
            )
        t.speak_at(speak, ahead, "instruction")
    t.countdown(end, usable)
    t.cursor = end
    t.last_hold = (start, end, usable)


def _count_seconds(t: _Timeline, start: int, length: int, busy_until: int, place: str) -> None:
    """Each whole second after the first spoken as its number, where the cue before has ended."""
    for second in range(2, length // 1000 + 1):
        at = start + (second - 1) * 1000
        if at >= busy_until + GAP_MS:
            t.speak_at(at, t.book.words("count_second", n=second), "count", place=place)


def _reps(t: _Timeline, step: Reps, count: int, side: str | None, other: str | None, place: str) -> None:
    start = t.cursor
    counting = _counting(t, step, count, side, other)
    for rep in range(count):
        at = start + rep * step.rep_ms
        if counting == "tones":
            t.tone_at(at, TICK, place=f"{place}.tempo[0].for")
        elif counting == "numbers":
            fix = "make the rep longer, or count it with tones (count: tones)"
            t.speak_at(at, t.book.say("rep_number", n=rep + 1), "rep", fix=fix, place=f"{place}.tempo[0].for")
        if counting != "words":
            continue
        for phase_index, phase in enumerate(step.tempo):
            text = _phase_text(t, step, phase_index, rep, count, side, other)
            where = f"{place}.tempo[{phase_index}].for"
            fix = "make this phase longer, or shorten its say"
            t.speak_at(at, text, "rep" if phase_index == 0 else "phase", fix=fix, place=where)
            if phase.count_seconds:
                _count_seconds(t, at, phase.duration_ms, at + t.duration_of(text), where)
            at += phase.duration_ms
    t.cursor = start + count * step.rep_ms


def _phase_text(
    t: _Timeline, step: Reps, phase_index: int, rep: int, count: int, side: str | None, other: str | None
) -> str:
    cue = fill(step.tempo[phase_index].say, side, other)
    if phase_index:
        return t.book.say("phase", cue=cue)
    label = t.book.words("last_one") if rep + 1 == count and count > 1 else rep + 1
    return t.book.say("rep", count=label, cue=cue)  # the phrasebook capitalizes where its language does


def _counting(t: _Timeline, step: Reps, count: int, side: str | None, other: str | None) -> str:
    """How reps are counted: as asked, or (auto) words if every cue fits its phase, else numbers
    if a rep's number fits the rep, else short tones."""
    if step.counting != "auto":
        return step.counting
    fits = all(
        t.duration_of(_phase_text(t, step, i, rep, count, side, other)) <= phase.duration_ms
        for rep in range(count)
        for i, phase in enumerate(step.tempo)
    )
    if fits:
        return "words"
    numbers = all(t.duration_of(t.book.say("rep_number", n=n)) <= step.rep_ms for n in range(1, count + 1))
    chosen = "numbers" if numbers else "tones"
    t.warnings.append(
        f"{t.routine.line_of(t.place)}: {t.place}: reps counted with {chosen}: their spoken cues do not fit "
        f"a {_seconds(step.rep_ms)} rep (set count: words to insist, or count: {chosen} to say so)"
    )
    return chosen


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- the overlap check ---------------------------------------------------------------------


def _check_overlaps(t: _Timeline, cues: list[_Cue]) -> tuple[list[Event], list[str]]:
    """Every event must end before the next begins. Drop optional cues that don't fit."""
    kept: list[_Cue] = []
    warnings: list[str] = []
    for cue in sorted(cues, key=lambda c: (c.event.start_ms, c.event.end_ms)):
        if kept and kept[-1].event.end_ms > cue.event.start_ms:
            previous = kept[-1]
            loser = cue if cue.optional else previous if previous.optional else None
            if loser is None:
                raise _overlap_error(t, previous, cue)
            warnings.append(
                f'{t.routine.line_of(loser.place)}: {loser.place}: dropped the "{loser.event.text}" cue at '
                f"{loser.event.start_ms / 1000:.1f} s: it would talk over another cue"
            )
            if loser is previous:
                kept.pop()
            else:
                continue
        if cue.event.start_ms < 0:
            raise t.refuse(f'the cue "{cue.event.text}" would start before the track', cue.place)
        kept.append(cue)
    return [c.event for c in kept], warnings


def _overlap_error(t: _Timeline, first: _Cue, second: _Cue) -> TimingError:
    a, b = first.event, second.event
    name = a.text if a.kind == SPEECH else f"{a.text} tone"
    other = b.text if b.kind == SPEECH else f"{b.text} tone"
    fix = first.fix or "make that hold, rest or pause longer, shorten the text, or lower the countdown"
    return t.refuse(
        f'the cue "{name}" lasts {a.duration_ms / 1000:.1f} s but only '
        f'{(b.start_ms - a.start_ms) / 1000:.1f} s are free before "{other}". {_capital(fix)}',
        first.place,
    )
