"""The strict routine loader: YAML text -> the routine model.

Every problem is reported with the file, the line and the place in the document
(`exercises[2].sets`), and all problems are collected before raising, so a user
fixes a file in one pass.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from audioguide import files
from audioguide.errors import RoutineError
from audioguide.phrases import phrasebook
from audioguide.routine.model import (
    COUNTING,
    HALFWAY_MIN_MS,
    LEVELS,
    MAX_COUNT,
    MAX_CUES,
    MAX_DURATION_MS,
    MAX_TEXT_CHARS,
    MAX_TRACK_MS,
    PLACEHOLDERS,
    Circuit,
    Count,
    CueSettings,
    Exercise,
    Hold,
    Phase,
    Reps,
    Routine,
    Say,
    Step,
)

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 50_000  # YAML aliases can expand a small file enormously ("billion laughs")
MAX_DEPTH = 20


# --- values ----------------------------------------------------------------------------

_DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m(?!s))?"
    r"(?:(?P<s>\d+(?:\.\d+)?)s)?(?:(?P<ms>\d+)ms)?$"
)
_RANGE = re.compile(r"^\s*(\d+)\s*[-\u2013]\s*(\d+)\s*$")


class _Invalid(ValueError):
    """A value is wrong; the text says what was expected."""


def parse_duration(value: Any) -> int:
    """`20s`, `1m30s`, `1.5s`, `500ms` or a bare number of seconds -> milliseconds."""
    _refuse_negative(value)
    if isinstance(value, bool):
        raise _Invalid(f"must be a duration like 20s or 1m30s, got {value!r}")
    if isinstance(value, int | float):
        exact = value * 1000
    elif isinstance(value, str) and value.strip() and (m := _DURATION.match(value.strip())):
        parts = {k: float(v) for k, v in m.groupdict().items() if v}
        exact = (
            parts.get("h", 0) * 3_600_000
            + parts.get("m", 0) * 60_000
            + parts.get("s", 0) * 1000
            + parts.get("ms", 0)
        )
    else:
        raise _Invalid(f"must be a duration like 20s or 1m30s, got {_show(value)}")
    if math.isnan(exact):
        raise _Invalid(f"must be a duration like 20s or 1m30s, got {_show(value)}")
    if exact > MAX_DURATION_MS:  # also `.inf` and numbers of hundreds of digits
        raise _Invalid(f"must be at most 2h, got {_show(value)}")
    ms = round(max(exact, 0))  # `-.inf` cannot be rounded
    if ms <= 0:
        raise _Invalid(f"must be longer than zero, got {_show(value)}")
    if ms > MAX_DURATION_MS:
        raise _Invalid(f"must be at most 2h, got {_show(value)}")
    return ms


def _refuse_negative(value: Any) -> None:
    """`-30s` or `-5`: say that the minus is the mistake, and what to write instead."""
    text = value.strip() if isinstance(value, str) else ""
    if text.startswith("-") and _DURATION.match(text[1:]):
        raise _Invalid(
            f"cannot be negative, got {_show(value)}; durations have no minus sign: write {text[1:]}"
        )
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0 and math.isfinite(value):
        raise _Invalid(
            f"cannot be negative, got {_show(value)}; durations have no minus sign: write {-value:g}s"
        )


def parse_rest(value: Any) -> int:
    """A rest: a duration, or 0 where the programme has none."""
    if not isinstance(value, bool) and (
        value == 0 or (isinstance(value, str) and value.strip() in ("0", "0s"))
    ):
        return 0
    return parse_duration(value)


_DURATION_RANGE = re.compile(r"^\s*([\d.]+[a-z]*)\s*[-\u2013]\s*([\d.]+)([a-z]*)\s*$")


def parse_span(value: Any) -> Count:
    """A duration, or a range `15-30s` spread over the levels like a count (ms per level)."""
    if isinstance(value, str) and (m := _DURATION_RANGE.match(value)):
        low_text = m[1] if re.search(r"[a-z]$", m[1]) else m[1] + m[3]
        low, high = parse_duration(low_text), parse_duration(m[2] + m[3])
        if low >= high:
            raise _Invalid(f"a range must go from a shorter to a longer time, got {_show(value)}")
        middle = math.ceil((low + (high - low) / 2) / 1000) * 1000
        return Count(low, middle, high)
    return Count.fixed(parse_duration(value))


def parse_count(value: Any) -> Count:
    """A positive whole number, or a range `low-high` spread over the levels."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= MAX_COUNT:
            raise _Invalid(f"must be between 1 and {MAX_COUNT}, got {value}")
        return Count.fixed(value)
    if isinstance(value, str) and (m := _RANGE.match(value)):
        # Compare as text first: int() refuses numbers of thousands of digits.
        low, high = (int(n) if len(n) <= len(str(MAX_COUNT)) else MAX_COUNT + 1 for n in (m[1], m[2]))
        if not 1 <= low < high <= MAX_COUNT:
            shown = repr(value) if len(value) <= _SHOW_CHARS else _show(value)
            raise _Invalid(f"a range must go from a low to a higher count within 1-{MAX_COUNT}, got {shown}")
        return Count(low, low + (high - low + 1) // 2, high)
    raise _Invalid(f"must be a positive whole number or a range like 10-20, got {_show(value)}")


_SHOW_CHARS = 40  # a value quoted in a message is cut to this length


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= _SHOW_CHARS else text[: _SHOW_CHARS - 3] + "..."


# --- the loader -----------------------------------------------------------------------


class _Reader:
    """Walks composed YAML nodes, converting values and collecting located problems."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []
        self.lines: dict[str, int] = {}  # each place's line, for errors found after loading

    def problem(self, node: yaml.Node | None, path: str, message: str) -> None:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        where = f" {path}:" if path else ""
        self.problems.append(f"{self.source}{line}:{where} {message}")

    def mapping(
        self, node: yaml.Node, path: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, path, f"must be a mapping of keys to values, got {_kind(node)}")
            return None
        known = tuple(dict.fromkeys(required + optional))
        out: dict[str, yaml.Node] = {}
        suggested: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            here = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str) or key_node.tag != "tag:yaml.org,2002:str":
                self.problem(key_node, path, f"keys must be plain words, got {_kind(key_node)}")
            elif key in out:
                self.problem(key_node, here, "appears twice; keep one")
            elif key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(known)}"
                self.problem(key_node, here, f"unknown key; {hint}")
                suggested.update(close)
            else:
                out[key] = value_node
                self.lines[here] = key_node.start_mark.line + 1
        for key in required:
            if key not in out and key not in suggested:
                self.problem(node, path, f"missing '{key}'")
        return out

    def scalar(self, node: yaml.Node, path: str, convert: Callable[[Any], Any]) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, path, f"must be a single value, got {_kind(node)}")
            return None
        try:
            return convert(_construct(node))
        except _Invalid as exc:
            self.problem(node, path, str(exc))
            return None

    def text(self, node: yaml.Node, path: str) -> str | None:
        return self.scalar(node, path, _text)

    def sequence(self, node: yaml.Node, path: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, path, f"must be a list, got {_kind(node)}")
            return []
        for index, item in enumerate(node.value):
            self.lines[f"{path}[{index}]"] = item.start_mark.line + 1
        return node.value


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return _show(_construct(node))


def _construct(node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader("").construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError):
        return node.value


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise _Invalid(f"must be text, got {_show(value)}")
    text = " ".join(str(value).split())
    if not text:
        raise _Invalid("must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise _Invalid(f"is too long ({len(text)} characters); keep it under {MAX_TEXT_CHARS}")
    if any(unicodedata.category(c) == "Cc" for c in text):  # NUL, escape, DEL and the like
        raise _Invalid("contains control characters; remove them")
    if any(unicodedata.category(c) == "Cs" for c in text):  # "\ud800": half of a character
        raise _Invalid("contains a lone surrogate escape (like \\ud800), which is no character; remove it")
    return text


_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def _lang(value: Any) -> str:
    if not isinstance(value, str) or not _LANG.match(value):
        raise _Invalid(f"must be a language code like en, de or pt-BR, got {_show(value)}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"must be true or false, got {_show(value)}")
    return value


def _choice(*allowed: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if value not in allowed:
            raise _Invalid(f"must be one of {', '.join(allowed)}, got {_show(value)}")
        return value

    return convert


def _halfway(value: Any) -> int:
    """`true` (the default length), `false` (never: 0), or the shortest hold that gets one: `20s`."""
    if isinstance(value, bool):
        return HALFWAY_MIN_MS if value else 0
    try:
        return parse_duration(value)
    except _Invalid:
        raise _Invalid(f"must be true, false or a duration like 20s, got {_show(value)}") from None


def _then(value: Any) -> bool:
    if value not in ("continue", "stop"):
        raise _Invalid(f"must be continue or stop, got {_show(value)}")
    return value == "continue"


def _countdown(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise _Invalid(f"must be a whole number of seconds from 0 to 10, got {_show(value)}")
    return value


CUE_KEYS = ("countdown", "halfway", "get_ready", "switch_pause", "pre_roll")
ROUTINE_ONLY_CUES = ("pre_roll",)  # about the track as a whole, not one exercise
ROUTINE_KEYS = ("lang", "intro", "safety", "outro", "rest_between", "cues", "cover", "phrases", "exercises")
EXERCISE_KEYS = (
    "purpose",
    "equipment",
    "setup",
    "sides",
    "switch",
    "sets",
    "rest",
    "rest_after",
    "alternate",
    "cues",
    "steps",
)
STEP_KINDS = {
    "hold": ("say", "countdown", "halfway", "then", "count"),
    "reps": ("say", "tempo", "count"),
    "say": ("pause",),
}
CIRCUIT_KEYS = ("rounds", "rest", "rest_between", "exercises")
HOLD_COUNTING = ("seconds", "none")


def _check_nodes(root: yaml.Node) -> str | None:
    """Refuse documents whose node graph is too big or too deep to be a routine."""
    seen = 0
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            return "is too large to be a routine (are YAML aliases repeating a block?)"
        if depth > MAX_DEPTH:
            return "is nested too deeply to be a routine"
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend(((key, depth + 1), (value, depth + 1)))
    return None


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
    if too_big := _check_nodes(root):
        raise RoutineError([f"{source}: {too_big}"])
    reader = _Reader(source)
    routine = _routine(reader, root)
    if reader.problems or routine is None:
        raise RoutineError(reader.problems)
    if too_long := _check_size(routine):
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


def _check_size(routine: Routine) -> str | None:
    """Refuse routines whose track would be too long, before any time is spent on them.

    Counts only the timed work, rests and pauses, and at most the cues each part brings,
    so the real track is at least this long; the longest level decides.
    """
    level = LEVELS[-1]  # counts grow from easy to hard
    total_ms = routine.rest_between_ms * (len(routine.exercises) - 1)
    cues = 0
    repeats = [1] * len(routine.exercises)
    for circuit in routine.circuits:
        for index in range(circuit.first, circuit.first + circuit.count):
            repeats[index] = circuit.rounds.at(level)
    for exercise, repeat in zip(routine.exercises, repeats, strict=True):
        sets = exercise.sets.at(level) * repeat
        sides = max(1, len(exercise.sides))
        step_ms = sum(_step_ms(step, level) for step in exercise.steps)
        step_cues = sum(_step_cues(step, exercise.cues, level) for step in exercise.steps)
        total_ms += sides * (sets * step_ms + (sets - 1) * exercise.rest_ms)
        cues += sides * sets * step_cues
    if total_ms > MAX_TRACK_MS:
        hours = MAX_TRACK_MS // 3_600_000
        return (
            f"would last more than {total_ms / 3_600_000:.1f} hours at level {level}; a track is at "
            f"most {hours} hours. Lower sets, reps or durations, or split it into several routines"
        )
    if cues > MAX_CUES:
        return (
            f"would need about {cues:,} cues at level {level}; a track holds at most {MAX_CUES:,}. "
            "Lower sets or reps, or split it into several routines"
        )
    return None


def _step_ms(step: Step, level: str) -> int:
    if isinstance(step, Hold):
        return max(step.per_set or (step.length(level),))
    if isinstance(step, Reps) and step.per_set:
        return max(step.per_set) * step.rep_ms
    if isinstance(step, Reps):
        return step.count.at(level) * step.rep_ms
    return step.pause_ms


def _step_cues(step: Step, cues: CueSettings, level: str) -> int:
    """An upper bound on the sounds one step makes: its lead-in, tones, countdown, halfway."""
    if isinstance(step, Hold):
        return 4 + cues.countdown + (_step_ms(step, level) // 1000 if step.count_seconds else 0)
    if isinstance(step, Reps):
        seconds = sum(p.duration_ms // 1000 for p in step.tempo if p.count_seconds)
        return 3 + max(step.per_set or (step.count.at(level),)) * (len(step.tempo) + seconds)
    return 1


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


# --- document structure ---------------------------------------------------------------


def _routine(r: _Reader, root: yaml.Node) -> Routine | None:
    keys = r.mapping(root, "", ("title", "exercises"), ROUTINE_KEYS)
    if keys is None:
        return None
    title = r.text(keys["title"], "title") if "title" in keys else None
    cues = _cues(r, keys["cues"], "cues", CueSettings()) if "cues" in keys else CueSettings()
    exercises: list[Exercise | None] = []
    places: list[str] = []
    circuits: list[Circuit | None] = []
    if "exercises" in keys:
        items = r.sequence(keys["exercises"], "exercises")
        if not items and isinstance(keys["exercises"], yaml.SequenceNode):
            r.problem(keys["exercises"], "exercises", "is empty; add at least one exercise")
        nodes: list[yaml.Node] = []
        for i, item in enumerate(items):
            if _is_circuit(item):
                circuits.append(_circuit(r, item, f"exercises[{i}]", cues, exercises, places))
                nodes += [item] * (len(exercises) - len(nodes))
                continue
            exercises.append(_exercise(r, item, f"exercises[{i}]", cues))
            places.append(f"exercises[{i}]")
            nodes.append(item)
        seen: set[str] = set()
        for node, place, exercise in zip(nodes, places, exercises, strict=True):
            if exercise is not None and exercise.slug in seen:
                r.problem(node, f"{place}.name", "is used by another exercise; names must differ")
            seen.add(exercise.slug if exercise else "")
    optional = {
        "intro": r.text(keys["intro"], "intro") if "intro" in keys else "",
        "outro": r.text(keys["outro"], "outro") if "outro" in keys else "",
        "safety": r.text(keys["safety"], "safety") if "safety" in keys else "",
        "cover": r.text(keys["cover"], "cover") if "cover" in keys else "",
        "lang": r.scalar(keys["lang"], "lang", _lang) if "lang" in keys else "",
        "phrases": _phrases(r, keys["phrases"], "phrases") if "phrases" in keys else (),
        "rest_between": (
            r.scalar(keys["rest_between"], "rest_between", parse_rest) if "rest_between" in keys else 30_000
        ),
    }
    if r.problems or title is None or None in exercises or None in optional.values() or None in circuits:
        return None
    return Routine(
        circuits=tuple(circuits),  # type: ignore[arg-type]
        places=tuple(places),
        title=title,
        exercises=tuple(exercises),
        intro=optional["intro"],
        outro=optional["outro"],
        safety=optional["safety"],
        rest_between_ms=optional["rest_between"],
        cues=cues,
        cover=optional["cover"],
        lang=optional["lang"],
        phrases=optional["phrases"],
    )


def _phrases(r: _Reader, node: yaml.Node, path: str) -> tuple[tuple[str, str], ...] | None:
    """The routine's own words for the tool's fixed phrases, by phrasebook key."""
    book = phrasebook()
    keys = r.mapping(node, path, (), tuple(k for k, v in book.entries.items() if isinstance(v, str)))
    if keys is None:
        return None
    out = []
    for key, value in keys.items():
        text = r.text(value, f"{path}.{key}")
        if text is None:
            return None
        # A placeholder may ask for a form: {n:feminine} in German, {cue:capital}.
        wanted = set(re.findall(r"\{(\w+)(?::\w*)?\}", book.entries[key]))
        used = set(re.findall(r"\{([^{}:]*)(?::\w*)?\}", text))
        if used - wanted:
            allowed = ", ".join(f"{{{w}}}" for w in sorted(wanted)) or "none"
            r.problem(
                value,
                f"{path}.{key}",
                f"'{{{sorted(used - wanted)[0]}}}' is not known here; allowed: {allowed}",
            )
            return None
        out.append((key, text))
    return tuple(out)


def _is_circuit(node: yaml.Node) -> bool:
    return isinstance(node, yaml.MappingNode) and any(
        isinstance(k, yaml.ScalarNode) and k.value == "circuit" for k, _ in node.value
    )


def _circuit(
    r: _Reader,
    node: yaml.Node,
    path: str,
    cues: CueSettings,
    exercises: list[Exercise | None],
    places: list[str],
) -> Circuit | None:
    """A circuit: its exercises join the routine's list; the circuit says which and how often."""
    first = len(exercises)
    keys = r.mapping(node, path, ("circuit", "exercises"), CIRCUIT_KEYS)
    if keys is None or "circuit" not in keys or "exercises" not in keys:
        return None
    name = r.text(keys["circuit"], f"{path}.circuit")
    items = r.sequence(keys["exercises"], f"{path}.exercises")
    if not items and isinstance(keys["exercises"], yaml.SequenceNode):
        r.problem(keys["exercises"], f"{path}.exercises", "is empty; add the exercises of one round")
    for i, item in enumerate(items):
        if _is_circuit(item):
            r.problem(item, f"{path}.exercises[{i}]", "a circuit cannot hold another circuit")
            continue
        exercises.append(_exercise(r, item, f"{path}.exercises[{i}]", cues))
        places.append(f"{path}.exercises[{i}]")
    rounds = r.scalar(keys["rounds"], f"{path}.rounds", parse_count) if "rounds" in keys else Count.fixed(1)
    rest = r.scalar(keys["rest"], f"{path}.rest", parse_rest) if "rest" in keys else 60_000
    between = -1
    if "rest_between" in keys:
        between = r.scalar(keys["rest_between"], f"{path}.rest_between", parse_rest)
    if name is None or rounds is None or rest is None or between is None:
        return None
    return Circuit(name, first, len(exercises) - first, rounds, rest, None if between < 0 else between)


def _cues(r: _Reader, node: yaml.Node, path: str, base: CueSettings) -> CueSettings:
    allowed = CUE_KEYS if path == "cues" else tuple(k for k in CUE_KEYS if k not in ROUTINE_ONLY_CUES)
    keys = r.mapping(node, path, (), allowed)
    if keys is None:
        return base
    values = {
        "countdown": ("countdown", _countdown),
        "halfway_ms": ("halfway", _halfway),
        "get_ready_ms": ("get_ready", parse_duration),
        "switch_pause_ms": ("switch_pause", parse_rest),
        "pre_roll_ms": ("pre_roll", parse_rest),
    }
    changes = {}
    for attr, (key, convert) in values.items():
        if key in keys:
            value = r.scalar(keys[key], f"{path}.{key}", convert)
            if value is not None:
                changes[attr] = value
    return replace(base, **changes)


def _exercise(r: _Reader, node: yaml.Node, path: str, routine_cues: CueSettings) -> Exercise | None:
    before = len(r.problems)
    keys = r.mapping(node, path, ("name", "steps"), EXERCISE_KEYS)
    if keys is None:
        return None
    name = r.text(keys["name"], f"{path}.name") if "name" in keys else None
    fields: dict[str, Any] = {}
    for key in ("purpose", "setup", "switch"):
        if key in keys:
            fields[key] = r.text(keys[key], f"{path}.{key}")
    if "equipment" in keys:
        fields["equipment"] = _texts(r, keys["equipment"], f"{path}.equipment")
        if len(joined := ", ".join(fields["equipment"])) > MAX_TEXT_CHARS:  # said as one phrase
            r.problem(
                keys["equipment"],
                f"{path}.equipment",
                f"is too long together ({len(joined)} characters, said as one sentence); "
                f"keep the whole list under {MAX_TEXT_CHARS}",
            )
    if "sides" in keys:
        sides = _texts(r, keys["sides"], f"{path}.sides")
        if len(sides) < 2 or len(set(sides)) != len(sides):
            r.problem(keys["sides"], f"{path}.sides", "needs two or more different sides, like [right, left]")
        fields["sides"] = sides
    if "sets" in keys:
        fields["sets"] = r.scalar(keys["sets"], f"{path}.sets", parse_count)
    if "rest" in keys and isinstance(keys["rest"], yaml.SequenceNode):
        rests = _per_set(r, keys["rest"], f"{path}.rest", parse_rest)
        fields["rests"] = rests
        fields["rest_ms"] = rests[0] if rests else None
    elif "rest" in keys:
        fields["rest_ms"] = r.scalar(keys["rest"], f"{path}.rest", parse_rest)
    if "rest_after" in keys:
        fields["rest_after_ms"] = r.scalar(keys["rest_after"], f"{path}.rest_after", parse_rest)
    if "alternate" in keys:
        fields["alternate"] = r.scalar(keys["alternate"], f"{path}.alternate", _bool)
    fields["cues"] = _cues(r, keys["cues"], f"{path}.cues", routine_cues) if "cues" in keys else routine_cues
    steps: list[Step | None] = []
    if "steps" in keys:
        items = r.sequence(keys["steps"], f"{path}.steps")
        if not items and isinstance(keys["steps"], yaml.SequenceNode):
            r.problem(keys["steps"], f"{path}.steps", "is empty; add a hold, reps or say step")
        steps = [_step(r, item, f"{path}.steps[{i}]") for i, item in enumerate(items)]
        for i, (item, step) in enumerate(zip(items, steps, strict=True)):
            if isinstance(step, Hold) and step.then_continue:
                following = steps[i + 1] if i + 1 < len(steps) else None
                if not isinstance(following, Hold):
                    r.problem(item, f"{path}.steps[{i}].then", "continue needs a hold step right after it")
    if len(r.problems) > before or name is None:
        return None
    exercise = Exercise(name=name, steps=tuple(steps), **fields)  # type: ignore[arg-type]
    _check_placeholders(r, node, path, exercise)
    return exercise


def _texts(r: _Reader, node: yaml.Node, path: str) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode):
        text = r.text(node, path)
        return (text,) if text else ()
    return tuple(t for i, item in enumerate(r.sequence(node, path)) if (t := r.text(item, f"{path}[{i}]")))


def _step(r: _Reader, node: yaml.Node, path: str) -> Step | None:
    if not isinstance(node, yaml.MappingNode):
        r.problem(node, path, f"must be a step like {{hold: 20s, say: ...}}, got {_kind(node)}")
        return None
    present = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
    kinds = [k for k in ("hold", "reps") if k in present] or (["say"] if "say" in present else [])
    if len(kinds) != 1:
        what = "both 'hold' and 'reps'" if len(kinds) > 1 else "none of 'hold', 'reps' or 'say'"
        r.problem(node, path, f"has {what}; a step is one of hold: 20s, reps: 10 or say: text")
        return None
    kind = kinds[0]
    keys = r.mapping(node, path, (kind, "say") if kind != "say" else ("say",), STEP_KINDS[kind])
    if keys is None or "say" not in keys:
        return None
    say = r.text(keys["say"], f"{path}.say")
    if kind == "hold":
        options: dict[str, Any] = {}
        if isinstance(keys["hold"], yaml.SequenceNode):
            lengths = _per_set(r, keys["hold"], f"{path}.hold", parse_duration)
            options["per_set"] = lengths
            duration = lengths[0] if lengths else None
        else:
            span = r.scalar(keys["hold"], f"{path}.hold", parse_span)
            duration = span.medium if span else None
            if span and span.easy != span.hard:
                options["span"] = span
        if "count" in keys:
            counted = r.scalar(keys["count"], f"{path}.count", _choice(*HOLD_COUNTING))
            options["count_seconds"] = None if counted is None else counted == "seconds"
        if "countdown" in keys:
            options["countdown"] = r.scalar(keys["countdown"], f"{path}.countdown", _countdown)
        if "halfway" in keys:
            options["halfway_ms"] = r.scalar(keys["halfway"], f"{path}.halfway", _halfway)
        if "then" in keys:
            options["then_continue"] = r.scalar(keys["then"], f"{path}.then", _then)
        if not (say and duration) or None in options.values():
            return None
        return Hold(say, duration, **options)
    if kind == "say":
        pause = r.scalar(keys["pause"], f"{path}.pause", parse_duration) if "pause" in keys else 0
        return Say(say, pause) if say and pause is not None else None
    extra: dict[str, Any] = {}
    if isinstance(keys["reps"], yaml.SequenceNode):
        ladder = _per_set(r, keys["reps"], f"{path}.reps", parse_count)
        extra["per_set"] = tuple(c.medium for c in ladder)
        count = ladder[0] if ladder else None
    else:
        count = r.scalar(keys["reps"], f"{path}.reps", parse_count)
    if "count" in keys:
        extra["counting"] = r.scalar(keys["count"], f"{path}.count", _choice(*COUNTING))
        if extra["counting"] is None:
            return None
    if "tempo" not in keys:
        r.problem(node, path, "missing 'tempo'; list the phases of one rep, like [{say: up, for: 2s}]")
        return None
    if _misshapen_tempo(r, keys["tempo"], f"{path}.tempo"):
        return None
    phases = [
        _phase(r, item, f"{path}.tempo[{i}]")
        for i, item in enumerate(r.sequence(keys["tempo"], f"{path}.tempo"))
    ]
    if not phases and isinstance(keys["tempo"], yaml.SequenceNode):
        r.problem(keys["tempo"], f"{path}.tempo", "is empty; list the phases of one rep")
    if not (say and count and phases) or None in phases:
        return None
    return Reps(say, count, tuple(phases), **extra)  # type: ignore[arg-type]


def _per_set(r: _Reader, node: yaml.Node, path: str, convert: Callable[[Any], Any]) -> tuple[Any, ...]:
    """A value for each set in turn: `[5, 10, 15]` or `[20s, 30s, 40s]`."""
    values = tuple(r.scalar(item, f"{path}[{i}]", convert) for i, item in enumerate(r.sequence(node, path)))
    if not values:
        r.problem(node, path, "is empty; give a value, or one for each set in turn")
    return tuple(v for v in values if v is not None)


PHASE_SHAPE = "- {say: up, for: 2s}"


def _misshapen_tempo(r: _Reader, node: yaml.Node, path: str) -> bool:
    """One message for a tempo written as `{up: 2s}` or `- up: 2s`, showing its phases rewritten."""
    if isinstance(node, yaml.MappingNode):
        if {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)} & {"say", "for"}:
            fix = f"tempo: [{_flow(node)}]"
        else:
            fix = f"tempo: [{', '.join(_as_phase(k, v) for k, v in node.value)}]"
        r.problem(node, path, f"must be a list of phases, one per line like {PHASE_SHAPE}; write it as {fix}")
        return True
    if not isinstance(node, yaml.SequenceNode):
        return False
    shorthand = [
        item
        for item in node.value
        if isinstance(item, yaml.MappingNode)
        and not {k.value for k, _ in item.value if isinstance(k, yaml.ScalarNode)} & {"say", "for"}
        and all(isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode) for k, v in item.value)
    ]
    if not shorthand:
        return False
    rewritten = " and ".join(f"- {_as_phase(k, v)}" for item in shorthand for k, v in item.value)
    shape = f"a phase says a word for a time, like {PHASE_SHAPE}"
    r.problem(shorthand[0], path, f"{shape}; write {'it' if len(shorthand) == 1 else 'them'} as {rewritten}")
    return True


def _as_phase(key: yaml.Node, value: yaml.Node) -> str:
    """`up: 2s` -> `{say: up, for: 2s}`."""
    length = value.value if isinstance(value, yaml.ScalarNode) and value.value else "2s"
    return f"{{say: {key.value if isinstance(key, yaml.ScalarNode) else 'up'}, for: {length}}}"


def _flow(node: yaml.MappingNode) -> str:
    """`{say: up, for: 2s}` as the user wrote it, on one line."""
    pairs = (f"{k.value}: {v.value}" for k, v in node.value if isinstance(v, yaml.ScalarNode))
    return "{" + ", ".join(pairs) + "}"


def _phase(r: _Reader, node: yaml.Node, path: str) -> Phase | None:
    keys = r.mapping(node, path, ("say", "for"), ("count",))
    if keys is None or "say" not in keys or "for" not in keys:
        return None
    say = r.text(keys["say"], f"{path}.say")
    duration = r.scalar(keys["for"], f"{path}.for", parse_duration)
    counted = r.scalar(keys["count"], f"{path}.count", _choice(*HOLD_COUNTING)) if "count" in keys else "none"
    if not (say and duration and counted):
        return None
    return Phase(say, duration, count_seconds=counted == "seconds")


def _check_placeholders(r: _Reader, node: yaml.Node, path: str, exercise: Exercise) -> None:
    texts = [exercise.setup, exercise.switch, *(s.say for s in exercise.steps)]
    texts += [p.say for s in exercise.steps if isinstance(s, Reps) for p in s.tempo]
    for text in texts:
        for name in re.findall(r"\{([^{}]*)\}", text):
            if name not in PLACEHOLDERS:
                r.problem(
                    node, path, f"'{{{name}}}' in \"{text}\" is not a placeholder; use {{side}} or {{other}}"
                )
            elif not exercise.sides and text is not exercise.switch:
                r.problem(node, path, f"'{{{name}}}' needs 'sides', like sides: [right, left]")
