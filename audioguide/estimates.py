"""Estimates without any audio: the cue script and how long each exercise will take.

Lengths come from the chapters of a script compiled with estimated phrase lengths; an
exercise's length runs from the rest before it (where it is announced) to the next one's.

`upper_bound` gives, per engine, a phrase length no real clip exceeds: `validate` lays a
routine out with it, so a routine that validates always builds with that engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from audioguide.compiler import DurationOf, compile_routine, estimate_ms
from audioguide.cues import CueScript, clock
from audioguide.routine import DEFAULT_LEVEL, Routine
from audioguide.speech.text import prepare

_PAUSE = re.compile(r"[.,;:!?](?=\s)")  # punctuation inside a phrase, where a voice pauses


@dataclass(frozen=True)
class SpeakingRate:
    """An upper bound on a voice's clip length: base + per character + per pause (ms)."""

    base_ms: float
    per_char_ms: float
    per_pause_ms: float

    def __call__(self, text: str) -> int:
        spoken = prepare(text)  # as the engine receives it: numbers and units in words
        pauses = len(_PAUSE.findall(spoken))
        return round(self.base_ms + self.per_char_ms * len(spoken) + self.per_pause_ms * pauses)


# Fitted on 157 phrases (every phrase of the built-in routines at every level, plus short rep
# cues, counts and rests), trimmed as a build trims them: the least-squares line, scaled by
# 1.08, raised by the largest miss and 100 ms more. tests/test_estimates.py re-measures it.
SPEAKING_RATES = {
    "pico": SpeakingRate(base_ms=682, per_char_ms=54.2, per_pause_ms=456),
    "espeak": SpeakingRate(base_ms=477, per_char_ms=51.8, per_pause_ms=251),
}
SLOWEST = "pico"  # engines not measured (Google, Piper voices) are laid out as the slowest one


def upper_bound(engine: str | None = None) -> SpeakingRate:
    """The calibrated upper bound for an engine; the slowest measured voice for any other."""
    return SPEAKING_RATES.get(engine or SLOWEST, SPEAKING_RATES[SLOWEST])


@dataclass(frozen=True)
class Part:
    """One stretch of the track: the introduction, an exercise or the finish."""

    title: str
    slug: str  # the exercise's slug, as overrides name it; "" for the introduction and finish
    number: int  # the exercise's number from 1; 0 for the introduction and finish
    start_ms: int
    length_ms: int

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "slug": self.slug,
            "number": self.number,
            "start_ms": self.start_ms,
            "length_ms": self.length_ms,
        }


@dataclass(frozen=True)
class Estimate:
    script: CueScript
    parts: tuple[Part, ...]

    @property
    def duration_ms(self) -> int:
        return self.script.duration_ms

    def to_json(self) -> dict[str, Any]:
        return {
            **self.script.to_json(),
            "estimated": True,
            "estimates": {
                "duration_ms": self.duration_ms,
                "parts": [part.to_json() for part in self.parts],
            },
        }

    def lengths_text(self) -> str:
        """A small table: each part's estimated length, then the whole track's."""
        width = max(len(self._label(part)) for part in self.parts)
        lines = ["Estimated lengths:"]
        lines += [f"  {self._label(part):<{width}}  {clock(part.length_ms):>7}" for part in self.parts]
        lines.append(f"  {'Whole track':<{width}}  {clock(self.duration_ms):>7}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _label(part: Part) -> str:
        return f"{part.number}. {part.title} ({part.slug})" if part.number else part.title


def estimate(
    routine: Routine,
    level: str = DEFAULT_LEVEL,
    duration_of: DurationOf = estimate_ms,
    lang: str | None = None,
) -> Estimate:
    """Compile the routine (its phrases in `lang`, by default the routine's) and measure its parts."""
    script = compile_routine(routine, level, duration_of, lang)
    # A chapter titled as an exercise is that exercise; a circuit's later rounds ("Squats,
    # round 2"), the introduction and the finish are parts without a number.
    numbers = {exercise.name: index + 1 for index, exercise in enumerate(routine.exercises)}
    parts = []
    for chapter in script.chapters:
        number = numbers.get(chapter.title, 0) if chapter.title not in ("Introduction", "Finish") else 0
        exercise = routine.exercises[number - 1] if number else None
        parts.append(
            Part(
                title=chapter.title,
                slug=exercise.slug if exercise else "",
                number=number,
                start_ms=chapter.start_ms,
                length_ms=chapter.end_ms - chapter.start_ms,
            )
        )
    return Estimate(script, tuple(parts))


# --- counts and lengths as messages say them --------------------------------------------

SECONDS_SHOWN_BELOW_MS = 60_000  # a length under a minute is given in seconds, never "0 min"


def rough_length(ms: int) -> str:
    """A length to the nearest minute, or second under a minute: `19 min`, `45 s`."""
    if ms < SECONDS_SHOWN_BELOW_MS:
        return f"{max(1, round(ms / 1000))} s"
    return f"{round(ms / 60_000)} min"
