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
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from audioguide.errors import RoutineError
from audioguide.phrases import base_language
from audioguide.routine.model import (
    LEVELS,
    MAX_COUNT,
    MAX_CUES,
    MAX_DURATION_MS,
    MAX_TEXT_CHARS,
    MAX_TRACK_MS,
    PLACEHOLDERS,
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
        known = required + optional
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


def _countdown(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise _Invalid(f"must be a whole number of seconds from 0 to 10, got {_show(value)}")
    return value


CUE_KEYS = ("countdown", "halfway", "get_ready", "switch_pause")
ROUTINE_KEYS = ("lang", "intro", "outro", "rest_between", "cues", "cover", "exercises")
EXERCISE_KEYS = (
    "purpose",
    "equipment",
    "setup",
    "sides",
    "switch",
    "sets",
    "rest",
    "rest_after",
    "cues",
    "steps",
)
STEP_KINDS = {"hold": ("say",), "reps": ("say", "tempo"), "say": ("pause",)}


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
    return replace(routine, source=source)


def _check_size(routine: Routine) -> str | None:
    """Refuse routines whose track would be too long, before any time is spent on them.

    Counts only the timed work, rests and pauses, and at most the cues each part brings,
    so the real track is at least this long; the longest level decides.
    """
    level = LEVELS[-1]  # counts grow from easy to hard
    total_ms = routine.rest_between_ms * (len(routine.exercises) - 1)
    cues = 0
    for exercise in routine.exercises:
        sets = exercise.sets.at(level)
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
        return step.duration_ms
    if isinstance(step, Reps):
        return step.count.at(level) * step.rep_ms
    return step.pause_ms


def _step_cues(step: Step, cues: CueSettings, level: str) -> int:
    """An upper bound on the sounds one step makes: its lead-in, tones, countdown, halfway."""
    if isinstance(step, Hold):
        return 4 + cues.countdown
    if isinstance(step, Reps):
        return 3 + step.count.at(level) * len(step.tempo)
    return 1


def load(path: str | Path) -> Routine:
    """Load a routine file."""
    return placed(loads(read_file(path), source=str(path)), Path(path))


def placed(loaded: Routine, path: Path) -> Routine:
    """A routine read from `path`, its cover named relative to that file, as a reader expects."""
    if loaded.cover:
        return replace(loaded, cover=str(path.parent / loaded.cover))
    return loaded


def read_file(path: str | Path) -> str:
    """A routine file's text, or a RoutineError saying why it cannot be read."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RoutineError([f"{path}: is {size:,} bytes; a routine file is at most 1 MB"])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RoutineError([f"{path}: no such file. Run `audioguide list` for built-in routines"]) from None
    except IsADirectoryError:
        raise RoutineError([f"{path}: is a directory, not a routine file"]) from None
    except OSError as exc:
        raise RoutineError([f"{path}: cannot be read: {exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RoutineError([f"{path}: is not UTF-8 text; save it as UTF-8"]) from None
    return text


# --- built-in routines ----------------------------------------------------------------


def builtin_names() -> list[str]:
    """The built-in routines; their translations (`feet-and-back.de`) are in `builtin_languages`."""
    return [name for name in _builtin_files() if TRANSLATION_MARK not in name]


def _builtin_files() -> list[str]:
    folder = resources.files("audioguide") / "routines"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_text(name: str) -> str:
    if name not in _builtin_files():
        raise RoutineError(
            [f"{name}: no such file or built-in routine. Built-in: {', '.join(builtin_names())}"]
        )
    return (resources.files("audioguide") / "routines" / f"{name}.yaml").read_text("utf-8")


def load_builtin(name: str) -> Routine:
    return loads(builtin_text(name), source=builtin_source(name))


DEFAULT_ROUTINE = "feet-and-back"
TRANSLATION_MARK = "."  # `feet-and-back.de` is feet-and-back in German


def builtin_languages(name: str) -> dict[str, str]:
    """A built-in routine's languages, each with the name of its version: {"en": "feet-and-back", ...}.

    A translation is a file beside the original named `<name>.<lang>.yaml`.
    """
    original = name.split(TRANSLATION_MARK)[0]
    found = {load_builtin(original).language: original}
    prefix = original + TRANSLATION_MARK
    found.update({n[len(prefix) :]: n for n in _builtin_files() if n.startswith(prefix)})
    return found


def localized(spec: str | None, lang: str | None) -> str | None:
    """The built-in `spec` (or the default) in `lang`, when it has been translated to it.

    A file, or a language the built-in lacks, leaves `spec` as it is.
    """
    if not lang or is_file_spec(spec):
        return spec
    name = spec or DEFAULT_ROUTINE
    if name not in _builtin_files():
        return spec  # resolving it gives the error
    versions = builtin_languages(name)
    return versions.get(lang.lower(), versions.get(base_language(lang), spec))


def resolve(spec: str | None) -> Routine:
    """A routine from a file path or a built-in name; the default built-in when None."""
    if is_file_spec(spec):
        return load(spec)
    return loads(*resolve_text(spec))


def is_file_spec(spec: str | None) -> bool:
    """Does the command line's ROUTINE name a file (rather than a built-in)?"""
    return spec is not None and (Path(spec).exists() or spec.endswith((".yaml", ".yml")) or "/" in spec)


def resolve_text(spec: str | None) -> tuple[str, str]:
    """The YAML text of a routine file or built-in, and the source name its errors use."""
    if spec is not None and is_file_spec(spec):
        return read_file(spec), str(Path(spec))
    name = spec or DEFAULT_ROUTINE
    return builtin_text(name), builtin_source(name)


def builtin_source(name: str) -> str:
    return f"{name}.yaml (built-in)"


# --- document structure ---------------------------------------------------------------


def _routine(r: _Reader, root: yaml.Node) -> Routine | None:
    keys = r.mapping(root, "", ("title", "exercises"), ROUTINE_KEYS)
    if keys is None:
        return None
    title = r.text(keys["title"], "title") if "title" in keys else None
    cues = _cues(r, keys["cues"], "cues", CueSettings()) if "cues" in keys else CueSettings()
    exercises: list[Exercise | None] = []
    if "exercises" in keys:
        items = r.sequence(keys["exercises"], "exercises")
        if not items and isinstance(keys["exercises"], yaml.SequenceNode):
            r.problem(keys["exercises"], "exercises", "is empty; add at least one exercise")
        exercises = [_exercise(r, item, f"exercises[{i}]", cues) for i, item in enumerate(items)]
        seen: set[str] = set()
        for i, (item, exercise) in enumerate(zip(items, exercises, strict=True)):
            if exercise is not None and exercise.slug in seen:
                r.problem(item, f"exercises[{i}].name", "is used by another exercise; names must differ")
            seen.add(exercise.slug if exercise else "")
    optional = {
        "intro": r.text(keys["intro"], "intro") if "intro" in keys else "",
        "outro": r.text(keys["outro"], "outro") if "outro" in keys else "",
        "cover": r.text(keys["cover"], "cover") if "cover" in keys else "",
        "lang": r.scalar(keys["lang"], "lang", _lang) if "lang" in keys else "",
        "rest_between": (
            r.scalar(keys["rest_between"], "rest_between", parse_duration)
            if "rest_between" in keys
            else 30_000
        ),
    }
    if r.problems or title is None or None in exercises or None in optional.values():
        return None
    return Routine(
        title=title,
        exercises=tuple(exercises),
        intro=optional["intro"],
        outro=optional["outro"],
        rest_between_ms=optional["rest_between"],
        cues=cues,
        cover=optional["cover"],
        lang=optional["lang"],
    )


def _cues(r: _Reader, node: yaml.Node, path: str, base: CueSettings) -> CueSettings:
    keys = r.mapping(node, path, (), CUE_KEYS)
    if keys is None:
        return base
    values = {
        "countdown": ("countdown", _countdown),
        "halfway": ("halfway", _bool),
        "get_ready_ms": ("get_ready", parse_duration),
        "switch_pause_ms": ("switch_pause", parse_duration),
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
    if "sides" in keys:
        sides = _texts(r, keys["sides"], f"{path}.sides")
        if len(sides) < 2 or len(set(sides)) != len(sides):
            r.problem(keys["sides"], f"{path}.sides", "needs two or more different sides, like [right, left]")
        fields["sides"] = sides
    if "sets" in keys:
        fields["sets"] = r.scalar(keys["sets"], f"{path}.sets", parse_count)
    for key, attr in (("rest", "rest_ms"), ("rest_after", "rest_after_ms")):
        if key in keys:
            fields[attr] = r.scalar(keys[key], f"{path}.{key}", parse_duration)
    fields["cues"] = _cues(r, keys["cues"], f"{path}.cues", routine_cues) if "cues" in keys else routine_cues
    steps: list[Step | None] = []
    if "steps" in keys:
        items = r.sequence(keys["steps"], f"{path}.steps")
        if not items and isinstance(keys["steps"], yaml.SequenceNode):
            r.problem(keys["steps"], f"{path}.steps", "is empty; add a hold, reps or say step")
        steps = [_step(r, item, f"{path}.steps[{i}]") for i, item in enumerate(items)]
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
        duration = r.scalar(keys["hold"], f"{path}.hold", parse_duration)
        return Hold(say, duration) if say and duration else None
    if kind == "say":
        pause = r.scalar(keys["pause"], f"{path}.pause", parse_duration) if "pause" in keys else 0
        return Say(say, pause) if say and pause is not None else None
    count = r.scalar(keys["reps"], f"{path}.reps", parse_count)
    if "tempo" not in keys:
        r.problem(node, path, "missing 'tempo'; list the phases of one rep, like [{say: up, for: 2s}]")
        return None
    phases = [
        _phase(r, item, f"{path}.tempo[{i}]")
        for i, item in enumerate(r.sequence(keys["tempo"], f"{path}.tempo"))
    ]
    if not phases and isinstance(keys["tempo"], yaml.SequenceNode):
        r.problem(keys["tempo"], f"{path}.tempo", "is empty; list the phases of one rep")
    if not (say and count and phases) or None in phases:
        return None
    return Reps(say, count, tuple(phases))  # type: ignore[arg-type]


def _phase(r: _Reader, node: yaml.Node, path: str) -> Phase | None:
    keys = r.mapping(node, path, ("say", "for"), ())
    if keys is None or len(keys) < 2:
        return None
    say = r.text(keys["say"], f"{path}.say")
    duration = r.scalar(keys["for"], f"{path}.for", parse_duration)
    return Phase(say, duration) if say and duration else None


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
