"""Between parts: the introduction of the first exercise, the rests before exercises and
between rounds, side switches, and running straight on with no rest."""

from __future__ import annotations

import math
import re
from dataclasses import replace

from audioguide.compiler.timeline import (
    BRIEF,
    CHANGE,
    DROP_ORDER,
    GAP_MS,
    LEAD_MS,
    NICE_TO_HEAR,
    REPEAT,
    TALK_SHARE,
    TONE_MS,
    Item,
    Slot,
    Timeline,
    as_seconds,
    capitalized,
    shortened,
)
from audioguide.routine import (
    Circuit,
    Exercise,
    Hold,
    Routine,
    Say,
    fill,
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
        items.append(Item(fill(exercise.setup, side, other), "setup"))
    sets = exercise.sets.at(level)
    if sets > 1:
        rounds = book.words("rounds_count", n=sets)
        if len(set(exercise.rests)) > 1 or not exercise.rest_ms:  # no one rest to name
            items.append(Item(book.say("rounds_plain", rounds=rounds), "rounds"))
        else:
            rest = book.duration(exercise.rest_ms)
            items.append(Item(book.say("rounds", rounds=rounds, rest=rest), "rounds"))
    return items


def _lead(
    t: Timeline, exercise: Exercise, level: str, side: str | None, other: str | None, round_index: int = 0
) -> list[Item]:
    """Said last before a round starts: its round number and first instruction."""
    sets = exercise.sets.at(level)
    items = [Item(t.book.say("round", n=round_index + 1, total=sets), "")] if sets > 1 else []
    first = exercise.steps[0]
    if not isinstance(first, Say):
        items.append(Item(fill(first.say, side, other), ""))
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
    fix = f"make {setting} longer, or lower the countdown"
    _window(
        t,
        t.cursor,
        t.cursor + exercise.cues.get_ready_ms,
        [Item(book.say("get_ready"), "")],
        [],
        _countdown_into(exercise),
        f"the {as_seconds(exercise.cues.get_ready_ms)} get-ready pause ({setting})",
        fix,
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
    head = [Item(t.book.say("rest", duration=t.book.duration(rest_ms)), "rest", "rest")] if rest_ms else []
    head += _circuit_items(t, slot)
    head.append(Item(t.book.say("next", name=upcoming.name), ""))
    side, other = _sides(upcoming)
    places = (key, before)
    name = f"the {as_seconds(rest_ms)} rest before {upcoming.name}"
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


def _run_on(t: Timeline, items: list[Item], name: str, fix: str, places: tuple[str, ...]) -> None:
    """No rest: what comes next is said over the end of the hold before, and a change tone
    replaces its end tone; the next work starts on it."""
    if t.last_hold is None or t.last_hold[1] != t.work_end or t.cues[-1].event.text != "end":
        raise t.refuse(
            f"{name} needs a hold before it, to announce what comes next over it. {capitalized(fix)}", *places
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
                f'("{shortened(item.text)}"): with no rest, it does not fit over the end of the hold before'
            )
    at = latest - t.talk_ms(kept) + GAP_MS
    if at < start + TONE_MS + GAP_MS:
        spoken = " ".join(f'"{shortened(i.text)}"' for i in kept)
        raise t.refuse(
            f"{name}: the hold before it is too short to announce {spoken} over its end. {capitalized(fix)}",
            *places,
        )
    for item in kept:
        at = t.speak_at(at, item.text, item.role) + GAP_MS
    t.cursor = end
    t.changed = True


def _window(
    t: Timeline,
    start: int,
    end: int,
    head: list[Item],
    tail: list[Item],
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
                    f'("{shortened(item.text)}"): it does not fit {name}'
                )
    if t.talk_ms(kept) > room:
        need = math.ceil((t.talk_ms(kept) + countdown_ms + start - end) / 100) / 10
        spoken = " ".join(f'"{shortened(i.text)}"' for i in kept)
        raise t.refuse(
            f"{name} is {need:.1f} s too short for {spoken} and its countdown. {capitalized(fix)}", *places
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


def switch_sides(
    t: Timeline, exercise: Exercise, level: str, side: str, other: str | None, round_index: int = 0
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


def _switch_items(t: Timeline, exercise: Exercise, side: str | None, other: str | None) -> list[Item]:
    items = [Item(fill(exercise.switch, side, other) or t.book.say("switch", side=side), "")]
    return items + [Item(fill(s, side, other), "") for s in _side_sentences(exercise.setup)]


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
    rest_ms = exercise.rest_before(round_index)
    head = [Item(t.book.say("rest", duration=t.book.duration(rest_ms)), "rest", "rest")] if rest_ms else []
    if switch:
        head += _switch_items(t, exercise, side, other)
    tail = [Item(t.book.say("round", n=round_index + 1, total=sets), "round")]
    first = exercise.steps[0]
    if not isinstance(first, Say):
        tail.append(Item(fill(first.say, side, other), REPEAT))
    name = f"the {as_seconds(rest_ms)} rest between rounds"
    fix = "make rest longer, or lower the countdown"
    places = (f"{t.place}.rest", t.place)
    if not rest_ms:
        _run_on(t, head + tail, name, fix, places)
        return
    end = t.work_end + rest_ms
    _window(t, t.cursor, end, head, tail, _countdown_into(exercise), name, fix, places, half=True)
