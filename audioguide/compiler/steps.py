"""An exercise: its sides and rounds, and each step (holds, reps, spoken steps) laid out."""

from __future__ import annotations

from audioguide.compiler.counting import (
    count_reps,
    count_seconds,
)
from audioguide.compiler.timeline import (
    CHANGE,
    GAP_MS,
    LEAD_MS,
    TONE_MS,
    Timeline,
    as_seconds,
    shortened,
)
from audioguide.compiler.transitions import (
    rest_between_rounds,
    switch_sides,
)
from audioguide.routine import (
    Exercise,
    Hold,
    Say,
    Step,
    fill,
)

# --- an exercise ---------------------------------------------------------------------------


def lay_out_exercise(t: Timeline, exercise: Exercise, level: str) -> None:
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
                switch_sides(t, exercise, level, side, other, round_index)  # type: ignore[arg-type]
            else:
                rest_between_rounds(t, exercise, round_index, sets, side, other)
        elif number:
            rest_between_rounds(t, exercise, round_index, sets, side, other, switch=True)
        last_side = side_index
        _round(t, exercise, level, side, other, round_index)


def _round(
    t: Timeline, exercise: Exercise, level: str, side: str | None, other: str | None, round_index: int
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
    t: Timeline,
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
        count_reps(t, step, step.reps(level, round_index), side, other, place)
    t.work_end = t.cursor
    t.tone_at(t.work_end, "end")
    t.cursor = t.work_end + TONE_MS + GAP_MS
    return False


def _hold(t: Timeline, step: Hold, exercise: Exercise, ahead: str, place: str, duration: int) -> None:
    """A hold of exactly its length; `ahead` is the next chained position, announced over it."""
    start = t.cursor
    countdown = exercise.cues.countdown if step.countdown is None else step.countdown
    usable = len([k for k in range(countdown, 0, -1) if k * 1000 < duration])
    halfway = exercise.cues.halfway_ms if step.halfway_ms is None else step.halfway_ms
    if step.count_seconds:  # "two, three..." on each second replaces the halfway and the countdown
        usable = 0
        count_seconds(t, start, duration, start + TONE_MS, place)
    elif halfway and duration >= halfway:
        t.speak_at(start + duration // 2, t.book.say("halfway"), "halfway", optional=True)
    end = start + duration
    if ahead:
        speak = end - usable * 1000 - GAP_MS - t.duration_of(ahead)
        if speak < start + TONE_MS + GAP_MS:
            raise t.refuse(
                f'the {as_seconds(duration)} hold is too short to announce "{shortened(ahead)}" before the '
                "change. Make it longer, shorten the next step's say, or lower its countdown",
                f"{place}.hold",
            )
        t.speak_at(speak, ahead, "instruction")
    t.countdown(end, usable)
    t.cursor = end
    t.last_hold = (start, end, usable)
