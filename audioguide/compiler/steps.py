"""An exercise: its sides and rounds, and each step (holds, reps, spoken steps) laid out."""

from __future__ import annotations

from audioguide.compiler.counting import (
    count_reps,
    count_seconds,
)
from audioguide.compiler.timeline import (
    CHANGE,
    FIRST,
    GAP_MS,
    LEAD_MS,
    TONE_MS,
    HoldSpan,
    Item,
    Timeline,
    as_seconds,
    closing_countdown,
    shortened,
)
from audioguide.compiler.transitions import (
    rest_between_rounds,
    switch_sides,
)
from audioguide.routine import (
    Exercise,
    Hold,
    Reps,
    Say,
    Step,
)

# --- an exercise ---------------------------------------------------------------------------


def lay_out_exercise(t: Timeline, exercise: Exercise, level: str) -> None:
    """Every side, every round; the cursor starts at the first start tone."""
    sets = exercise.sets.at(level)
    _check_lists(t, exercise, level)
    sides = exercise.sides or (None,)
    if exercise.alternate:  # each set on every side in turn
        order = [(r, s) for r in range(sets) for s in range(len(sides))]
    else:  # every set on one side, then on the next
        order = [(r, s) for s in range(len(sides)) for r in range(sets)]
    last_side = 0
    for number, (round_index, side_index) in enumerate(order):
        t.round_index = round_index
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
            t.say(t.said(step, side, other))
            if step.countdown_in:  # "three, two, one" into it, its own
                t.countdown(t.cursor + step.countdown_in * 1000, step.countdown_in)
                t.cursor += step.countdown_in * 1000
            else:
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
        t.say(t.said(step, side, other))
        t.cursor += step.pause_ms
        t.work_end = t.cursor
        return False
    if isinstance(step, Hold):
        if not changed:
            t.tone_at(t.cursor, "start")
        ahead = t.said(following, side, other) if step.then_continue and following else ""
        _hold(t, step, exercise, ahead, place, step.length(level, t.set_offset + round_index))
        if step.until_ready:
            t.waits.append(t.cursor)
        if step.then_continue:
            t.work_end = t.cursor
            t.tone_at(t.cursor, CHANGE)
            return True
    else:  # the first rep's number starts it: no start tone
        counted_in = t.counted_to == t.cursor and step.tempo[0].count_seconds
        reps = step.reps(level, t.set_offset + round_index)
        count_reps(t, step.at_level(level), reps, side, other, place, counted_in)
    t.work_end = t.cursor
    if step.end_tone:
        t.tone_at(t.work_end, "end")
    t.cursor = t.work_end + TONE_MS + GAP_MS
    return False


def _hold(t: Timeline, step: Hold, exercise: Exercise, ahead: str, place: str, duration: int) -> None:
    """A hold of exactly its length; `ahead` is the next chained position, announced over it."""
    start = t.cursor
    countdown = exercise.cues.countdown if step.countdown is None else step.countdown
    usable = closing_countdown(countdown, duration)
    halfway = exercise.cues.halfway_ms if step.halfway_ms is None else step.halfway_ms
    busy_until = start + TONE_MS
    if step.count_seconds:  # "two, three..." on each second replaces the halfway and the countdown
        usable = 0
        count_seconds(t, start, duration, place)
        busy_until = start + duration
    elif halfway and duration >= halfway:
        t.speak_at(start + duration // 2, t.phrase("halfway"), "halfway", optional=True)
    end = start + duration
    t.last_hold = HoldSpan(start, end, usable, busy_until, step.end_tone)
    if ahead:
        _announce_next_position(t, t.last_hold, ahead, place)
    t.countdown(end, usable)
    t.cursor = end


def _announce_next_position(t: Timeline, span: HoldSpan, ahead: str, place: str) -> None:
    """The next position in a chain, never heard as an action before its change tone: said ahead
    as "On the tone: sit up." before the countdown, or, where the hold has no room, just after
    the change tone, over the start of the next position."""
    if t.before_countdown(span, [Item(t.phrase("ahead", cue=ahead), FIRST)]):
        return
    t.speak_at(span.end + TONE_MS + GAP_MS, ahead, "instruction", optional=True)
    t.warn(
        f'"{shortened(ahead)}" is said just after the change tone: the {as_seconds(span.end - span.start)} '
        "hold has no room to announce it before",
        f"{place}.hold",
    )


def _check_lists(t: Timeline, exercise: Exercise, level: str) -> None:
    """A value per set that is never reached is a mistake worth a word: [6, 4, 2] over two sets."""
    done = exercise.sets.at(level) * t.rounds
    for index, step in enumerate(exercise.steps):
        values = step.per_set.at(level) if isinstance(step, (Hold, Reps)) and step.per_set else ()
        if len(values) > done:
            key = "hold" if isinstance(step, Hold) else "reps"
            unused = len(values) - done
            t.warn(
                f"lists {len(values)} values, one per set, but {done} set{'s are' if done > 1 else ' is'} "
                f"done: the last {f'{unused} values are' if unused > 1 else 'value is'} never used",
                f"{t.place}.steps[{index}].{key}",
                t.place,
            )
