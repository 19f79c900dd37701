"""Routine -> cue script. Pure: no I/O, no clock, no audio; the same input gives the same script.

Clip lengths are only known after synthesis, so `compile_routine` takes a phrase -> duration
function: real durations from the speech layer for a build, an estimate for a dry run.

The rules, written for a listener (docs/how-it-sounds.md says them in full):
- everything said about time is true: a hold of D lasts D from its start tone to its end
  tone; a rest of R lasts R from the end tone to the next start tone, whatever it holds
  (plus, given an MP3 frame grid, less than one frame: see grid.py);
- what comes next is said during the rest before it (name, equipment once, setup), the
  first instruction and the countdown close the rest; the routine's numbers are never
  changed to fit the talk: what cannot fit is dropped or moved in a fixed order, each time
  with a warning (transitions.py); only a layout that cannot exist is refused, every such
  place in one run;
- a side switch says only what changes, then leaves quiet time to move;
- no action is heard before its tone: a chained position (`then: continue`) or a switch
  with no pause is said as what happens on the tone, and a change tone marks it;
- every number of a count is said, on its second (counting.py);
- "halfway" at most once per hold, only in long holds; every round is named on every side;
- no cue overlaps another.
"""

from __future__ import annotations

from dataclasses import replace

from audioguide import grid
from audioguide.compiler.steps import lay_out_exercise
from audioguide.compiler.timeline import (
    GAP_MS,
    MINUTES_PASSES,
    TAIL_MS,
    TONE_MS,
    DurationOf,
    Slot,
    Timeline,
    check_overlaps,
    estimate_ms,
    slots_of,
)
from audioguide.compiler.transitions import first_exercise, rest_into
from audioguide.cues import LENGTH_ROLE, Chapter, CueScript
from audioguide.errors import TimingError
from audioguide.phrases import Phrasebook, phrasebook
from audioguide.phrases.template import Template
from audioguide.routine import DEFAULT_LEVEL, MAX_TRACK_MS, Routine

__all__ = ["GAP_MS", "TONE_MS", "DurationOf", "compile_routine", "estimate_ms", "routine_phrasebook"]


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
    return _own_words(phrasebook(lang or routine.language), routine.phrases)


def _own_words(book: Phrasebook, phrases: tuple[tuple[str, Template], ...]) -> Phrasebook:
    """The phrasebook with a routine's or an exercise's own words for some of its keys."""
    return replace(book, entries={**book.entries, **dict(phrases)}) if phrases else book


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
    t = Timeline(routine, level, duration_of, book)
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
    previous: Slot | None = None
    own = frozenset(key for key, _ in routine.phrases)
    for slot in slots_of(routine, level):
        exercise = routine.exercises[slot.index]
        t.place = routine.place_of(slot.index)
        # A chapter title is read, not heard: its round number stays a digit.
        later = book.words("round_chapter", name=exercise.name, n=str(slot.round))
        title = exercise.name if slot.round <= 1 else later
        t.chapter(title, t.cursor)
        # Its own words, its sets and where they are counted from, from the rest before it on.
        phrases = (slot.circuit.phrases if slot.circuit else ()) + exercise.phrases  # the nearest wins
        t.book = _own_words(book, phrases)
        t.own_phrases = own | {key for key, _ in phrases}
        t.sets, t.round_index = exercise.sets.at(level), 0
        t.set_offset = max(0, slot.round - 1) * t.sets
        t.rounds = slot.circuit.rounds.at(level) if slot.circuit else 1
        if previous is None:
            first_exercise(t, exercise, level, slot, count)
        else:
            rest_into(t, previous, slot)
        lay_out_exercise(t, exercise, level)
        previous = slot
    t.book = book
    t.chapter(book.words("finish"), t.cursor)
    t.place = "outro"
    t.say(routine.outro or book.say("outro"))
    events, warnings = check_overlaps(t, t.cues)
    if t.problems:  # every place that cannot be laid out, each named once
        raise TimingError("\n".join(dict.fromkeys(t.problems)))
    duration = max(t.cursor, events[-1].end_ms if events else 0) + TAIL_MS
    events, stretches = grid.stretch(events, frames)
    duration = grid.moved(duration, stretches)
    t.chapters = [(title, grid.moved(start, stretches)) for title, start in t.chapters]
    starts = [start for _, start in t.chapters] + [duration]
    chapters = tuple(Chapter(title, start, starts[i + 1]) for i, (title, start) in enumerate(t.chapters))
    placed = tuple(replace(e, chapter=_chapter_of(e.start_ms, starts)) for e in events)
    said = tuple(dict.fromkeys(t.warnings + warnings))  # a warning per place, not per round
    waits = tuple(grid.moved(at, stretches) for at in t.waits)
    return CueScript(routine.title, level, placed, chapters, duration, said, waits)


def _chapter_of(ms: int, starts: list[int]) -> int:
    index = 0
    while index + 1 < len(starts) - 1 and starts[index + 1] <= ms:
        index += 1
    return index
