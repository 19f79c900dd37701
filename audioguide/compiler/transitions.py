"""Between parts: the introduction of the first exercise, the rests before exercises and
between rounds, side switches, and running straight on with no rest."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from audioguide.compiler.timeline import (
    BRIEF,
    CHANGE,
    DROP_ORDER,
    FIRST,
    GAP_MS,
    LAST_RESORT,
    LEAD_MS,
    NEXT,
    NICE_TO_HEAR,
    REPEAT,
    TALK_SHARE,
    TONE_MS,
    Item,
    Slot,
    Timeline,
    as_seconds,
    closing_countdown,
    shortened,
)
from audioguide.routine import (
    Circuit,
    Exercise,
    Hold,
    Routine,
    Say,
)

# --- what is said before an exercise ---------------------------------------------------------


def _announcements(t: Timeline, exercise: Exercise, level: str) -> list[Item]:
    """What to know before an exercise, in the order it is said; the name comes first."""
    book = t.book
    sides = exercise.sides or (None,)
    side, other = sides[0], sides[1 % len(sides)] if exercise.sides else None
    items = [Item(exercise.purpose, "purpose")] if exercise.purpose else []
    if exercise.equipment:
        items.append(Item(book.say("equipment", items=book.join(exercise.equipment)), "equipment"))
    if exercise.setup:
        items.append(Item(t.fill(exercise.setup, side, other), "setup"))
    sets = exercise.sets.at(level)
    if sets > 1:
        rounds = book.words("rounds_count", n=sets)
        rests = exercise.rests.at(level)[: sets - 1] if exercise.rests else (exercise.rest_ms,)
        if len(set(rests)) > 1 or not rests[0]:  # no one rest to name
            items.append(Item(book.say("rounds_plain", rounds=rounds), "rounds"))
        else:
            rest = book.duration(rests[0])
            items.append(Item(book.say("rounds", rounds=rounds, rest=rest), "rounds"))
    return items


def _lead(
    t: Timeline, exercise: Exercise, level: str, side: str | None, other: str | None, round_index: int = 0
) -> list[Item]:
    """Said last before a round starts: its round number and first instruction."""
    sets = exercise.sets.at(level)
    items = [Item(t.phrase("round", n=round_index + 1, total=sets), "round number")] if sets > 1 else []
    first = exercise.steps[0]
    if not isinstance(first, Say):
        items.append(Item(t.said(first, side, other), FIRST))
    return items


def _countdown_into(exercise: Exercise) -> int:
    """The countdown into an exercise's first step (`countdown_in`): none before a spoken step."""
    first = exercise.steps[0]
    if isinstance(first, Say):
        return 0
    if first.countdown_in is not None:
        return first.countdown_in
    cues = exercise.cues
    return cues.countdown if cues.countdown_in is None else cues.countdown_in


def _timed_start(t: Timeline, exercise: Exercise) -> tuple[int, int] | None:
    """The length and closing countdown of an exercise's first step if it is a quiet timed hold,
    whose first seconds can take its instruction, just after its start tone."""
    first = exercise.steps[0]
    if not isinstance(first, Hold) or first.count_seconds or first.then_continue:
        return None
    length = first.length(t.level, t.set_offset + t.round_index)
    countdown = exercise.cues.countdown if first.countdown is None else first.countdown
    return length, closing_countdown(countdown, length)


def _sides(exercise: Exercise) -> tuple[str | None, str | None]:
    if not exercise.sides:
        return None, None
    return exercise.sides[0], exercise.sides[1]


def _circuit_items(t: Timeline, slot: Slot) -> list[Item]:
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
        return [Item(what, "rounds")]
    return [Item(t.book.say("round", n=slot.round, total=rounds), "round")]


def first_exercise(t: Timeline, exercise: Exercise, level: str, slot: Slot, count: int) -> None:
    """The first exercise is announced in full, then its get-ready pause counts into the start."""
    book = t.book
    t.say(*(item.text for item in _circuit_items(t, slot)))
    t.say(book.say("exercise", n=slot.index + 1, total=count, name=exercise.name))
    side, other = _sides(exercise)
    for item in _announcements(t, exercise, level) + _lead(t, exercise, level, side, other):
        t.say(item.text)
    setting = "cues.get_ready"
    _window(
        t,
        t.cursor,
        t.cursor + exercise.cues.get_ready_ms,
        [Item(book.say("get_ready"), "get ready")],
        [],
        _countdown_into(exercise),
        f"the {as_seconds(exercise.cues.get_ready_ms)} get-ready pause ({setting})",
        (f"{t.place}.{setting}", setting, t.place),
        half=False,
    )


def rest_into(t: Timeline, previous: Slot, slot: Slot) -> None:
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
    head = [Item(t.phrase("rest", duration=t.book.duration(rest_ms)), "rest", "rest")] if rest_ms else []
    head += _circuit_items(t, slot)
    head.append(Item(t.book.say("next", name=upcoming.name), NEXT))
    side, other = _sides(upcoming)
    places = (key, before)
    name = f"the {as_seconds(rest_ms)} rest before {upcoming.name}"
    items = [] if again else _announcements(t, upcoming, t.level)
    lead = _lead(t, upcoming, t.level, side, other)
    if not rest_ms:
        _run_on(t, head + items + lead, name, places)
        return
    end = t.work_end + rest_ms
    work = _timed_start(t, upcoming)
    _window(t, t.cursor, end, head + items, lead, _countdown_into(upcoming), name, places, False, work)


def _circuit_place(routine: Routine, circuit: Circuit) -> str:
    return routine.place_of(circuit.first).rsplit(".exercises[", 1)[0]


def _run_on(t: Timeline, items: list[Item], name: str, places: tuple[str, ...]) -> None:
    """No rest: what comes next is said over the end of the hold before, and a change tone
    replaces its end tone; the next work starts on it. Its actions are said as such ("On the
    tone: switch to your left side."): nobody should move before the tone."""
    span = t.ended_on_hold()
    if span is None:
        t.refuse(
            f"{name} needs a hold before it, to announce what comes next over it: give it a rest, or end "
            "the exercise before it on a hold",
            *places,
        )
        return
    if span.toned:
        t.cues.pop()  # the end tone: the work runs on
    t.tone_at(span.end, CHANGE)
    kept = _ahead_of_tone(t, items)
    room = span.latest - span.busy_until - GAP_MS
    for what in DROP_ORDER + LAST_RESORT:
        if t.talk_ms(kept) <= room:
            break
        for item in [i for i in kept if i.what == what]:
            kept.remove(item)
            if what != REPEAT:
                t.warn(
                    f'dropped the {item.what} ("{shortened(item.text)}"): with no rest, it does not fit '
                    "over the end of the hold before",
                    *places,
                )
    t.before_countdown(span, kept)
    t.cursor = span.end
    t.changed = True


ACTIONS = ("switch", FIRST, REPEAT)  # what a listener does on hearing it


def _ahead_of_tone(t: Timeline, items: list[Item]) -> list[Item]:
    """The actions among `items` as one phrase in the form said ahead of a tone, where the first was."""
    actions = [item for item in items if item.what in ACTIONS]
    if not actions:
        return items
    ahead = Item(t.phrase("ahead", cue=" ".join(item.text for item in actions)), actions[0].what)
    return [ahead if item is actions[0] else item for item in items if item not in actions[1:]]


def _window(
    t: Timeline,
    start: int,
    end: int,
    head: list[Item],
    tail: list[Item],
    countdown: int,
    name: str,
    places: tuple[str, ...],
    half: bool,
    work: tuple[int, int] | None = None,
) -> None:
    """Fill [start, end) exactly: head from the start, tail then countdown ending at `end`.

    The window's length is the user's; what is said fits around it (docs/how-it-sounds.md):
    what is nice to hear is dropped first; what is required is then moved where there is room
    (the next exercise's name over the end of the hold before, the first instruction just after
    the start tone of a timed hold), the countdown gets shorter, and only then is required talk
    dropped. Each such change is a warning. A rest between rounds (`half`) is at most half talk.
    """
    if half:  # a rest between rounds is exact whatever it holds: a short one counts down less
        countdown = max(0, min(countdown, (end - start - LEAD_MS) // 1000))
    kept = head + tail
    needed = [item for item in kept if item.what not in NICE_TO_HEAR]
    budget = max(int((end - t.work_end) * TALK_SHARE), t.talk_ms(needed)) if half else end - start

    def roomy() -> bool:
        return t.talk_ms(kept) <= end - start - (countdown * 1000 if countdown else LEAD_MS - GAP_MS)

    def fits() -> bool:
        return roomy() and t.talk_ms(kept) <= budget

    said = f"it does not fit {name}"
    _drop(t, kept, DROP_ORDER[: DROP_ORDER.index(BRIEF) + 1], fits, places, said)
    if not fits():
        _over_hold_before(t, kept, places, said)
    first = next((item for item in kept if item.what == FIRST), None)
    if not fits() and work and first and _after_start_tone(t, first, end, work):
        kept.remove(first)
        t.warn(f'"{shortened(first.text)}" is said just after the start tone: {said}', *places)
    written = countdown
    while not roomy() and countdown > 1:  # "one" alone still marks the start
        countdown -= 1
    _drop(t, kept, DROP_ORDER[DROP_ORDER.index(BRIEF) + 1 :], fits, places, said)
    while not roomy() and countdown:
        countdown -= 1
    if countdown < written:
        t.warn(f"counts down from {countdown} rather than {written}: {said}", *places)
    _drop(t, kept, LAST_RESORT, fits, places, said)
    countdown_ms = countdown * 1000 if countdown else LEAD_MS - GAP_MS
    at = start
    for item in [item for item in head if item in kept]:
        at = t.speak_at(at, item.text, item.role) + GAP_MS
    tail_kept = [item for item in kept if item not in head]
    at = end - countdown_ms - t.talk_ms(tail_kept)
    for item in tail_kept:
        at = t.speak_at(at, item.text, item.role) + GAP_MS
    t.countdown(end, countdown)
    t.cursor = end


def _over_hold_before(t: Timeline, kept: list[Item], places: tuple[str, ...], said: str) -> None:
    """Say what comes next over the quiet end of the hold that ended the last part: its name with
    its equipment and setup if they fit there, else its name alone."""
    span = t.ended_on_hold()
    if span is None:
        return
    announced = [item for item in kept if item.what in (NEXT, "equipment", "setup")]
    for moving in (announced, announced[:1]):
        if moving and moving[0].what == NEXT and t.before_countdown(span, moving):
            for item in moving:
                kept.remove(item)
            shown = " ".join(f'"{shortened(item.text)}"' for item in moving)
            t.warn(
                f"{shown} {'is' if len(moving) == 1 else 'are'} said over the end of the hold before: {said}",
                *places,
            )
            return


def _drop(
    t: Timeline,
    kept: list[Item],
    order: tuple[str, ...],
    fits: Callable[[], bool],
    places: tuple[str, ...],
    said: str,
) -> None:
    """Drop items from `kept`, by kind in `order`, until they fit; each drop but a repeat is a warning."""
    for what in order:
        if fits():
            return
        for item in [i for i in kept if i.what == what]:
            if what == "rest":  # say less before saying nothing: still true, and still a rest
                kept[kept.index(item)] = replace(item, text=t.phrase("rest_short"), what=BRIEF)
                continue
            kept.remove(item)
            if what != REPEAT:
                t.warn(f'dropped the {item.what} ("{shortened(item.text)}"): {said}', *places)


def _after_start_tone(t: Timeline, item: Item, start: int, work: tuple[int, int]) -> bool:
    """Say `item` just after the start tone at `start`, if the timed hold it starts has room."""
    length, countdown = work
    at = start + TONE_MS + GAP_MS
    if at + t.duration_of(item.text) + GAP_MS > start + length - countdown * 1000:
        return False
    t.speak_at(at, item.text, item.role)
    return True


def switch_sides(
    t: Timeline, exercise: Exercise, level: str, side: str, other: str | None, round_index: int = 0
) -> None:
    """Only what changes for the new side, then quiet time to move, then the countdown."""
    lead = _lead(t, exercise, level, side, other, round_index)
    if exercise.alternate:  # the round was named before its first side: once a round
        lead = [item for item in lead if item.what != "round number"]
    if not exercise.cues.switch_pause_ms:  # no pause: the switch is announced over the work before
        name = "the switch of sides with no pause (cues.switch_pause: 0)"
        _run_on(
            t, _switch_items(t, exercise, side, other) + lead, name, (f"{t.place}.cues.switch_pause", t.place)
        )
        return
    t.say(*(item.text for item in _switch_items(t, exercise, side, other)))
    t.cursor += exercise.cues.switch_pause_ms - GAP_MS
    first = exercise.steps[0]
    if not isinstance(first, Say) and not _has_side(first.say):
        lead = lead[:-1]  # the instruction does not change with the side: not said again
    t.say(*(item.text for item in lead))
    countdown = _countdown_into(exercise)
    t.countdown(t.cursor + countdown * 1000, countdown)
    t.cursor += countdown * 1000 if countdown else LEAD_MS - GAP_MS


def _switch_items(t: Timeline, exercise: Exercise, side: str | None, other: str | None) -> list[Item]:
    items = [Item(t.fill(exercise.switch, side, other) or t.phrase("switch", side=side), "switch")]
    return items + [Item(t.fill(s, side, other), "switch") for s in _side_sentences(exercise.setup)]


def _has_side(text: str) -> bool:
    return "{side}" in text or "{other}" in text


def _side_sentences(setup: str) -> list[str]:
    """The side-specific part of a setup: its sentences that name {side} or {other}."""
    return [s for s in re.split(r"(?<=[.!?])\s+", setup) if _has_side(s)]


def rest_between_rounds(
    t: Timeline,
    exercise: Exercise,
    round_index: int,
    sets: int,
    side: str | None,
    other: str | None,
    switch: bool = False,
) -> None:
    """Exactly the rest's length from the last end tone to the next round's start."""
    rest_ms = exercise.rest_before(round_index, t.level)
    head = [Item(t.phrase("rest", duration=t.book.duration(rest_ms)), "rest", "rest")] if rest_ms else []
    if switch:
        head += _switch_items(t, exercise, side, other)
    tail = [Item(t.phrase("round", n=round_index + 1, total=sets), "round")]
    first = exercise.steps[0]
    if not isinstance(first, Say):
        said = t.said(first, side, other)
        new = said != t.fill(first.say, side, other) or "{round" in first.say  # not a repeat: kept
        tail.append(Item(said, FIRST if new else REPEAT))
    name = f"the {as_seconds(rest_ms)} rest between rounds"
    places = (f"{t.place}.rest", t.place)
    if not rest_ms:
        _run_on(t, head + tail, name, places)
        return
    end = t.work_end + rest_ms
    _window(t, t.cursor, end, head, tail, _countdown_into(exercise), name, places, half=True)
