"""Routine -> cue script. Pure: no I/O, no clock, no audio; the same input gives the same script.

Clip lengths are only known after synthesis, so `compile_routine` takes a phrase -> duration
function: real durations from the speech layer for a build, `estimate_ms` for a dry run.

Timing rules, the heart of the product:
- a hold of D starts with a start tone and ends with an end tone exactly D later; its
  countdown words start at D-3, D-2, D-1 s and a "halfway" cue sits at D/2 for long holds;
- each rep's number is spoken at the rep's start, each phase's cue at the phase's start;
- rests between rounds last exactly their time, from the end tone to the next start, and
  count down into the next round;
- no cue overlaps another. A cue that cannot fit is an error naming the exercise and the
  cue, except the optional halfway cue, which is dropped with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from audioguide.cues import SPEECH, TONE, Chapter, CueScript, Event
from audioguide.errors import TimingError
from audioguide.phrases import Phrasebook, phrasebook
from audioguide.routine import DEFAULT_LEVEL, MAX_TRACK_MS, Exercise, Hold, Reps, Routine, Say, fill

DurationOf = Callable[[str], int]

TONE_MS = 180  # length of the start and end tones
GAP_MS = 350  # silence between consecutive spoken phrases
LEAD_MS = 500  # silence between an instruction and the tone that starts the work
HALFWAY_MIN_MS = 20_000  # holds this long or longer get a "halfway" cue
TAIL_MS = 1500  # silence at the very end of the track
MINUTES_PASSES = 4  # the intro states the length, which changes the length: settle it
LENGTH_ROLE = "length"  # the role of the intro's phrase that states the track's length

# A rough speaking rate for dry runs, before any audio exists (measured on the Pico voice).
ESTIMATE_MS_PER_CHAR = 62
ESTIMATE_BASE_MS = 120


def estimate_ms(text: str) -> int:
    """A speech duration estimate for plans made without synthesis."""
    return ESTIMATE_BASE_MS + ESTIMATE_MS_PER_CHAR * len(text)


@dataclass(frozen=True)
class _Cue:
    """An event before the overlap check, with what a user needs to find it."""

    event: Event
    where: str
    optional: bool = False


@dataclass
class _Timeline:
    duration_of: DurationOf
    book: Phrasebook
    cues: list[_Cue] = field(default_factory=list)
    chapters: list[tuple[str, int]] = field(default_factory=list)
    cursor: int = 0  # where the next phrase in sequence may start
    work_end: int = 0  # when the last hold or set of reps ended: rests count from here
    where: str = "introduction"

    def chapter(self, title: str) -> None:
        self.chapters.append((title, self.cursor))

    def speak_at(self, start: int, text: str, role: str, optional: bool = False) -> int:
        """Place a phrase at a fixed time; returns its end."""
        end = start + self.duration_of(text)
        event = Event(SPEECH, text, start, end, len(self.chapters) - 1, role)
        self.cues.append(_Cue(event, self.where, optional))
        return end

    def tone_at(self, start: int, kind: str) -> int:
        event = Event(TONE, kind, start, start + TONE_MS, len(self.chapters) - 1, f"{kind} tone")
        self.cues.append(_Cue(event, self.where))
        return start + TONE_MS

    def say(self, *texts: str, role: str = "instruction") -> None:
        """Speak phrases one after another from the cursor."""
        for text in texts:
            if text:
                self.cursor = self.speak_at(self.cursor, text, role) + GAP_MS

    def speak_before(self, end: int, texts: list[str], role: str) -> None:
        """Speak phrases one after another so that the last ends GAP_MS before `end`."""
        start = end - sum(self.duration_of(t) + GAP_MS for t in texts)
        for text in texts:
            start = self.speak_at(start, text, role) + GAP_MS

    def countdown(self, end: int, count: int) -> None:
        """ "Three, two, one" with each word starting k seconds before `end`."""
        for k in range(count, 0, -1):
            self.speak_at(end - k * 1000, self.book.words("countdown", n=k), "countdown")


def compile_routine(
    routine: Routine,
    level: str = DEFAULT_LEVEL,
    duration_of: DurationOf = estimate_ms,
    lang: str | None = None,
) -> CueScript:
    """The routine's cue script at a level, laid out with the given phrase durations.

    The tool's own phrases are in `lang`, by default the routine's language.
    """
    book = phrasebook(lang or routine.language)
    minutes = 0
    for _ in range(MINUTES_PASSES):
        script = _compile(routine, level, duration_of, minutes, book)
        settled = _minutes(script.duration_ms)
        if settled == minutes:
            break
        minutes = settled
    if script.duration_ms > MAX_TRACK_MS:
        raise TimingError(
            f"the track would last {script.duration_ms / 3_600_000:.1f} hours at level {level}; "
            f"a track is at most {MAX_TRACK_MS // 3_600_000} hours. "
            "Lower sets, reps or durations, or split the routine into several"
        )
    return script


def _minutes(duration_ms: int) -> int:
    return max(1, round(duration_ms / 60_000))


def _compile(
    routine: Routine, level: str, duration_of: DurationOf, minutes: int, book: Phrasebook
) -> CueScript:
    t = _Timeline(duration_of, book)
    t.chapter(book.words("introduction"))
    count = len(routine.exercises)
    t.say(book.say("title", title=routine.title), routine.intro)
    t.say(
        book.say(
            "length", exercises=book.words("exercises", n=count), minutes=book.words("minutes", n=minutes)
        ),
        role=LENGTH_ROLE,
    )
    for index, exercise in enumerate(routine.exercises):
        t.chapter(exercise.name)
        t.where = f"exercise {index + 1} ({exercise.name})"
        t.say(book.say("exercise", n=index + 1, total=count, name=exercise.name))
        _exercise(t, exercise, level)
        if index + 1 < count:
            _rest_before_next(t, routine, exercise, routine.exercises[index + 1])
    t.chapter(book.words("finish"))
    t.where = "finish"
    t.say(routine.outro or book.say("outro"))
    events, warnings = _check_overlaps(t.cues)
    duration = max(t.cursor, events[-1].end_ms if events else 0) + TAIL_MS
    starts = [start for _, start in t.chapters] + [duration]
    chapters = tuple(Chapter(title, start, starts[i + 1]) for i, (title, start) in enumerate(t.chapters))
    return CueScript(routine.title, level, tuple(events), chapters, duration, tuple(warnings))


def _exercise(t: _Timeline, exercise: Exercise, level: str) -> None:
    cues = exercise.cues
    book = t.book
    sets = exercise.sets.at(level)
    sides = exercise.sides or (None,)
    t.say(exercise.purpose)
    if exercise.equipment:
        t.say(book.say("equipment", items=book.join(exercise.equipment)))
    for side_index, side in enumerate(sides):
        other = sides[(side_index + 1) % len(sides)] if exercise.sides else None
        first = exercise.steps[0]
        if side_index == 0:
            t.say(fill(exercise.setup, side, other))
            if sets > 1:
                rounds = book.words("rounds_count", n=sets)
                t.say(book.say("rounds", rounds=rounds, rest=book.duration(exercise.rest_ms)))
                t.say(book.say("round", n=1, total=sets))
            t.say(_lead_in(first, side, other))
            _pause(t, book.say("get_ready"), cues.get_ready_ms, cues.countdown, "get_ready")
        else:
            t.say(fill(exercise.switch, side, other) or book.say("switch", side=side))
            if "{" in exercise.setup:
                t.say(fill(exercise.setup, side, other))
            if "{" in first.say:
                t.say(_lead_in(first, side, other))
            _pause(t, None, cues.switch_pause_ms, cues.countdown, "switch_pause")
        for round_index in range(sets):
            if round_index:
                _rest_between_rounds(t, exercise, round_index, sets, side, other)
            for step_index, step in enumerate(exercise.steps):
                if step_index:
                    t.say(_lead_in(step, side, other))
                    t.cursor += LEAD_MS - GAP_MS
                _step(t, step, exercise, level, side, other)


def _lead_in(step: Hold | Reps | Say, side: str | None, other: str | None) -> str:
    return fill(step.say, side, other)


def _pause(t: _Timeline, head: str | None, length_ms: int, countdown: int, setting: str) -> None:
    """A timed pause that counts down into the next start; `setting` is its cue setting's name."""
    start = t.cursor
    head_end = t.speak_at(start, head, "instruction") if head else start
    if head_end + GAP_MS > start + length_ms - countdown * 1000:
        spoken = f'"{head}" and ' if head else ""
        raise TimingError(
            f"{t.where}: the {length_ms / 1000:g} s pause (cues.{setting}) is too short for "
            f"{spoken}a countdown of {countdown}. Make it longer or lower cues.countdown"
        )
    t.cursor = start + length_ms
    t.countdown(t.cursor, countdown)


def _step(
    t: _Timeline, step: Hold | Reps | Say, exercise: Exercise, level: str, side: str | None, other: str | None
) -> None:
    if isinstance(step, Say):
        t.cursor += step.pause_ms
        t.work_end = t.cursor
        return
    if isinstance(step, Hold):
        _hold(t, step.duration_ms, exercise)
    else:
        _reps(t, step, level, side, other)
    t.work_end = t.cursor
    t.tone_at(t.work_end, "end")
    t.cursor = t.work_end + TONE_MS + GAP_MS


def _hold(t: _Timeline, duration_ms: int, exercise: Exercise) -> None:
    start = t.cursor
    t.tone_at(start, "start")
    if exercise.cues.halfway and duration_ms >= HALFWAY_MIN_MS:
        t.speak_at(start + duration_ms // 2, t.book.say("halfway"), "halfway", optional=True)
    usable = [k for k in range(exercise.cues.countdown, 0, -1) if k * 1000 < duration_ms]
    t.countdown(start + duration_ms, len(usable))
    t.cursor = start + duration_ms


def _reps(t: _Timeline, step: Reps, level: str, side: str | None, other: str | None) -> None:
    count = step.count.at(level)
    start = t.cursor
    for rep in range(count):
        at = start + rep * step.rep_ms
        for phase_index, phase in enumerate(step.tempo):
            cue = fill(phase.say, side, other)
            if phase_index == 0:
                label = t.book.words("last_one") if rep + 1 == count and count > 1 else rep + 1
                t.speak_at(at, t.book.say("rep", count=label, cue=cue), "rep")
            else:
                t.speak_at(at, t.book.say("phase", cue=cue), "phase")
            at += phase.duration_ms
    t.cursor = start + count * step.rep_ms


def _rest_between_rounds(
    t: _Timeline, exercise: Exercise, round_index: int, sets: int, side: str | None, other: str | None
) -> None:
    """Exactly the rest's length from the last end tone to the next round's start."""
    end = t.work_end + exercise.rest_ms
    head_end = t.speak_at(t.cursor, t.book.say("rest", duration=t.book.duration(exercise.rest_ms)), "rest")
    announce = [t.book.say("round", n=round_index + 1, total=sets)]
    announce.append(_lead_in(exercise.steps[0], side, other))
    countdown = exercise.cues.countdown
    spoken = sum(t.duration_of(text) + GAP_MS for text in announce)
    needed = head_end + GAP_MS + spoken + countdown * 1000 - t.work_end
    if needed > exercise.rest_ms:
        raise TimingError(
            f"{t.where}: the {exercise.rest_ms / 1000:g} s rest between rounds is too short "
            f"for its cues, which need {needed / 1000:.1f} s. Make 'rest' longer or lower the countdown"
        )
    t.speak_before(end - countdown * 1000, announce, "instruction")
    t.countdown(end, countdown)
    t.cursor = end


def _rest_before_next(t: _Timeline, routine: Routine, done: Exercise, upcoming: Exercise) -> None:
    """A rest that names what comes next and what to fetch for it."""
    rest_ms = done.rest_after_ms or routine.rest_between_ms
    book = t.book
    t.say(
        book.say("rest", duration=book.duration(rest_ms)), book.say("next", name=upcoming.name), role="rest"
    )
    if upcoming.equipment:
        t.say(book.say("fetch", items=book.join(upcoming.equipment)), role="rest")
    t.cursor = max(t.cursor, t.work_end + rest_ms)


def _check_overlaps(cues: list[_Cue]) -> tuple[list[Event], list[str]]:
    """Every event must end before the next begins. Drop optional cues that don't fit."""
    kept: list[_Cue] = []
    warnings: list[str] = []
    for cue in sorted(cues, key=lambda c: (c.event.start_ms, c.event.end_ms)):
        if kept and kept[-1].event.end_ms > cue.event.start_ms:
            previous = kept[-1]
            loser = cue if cue.optional else previous if previous.optional else None
            if loser is None:
                raise TimingError(_overlap_message(previous, cue))
            warnings.append(
                f'{loser.where}: dropped the "{loser.event.text}" cue at '
                f"{loser.event.start_ms / 1000:.1f} s: it would talk over another cue"
            )
            if loser is previous:
                kept.pop()
            else:
                continue
        if cue.event.start_ms < 0:
            raise TimingError(f'{cue.where}: the cue "{cue.event.text}" would start before the track')
        kept.append(cue)
    return [c.event for c in kept], warnings


def _overlap_message(first: _Cue, second: _Cue) -> str:
    a, b = first.event, second.event
    name = a.text if a.kind == SPEECH else f"{a.text} tone"
    other = b.text if b.kind == SPEECH else f"{b.text} tone"
    return (
        f'{first.where}: the cue "{name}" lasts {a.duration_ms / 1000:.1f} s but only '
        f'{(b.start_ms - a.start_ms) / 1000:.1f} s are free before "{other}". '
        "Make that hold, rest or pause longer, shorten the text, or lower the countdown"
    )
