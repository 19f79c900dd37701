"""What the page's form offers: the routines a phone may build, each exercise's values as the
form shows them, and the languages to build in. Read from the routine loader, never worked out anew."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audioguide import routine, speech
from audioguide.errors import AudioguideError
from audioguide.files import is_regular
from audioguide.routine import Hold, Reps, Routine
from audioguide.web.library import MS_PER_SECOND

ROUTINE_SUFFIXES = (".yaml", ".yml")
BUILTIN = "builtin"
USER = "file"


@dataclass(frozen=True)
class ExerciseFields:
    """One exercise's values as the form shows them; None where the exercise has no such step."""

    number: int
    slug: str
    name: str
    reps: str | None
    sets: str
    hold: str | None
    rest: str  # between rounds (with one round, overrides say how to add rounds)

    def to_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "slug": self.slug,
            "name": self.name,
            "reps": self.reps,
            "sets": self.sets,
            "hold": self.hold,
            "rest": self.rest,
        }


@dataclass(frozen=True)
class RoutineEntry:
    """A routine the form offers: a built-in one or a file in the user's routines folder."""

    id: str  # "builtin:feet-and-back" or "file:my-knees.yaml"
    spec: str  # what overrides.resolve takes: a built-in name or a file path
    title: str
    exercises: tuple[ExerciseFields, ...]
    error: str | None = None  # a user file that does not load says why, instead of a form

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "exercises": [e.to_json() for e in self.exercises],
            "error": self.error,
        }


def routines(folder: Path | None) -> list[RoutineEntry]:
    """The built-in routines, then the routine files in `folder` (not its subfolders)."""
    entries = [_entry(f"{BUILTIN}:{name}", name) for name in routine.builtin_names()]
    if folder is not None:
        try:
            paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in ROUTINE_SUFFIXES)
        except OSError:
            paths = []
        entries += [_entry(f"{USER}:{path.name}", str(path)) for path in paths if is_regular(path)]
    return entries


def find_routine(entries: list[RoutineEntry], routine_id: str) -> RoutineEntry | None:
    return next((entry for entry in entries if entry.id == routine_id), None)


def languages(engine: str) -> tuple[str, ...]:
    """The languages to offer for builds with `engine`; under auto, the offline default's."""
    name = speech.OFFLINE_ORDER[0] if engine == speech.AUTO else engine
    cls = speech.engines().get(name)
    if cls is None or cls.unavailable_reason() is not None:
        return ()
    return tuple(cls.language_list())


def _entry(routine_id: str, spec: str) -> RoutineEntry:
    try:
        loaded = routine.resolve(spec)
    except AudioguideError as exc:
        return RoutineEntry(routine_id, spec, Path(spec).name, (), error=str(exc))
    return RoutineEntry(routine_id, spec, loaded.title, _fields(loaded))


def _fields(loaded: Routine) -> tuple[ExerciseFields, ...]:
    fields = []
    for number, exercise in enumerate(loaded.exercises, 1):
        reps = next((s for s in exercise.steps if isinstance(s, Reps)), None)
        hold = next((s for s in exercise.steps if isinstance(s, Hold)), None)
        fields.append(
            ExerciseFields(
                number=number,
                slug=exercise.slug,
                name=exercise.name,
                reps=str(reps.count) if reps else None,
                sets=str(exercise.sets),
                hold=_seconds(hold.duration_ms) if hold else None,
                rest=_seconds(exercise.rest_ms),
            )
        )
    return tuple(fields)


def _seconds(ms: int) -> str:
    return f"{ms / MS_PER_SECOND:g}s"
