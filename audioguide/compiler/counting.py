"""Counting: seconds spoken in holds and phases, reps by words, numbers or tones."""

from __future__ import annotations

from audioguide.compiler.timeline import (
    TICK,
    TONE_MS,
    Timeline,
    as_seconds,
)
from audioguide.routine import Phase, Reps

COUNT_GAP_MS = 100  # a counted phase's cue runs into its count, in rhythm: "lower, two, three"
DROPPED = -1  # a rep number with no room in any phase


def count_seconds(t: Timeline, start: int, length: int, place: str) -> None:
    """Each whole second after the first spoken as its number, on that second: every one of them.
    A voice too slow to say a number within its second counts with a tick a second instead."""
    numbers = [t.book.words("count_second", n=n) for n in range(2, length // 1000 + 1)]
    if all(t.duration_of(word) <= 1000 for word in numbers):  # numbers may run into each other
        for second, word in enumerate(numbers, start=1):
            t.speak_at(start + second * 1000, word, "count", place=place)
        return
    for second in range(1, len(numbers) + 1):
        t.tone_at(start + second * 1000, TICK, place=place, role="count")
    slowest = max(numbers, key=t.duration_of)
    t.warn(
        f'its seconds are counted with a tick each: "{slowest}" does not fit in a second with this voice',
        place,
    )


def cue_room(phase: Phase) -> int:
    """How long a phase's cue may last: its first second if its seconds are counted, else the phase."""
    if phase.count_seconds and phase.duration_ms >= 2000:
        return 1000 - COUNT_GAP_MS
    return phase.duration_ms


def count_reps(
    t: Timeline, step: Reps, count: int, side: str | None, other: str | None, place: str, counted_in: bool
) -> None:
    """Reps from the cursor, counted in words, numbers or tones. `counted_in`: a countdown ends
    where the first rep starts, so its "one" is that rep's number.

    `count: tones` puts a tick where the rep's number would be, then the phase words;
    `count: none` says the phase words alone."""
    start = t.cursor
    cues = [t.fill(phase.say, side, other) for phase in step.tempo]
    unnumbered = step.counting in ("tones", "none")
    labels = [None if unnumbered else _label(t, rep, count) for rep in range(count)]
    counting, where = _counting(t, step, cues, labels, place)
    if counted_in and where == 0:  # "three, two, one" and the first rep's cue, with no "One." again
        labels[0] = None
    ticked = counting == "words" and step.counting == "tones"
    for rep, label in enumerate(labels):
        at = start + rep * step.rep_ms
        if counting == "tones" or ticked:
            t.tone_at(at, TICK, place=f"{place}.tempo[0].for")
        if counting == "numbers":
            t.speak_at(at, t.book.say("rep_number", n=rep + 1), "rep", place=f"{place}.tempo[0].for")
        elif counting == "words":
            if isinstance(label, str) and where != DROPPED and not _fits(t, step, cues, where, label):
                label = rep + 1  # "last one" is longer than a number: where it has no room, the number
            texts = _texts(t, cues, label, where)
            _rep_in_words(t, step, texts, at, place, TONE_MS if ticked else 0)
    t.cursor = start + count * step.rep_ms


def _rep_in_words(t: Timeline, step: Reps, texts: list[str], at: int, place: str, lead: int = 0) -> None:
    """Each phase's cue at its start (the first `lead` after it, past a tick); a counted
    phase's seconds each on its second."""
    for index, (phase, text) in enumerate(zip(step.tempo, texts, strict=True)):
        where = f"{place}.tempo[{index}].for"
        after = lead if index == 0 else 0
        if phase.count_seconds and t.duration_of(text) > cue_room(phase) - after:  # "one, two..."
            text = t.book.words("count_second", n=1)
        t.speak_at(at + after, text, "rep" if index == 0 else "phase", place=where)
        if phase.count_seconds:
            count_seconds(t, at, phase.duration_ms, where)
        at += phase.duration_ms


def _label(t: Timeline, rep: int, count: int) -> str | int:
    """What a rep is called: its number, or "last one" (a number where that has no room, or
    where the routine has its own rep phrase but not its own words for the last one: "Rep
    ten: lift.", never "Rep last one: lift.")."""
    own = t.own_phrases
    if ("rep" in own or "rep_after" in own) and "last_one" not in own:
        return rep + 1
    return t.book.words("last_one") if rep + 1 == count and count > 1 else rep + 1


def _labelled(t: Timeline, index: int, cue: str, label: str | int) -> str:
    key = "rep" if index == 0 else "rep_after"  # "Three. Up." / "Lower, two, three. Up, three."
    return t.phrase(key, count=label, cue=cue)


def _fits(t: Timeline, step: Reps, cues: list[str], index: int, label: str | int) -> bool:
    return t.duration_of(_labelled(t, index, cues[index], label)) <= cue_room(step.tempo[index])


def _texts(t: Timeline, cues: list[str], label: str | int | None, where: int) -> list[str]:
    """The phases' cues, the rep's number with the phase `where` (none if DROPPED)."""
    texts = [t.phrase("phase", cue=cue) for cue in cues]
    if label is not None and where != DROPPED:
        texts[where] = _labelled(t, where, cues[where], label)
    return texts


def _label_phase(t: Timeline, step: Reps, cues: list[str], labels: list[str | int | None]) -> int:
    """The phase whose cue carries every rep's number: the first; or, when the first counts its
    seconds and has no room, the first later phase with room that does not count (a number in a
    count would be heard as part of it); DROPPED if none has room."""
    numbers = [label for label in labels if isinstance(label, int)]
    for index, phase in enumerate(step.tempo):
        if index and phase.count_seconds:
            continue
        if all(_fits(t, step, cues, index, label) for label in numbers):
            return index
        if index == 0 and not phase.count_seconds:
            break  # an uncounted first phase keeps its number, or the reps are counted otherwise
    return DROPPED


def _counting(
    t: Timeline, step: Reps, cues: list[str], labels: list[str | int | None], place: str
) -> tuple[str, int]:
    """How reps are counted, and which phase says the rep's number: words if every cue fits its
    phase (a counted phase's in its first second), else numbers if a rep's number fits the rep,
    else short tones. `count:` asks for one; what cannot be said is never said late or cut
    short: another form is chosen, with a warning."""
    if step.counting == "numbers":
        return step.counting, DROPPED
    plain = [t.phrase("phase", cue=cue) for cue in cues]
    where = _label_phase(t, step, cues, labels)
    lead = TONE_MS if step.counting == "tones" else 0  # the first cue follows the rep's tick
    fits = all(  # a counted phase can always be said: its cue, or its numbers alone
        phase.count_seconds or t.duration_of(text) <= phase.duration_ms - (lead if index == 0 else 0)
        for index, (phase, text) in enumerate(zip(step.tempo, plain, strict=True))
    ) and (where != DROPPED or step.tempo[0].count_seconds or all(label is None for label in labels))
    if fits:
        _words_warnings(t, step, plain, labels if where == DROPPED else [], place, lead)
        return "words", where
    if step.counting == "tones":  # the ticks count, as asked; a rep this quick has no room for words
        return "tones", DROPPED
    if step.counting == "none":  # no numbers were wanted: ticks alone keep the reps
        t.warn(
            f"reps counted with tones: their spoken cues do not fit a {as_seconds(step.rep_ms)} rep",
            t.place,
        )
        return "tones", DROPPED
    count = len(labels)
    numbers = all(t.duration_of(t.book.say("rep_number", n=n)) <= step.rep_ms for n in range(1, count + 1))
    chosen = "numbers" if numbers else "tones"
    asked = f"count: {chosen} says so"
    if step.counting == "auto":
        asked = f"set count: words to insist, or {asked}"
    t.warn(
        f"reps counted with {chosen}: their spoken cues do not fit a {as_seconds(step.rep_ms)} rep ({asked})",
        t.place,
    )
    return chosen, DROPPED


def _words_warnings(
    t: Timeline, step: Reps, plain: list[str], unsaid: list[str | int | None], place: str, lead: int = 0
) -> None:
    """What words reps say otherwise than written: a counted phase's cue left out, numbers not said."""
    for index, (phase, text) in enumerate(zip(step.tempo, plain, strict=True)):
        if phase.count_seconds and t.duration_of(text) > cue_room(phase) - (lead if index == 0 else 0):
            t.warn(
                f'"{text}" does not fit the first second of its counted phase, so its seconds are counted '
                '"one, two, ..." without it: shorten its say to a word or two',
                f"{place}.tempo[{index}].say",
                place,
            )
    missing = [label for label in unsaid if label is not None]
    if missing and not all(phase.count_seconds for phase in step.tempo):  # else the count is the guide
        shown = ", ".join(map(str, missing[:3])) + ("..." if len(missing) > 3 else "")
        t.warn(
            f"the rep numbers ({shown}) are not said: no phase of a rep has room for them besides "
            "its cue and its counted seconds",
            place,
        )
