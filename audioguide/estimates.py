"""Estimates without any audio: the cue script and how long each exercise will take.

Lengths come from the chapters of a script compiled with estimated phrase lengths; an
exercise's length runs from its announcement to the next exercise's, so it includes the
rest before the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audioguide.compiler import DurationOf, compile_routine, estimate_ms
from audioguide.cues import CueScript, clock
from audioguide.routine import DEFAULT_LEVEL, Routine


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
    exercises = {index + 1: exercise for index, exercise in enumerate(routine.exercises)}
    parts = []
    for index, chapter in enumerate(script.chapters):
        exercise = exercises.get(index)  # chapter 0 is the introduction, the last the finish
        parts.append(
            Part(
                title=chapter.title,
                slug=exercise.slug if exercise else "",
                number=index if exercise else 0,
                start_ms=chapter.start_ms,
                length_ms=chapter.end_ms - chapter.start_ms,
            )
        )
    return Estimate(script, tuple(parts))
