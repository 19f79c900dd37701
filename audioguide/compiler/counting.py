"""Counting: seconds spoken in holds and phases, reps by words, numbers or tones."""

from __future__ import annotations

from audioguide.compiler.timeline import (
    GAP_MS,
    TICK,
    Timeline,
    as_seconds,
)
from audioguide.routine import (
    Reps,
    fill,
)


def count_seconds(t: Timeline, start: int, length: int, busy_until: int, place: str) -> None:
    """Each whole second after the first spoken as its number, where the cue before has ended."""
    for second in range(2, length // 1000 + 1):
        at = start + (second - 1) * 1000
        if at >= busy_until + GAP_MS:
            t.speak_at(at, t.book.words("count_second", n=second), "count", place=place)


def count_reps(t: Timeline, step: Reps, count: int, side: str | None, other: str | None, place: str) -> None:
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
                count_seconds(t, at, phase.duration_ms, at + t.duration_of(text), where)
            at += phase.duration_ms
    t.cursor = start + count * step.rep_ms


def _phase_text(
    t: Timeline, step: Reps, phase_index: int, rep: int, count: int, side: str | None, other: str | None
) -> str:
    cue = fill(step.tempo[phase_index].say, side, other)
    if phase_index:
        return t.book.say("phase", cue=cue)
    label = t.book.words("last_one") if rep + 1 == count and count > 1 else rep + 1
    return t.book.say("rep", count=label, cue=cue)  # the phrasebook capitalizes where its language does


def _counting(t: Timeline, step: Reps, count: int, side: str | None, other: str | None) -> str:
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
        f"a {as_seconds(step.rep_ms)} rep (set count: words to insist, or count: {chosen} to say so)"
    )
    return chosen
