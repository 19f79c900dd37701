"""The strict routine loader: YAML text -> the routine model.

It reads in layers: `values` (durations, counts, texts), `reader` (problems located by line
and place), `document` (the routine, its circuits and exercises), `steps` (holds, reps and
their phases) and `limits` (what is too big to be a routine).

Every problem is reported with the file, the line and the place in the document
(`exercises[2].sets`), and all problems are collected before raising, so a user
fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from audioguide import files
from audioguide.errors import RoutineError
from audioguide.routine.loader.document import (
    CIRCUIT_KEYS,
    CUE_KEYS,
    EXERCISE_KEYS,
    ROUTINE_KEYS,
    read_routine,
)
from audioguide.routine.loader.limits import MAX_DEPTH, MAX_NODES, check_nodes, check_size
from audioguide.routine.loader.reader import Reader
from audioguide.routine.loader.steps import STEP_KINDS
from audioguide.routine.loader.values import parse_count, parse_duration, parse_rest, parse_span
from audioguide.routine.model import Routine

__all__ = [
    "CIRCUIT_KEYS",
    "CUE_KEYS",
    "EXERCISE_KEYS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "ROUTINE_KEYS",
    "STEP_KINDS",
    "load",
    "loads",
    "parse_count",
    "parse_duration",
    "parse_rest",
    "parse_span",
    "placed",
    "read_file",
]

MAX_FILE_BYTES = 1_000_000


def loads(text: str, source: str = "<routine>") -> Routine:
    """Parse routine YAML text; raise RoutineError naming every problem found."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        why = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if tabbed := _tab_indented(text, mark, why):
            raise RoutineError([f"{source}:{tabbed}: this line {TAB_MESSAGE}"]) from None
        raise RoutineError([f"{source}{line}: not valid YAML: {why}"]) from None
    except (ValueError, RecursionError):
        raise RoutineError([f"{source}: not valid YAML text"]) from None
    if root is None:
        raise RoutineError([f"{source}: is empty; a routine needs a title and exercises"])
    if too_big := check_nodes(root):
        raise RoutineError([f"{source}: {too_big}"])
    reader = Reader(source)
    routine = read_routine(reader, root)
    if reader.problems or routine is None:
        raise RoutineError(reader.problems)
    if too_long := check_size(routine):
        raise RoutineError([f"{source}: {too_long}"])
    return replace(routine, source=source, lines=reader.lines)


TAB_MESSAGE = (
    "is indented with a tab; YAML indents with spaces only. Replace the tab with spaces, "
    "lined up with the lines above"
)


def _tab_indented(text: str, mark: Any, why: str) -> int | None:
    """The line (from 1) of a YAML error caused by a tab in the indentation, if it was one."""
    if mark is None:
        return None
    lines = text.splitlines()
    at = mark.line if mark.line < len(lines) else len(lines) - 1
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip(" \t"))] if lines else ""
    return at + 1 if "\t" in indent or (lines and "'\\t'" in why) else None


def load(path: str | Path) -> Routine:
    """Load a routine file."""
    return placed(loads(read_file(path), source=str(path)), Path(path))


def placed(loaded: Routine, path: Path) -> Routine:
    """A routine read from `path`, its cover named relative to that file, as a reader expects.

    The cover must be inside the routine's folder: a routine someone shared must not embed
    a picture from elsewhere on this computer (`cover: /home/me/photos/...`) without a word.
    """
    if not loaded.cover:
        return loaded
    cover = path.parent / loaded.cover
    if not _inside(cover, path.parent):
        raise RoutineError(
            [
                f"{path}: cover: {_shown_path(Path(loaded.cover))} is outside the routine's folder; "
                "put the picture beside the routine file, or give it with --cover"
            ]
        )
    return replace(loaded, cover=str(cover))


def _inside(path: Path, folder: Path) -> bool:
    """Is `path`, with every link followed, inside `folder`?"""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError, RuntimeError):  # a name too long, a NUL, a loop of links
        return False


def read_file(path: str | Path) -> str:
    """A routine file's text, or a RoutineError saying why it cannot be read.

    Only a regular file is read, and only after its size is checked: a FIFO, a device
    (`/dev/zero`) or a file that grows while read is refused, never waited on or read whole.
    """
    path = Path(path)
    try:
        raw = files.read_regular(path, MAX_FILE_BYTES)
    except files.TooLarge as exc:
        raise RoutineError([f"{path}: is {exc.size:,} bytes; a routine file is at most 1 MB"]) from None
    except FileNotFoundError:
        raise RoutineError([f"{path}: no such file. Run `audioguide list` for built-in routines"]) from None
    except IsADirectoryError:
        raise RoutineError([f"{path}: is a directory, not a routine file"]) from None
    except files.NotRegularFile as exc:
        raise RoutineError([f"{path}: {exc.strerror}; a routine is a YAML file"]) from None
    except OSError as exc:
        raise RoutineError([f"{path}: cannot be read: {exc.strerror}"]) from None
    except ValueError:  # a NUL in the name
        raise RoutineError([f"{_shown_path(path)}: is not a possible file name"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RoutineError([f"{path}: is not UTF-8 text; save it as UTF-8"]) from None
    return text


def _shown_path(path: Path) -> str:
    return str(path).encode("unicode_escape").decode("ascii")
