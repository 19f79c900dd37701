"""Check routine files without building them: every problem in every file, each located.

A file is checked by the strict loader (keys, types, values, placeholders) and then
compiled at every level, which finds what only timing shows: a rest too short for its
announcements, a rep phase too short for its cue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from audioguide import routine
from audioguide.compiler import compile_routine
from audioguide.errors import RoutineError, TimingError
from audioguide.estimates import counted, rough_length
from audioguide.routine import LEVELS

_WHERE = re.compile(r"^exercise (\d+) \(.*?\): ")


@dataclass(frozen=True)
class Report:
    """What checking one file found."""

    path: Path
    problems: tuple[str, ...]
    summary: str  # for a good file: its title, exercises and length

    @property
    def ok(self) -> bool:
        return not self.problems


def check(path: str | Path) -> Report:
    path = Path(path)
    try:
        text = routine.read_file(path)
        loaded = routine.loads(text, source=str(path))
    except RoutineError as exc:
        return Report(path, tuple(exc.problems), "")
    by_message: dict[str, list[str]] = {}
    lengths = []
    for level in LEVELS:
        try:
            lengths.append(compile_routine(loaded, level).duration_ms)
        except TimingError as exc:
            by_message.setdefault(str(exc), []).append(level)
    problems = tuple(_locate_timing(text, path, message, levels) for message, levels in by_message.items())
    summary = f"{loaded.title}, {counted(len(loaded.exercises), 'exercise')}"
    if lengths:
        summary += f", about {rough_length(max(lengths))} at most"
    return Report(path, problems, summary)


def _locate_timing(text: str, path: Path, message: str, levels: list[str]) -> str:
    """`exercise 2 (Wall sit): ...` -> `file:LINE: exercises[1]: ... (at level hard)`."""
    at = "every level" if len(levels) == len(LEVELS) else "level " + ", ".join(levels)
    match = _WHERE.match(message)
    if not match:
        return f"{path}: {message} (at {at})"
    index = int(match[1]) - 1
    line = _exercise_line(text, index)
    where = f"{path}:{line}" if line else str(path)
    return f"{where}: exercises[{index}]: {message[match.end() :]} (at {at})"


def _exercise_line(text: str, index: int) -> int | None:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    for key, value in root.value if isinstance(root, yaml.MappingNode) else ():
        if key.value == "exercises" and isinstance(value, yaml.SequenceNode) and index < len(value.value):
            return value.value[index].start_mark.line + 1
    return None
