"""The strict routine loader: YAML text -> the routine model.

It reads in layers: `syntax` (YAML syntax errors in the user's words), `values` (durations,
counts, texts), `reader` (problems located by line and place), `keys` (the keys of each
place, and where a stray key belongs), `document` (the routine, its circuits and exercises),
`steps` (holds, reps and their phases) and `limits` (what is too big to be a routine).

Every problem is reported with the file, the line and the place in the document
(`exercises[2].sets`), and all problems are collected before raising, so a user
fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from audioguide import files
from audioguide.errors import RoutineError
from audioguide.routine.loader.document import read_routine
from audioguide.routine.loader.keys import (
    CIRCUIT_KEYS,
    CUE_KEYS,
    EXERCISE_KEYS,
    EXERCISE_SYNONYMS,
    ROUTINE_KEYS,
    STEP_KINDS,
)
from audioguide.routine.loader.limits import MAX_DEPTH, MAX_NODES, check_nodes, check_size
from audioguide.routine.loader.reader import Reader
from audioguide.routine.loader.syntax import explained
from audioguide.routine.loader.values import parse_count, parse_duration, parse_rest, parse_span
from audioguide.routine.model import Routine

__all__ = [
    "CIRCUIT_KEYS",
    "CUE_KEYS",
    "EXERCISE_KEYS",
    "EXERCISE_SYNONYMS",
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


def _composed(text: str) -> yaml.Node | None:
    """The document's nodes, parsed by libyaml where PyYAML has it (a tenth of the time). Text
    libyaml refuses is parsed again by PyYAML's own parser, whose messages `explained` knows."""
    if fast := getattr(yaml, "CSafeLoader", None):
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def loads(text: str, source: str = "<routine>") -> Routine:
    """Parse routine YAML text; raise RoutineError naming every problem found."""
    try:
        root = _composed(text)
    except yaml.YAMLError as exc:
        raise RoutineError([explained(exc, text, source)]) from None
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


def load(path: str | Path) -> Routine:
    """Load a routine file."""
    return placed(loads(read_file(path), source=str(path)), Path(path))


def placed(loaded: Routine, path: Path) -> Routine:
    """A routine read from `path`, its cover and music named relative to that file, as a reader expects.

    Both must be inside the routine's folder: a routine someone shared must not embed a
    picture or mix in music from elsewhere on this computer (`cover: /home/me/photos/...`)
    without a word. (The files a music folder or playlist lists are confined when the build
    reads them.)
    """
    found = {}
    for key, what, option in (("cover", "the picture", "--cover"), ("music", "the music", "--music")):
        value = getattr(loaded, key)
        if not value:
            continue
        if not _inside(path.parent / value, path.parent):
            raise RoutineError(
                [
                    f"{path}: {key}: {_shown_path(Path(value))} is outside the routine's folder; "
                    f"put {what} beside the routine file, or give it with {option}"
                ]
            )
        found[key] = str(path.parent / value)
    return replace(loaded, **found)


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
