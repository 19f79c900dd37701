"""Overrides from the command line: new rep counts, holds, sets, rests or any key, without editing a file.

An override edits the routine's document (its parsed YAML), and the edited document goes
through the same strict loader as a file. So a bad value gets the loader's own message,
prefixed with the override that caused it, and inheritance stays right: `--set
cues.countdown=2` reaches every exercise that does not set its own countdown.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from audioguide import routine
from audioguide.cues import counted
from audioguide.errors import OverrideError, RoutineError
from audioguide.routine import Count, Hold, Reps, Routine, slugify

REPS, SETS, HOLD, REST, SET = "reps", "sets", "hold", "rest", "set"
KINDS = (REPS, SETS, HOLD, REST, SET)
FORMS = {
    REPS: "EXERCISE[.STEP]=N, like heel-raises=12 or heel-raises=10-20",
    SETS: "EXERCISE=N, like toe-walking=3",
    HOLD: "EXERCISE[.STEP]=DURATION, like toe-walking=30s or toe-curls.2=15s",
    REST: "EXERCISE=DURATION, like toe-walking=20s",
    SET: "PATH=VALUE, like rest_between=20s, cues.countdown=5 or heel-raises.rest_after=45s",
}
TOP_KEYS = ("title", *routine.ROUTINE_KEYS)
_EDITED = "<customized>"  # the source name of the edited document; stripped from messages
_LOCATION = re.compile(rf"^{re.escape(_EDITED)}(?::\d+)?: ?")
_PLACE = re.compile(r"^([\w\[\].-]+): ")
_SEGMENT = re.compile(r"([A-Za-z_]\w*)((?:\[\d+\])*)")
MAX_VALUE_DEPTH = 20  # as the loader's MAX_DEPTH: no routine nests deeper
MAX_NUMBER_DIGITS = 6  # an exercise or step number; more digits name nothing
MAX_INDEX = 10**MAX_NUMBER_DIGITS  # stands for an index too large to exist


@dataclass(frozen=True)
class Override:
    """One change asked for on the command line, as typed: `--reps heel-raises=12`."""

    kind: str
    target: str
    value: str

    def __str__(self) -> str:
        return f"--{self.kind} {self.target}={self.value}"


@dataclass(frozen=True)
class Customized:
    """A routine with overrides applied, and the changes in words for its name and title."""

    routine: Routine
    changes: tuple[str, ...]  # e.g. ("heel-raises reps 12",), exercises always by slug

    @property
    def description(self) -> str:
        return ", ".join(self.changes)


def parse(kind: str, text: str) -> Override:
    """`heel-raises=12` given to --reps -> Override("reps", "heel-raises", "12")."""
    if kind not in KINDS:
        raise ValueError(f"unknown override kind {kind!r}")
    if any(unicodedata.category(c) in ("Cs", "Cc") for c in text):
        # A lone surrogate is how Python passes bytes that are not UTF-8 on the command line.
        shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)
        raise OverrideError(
            [f"--{kind} {shown}: holds control characters or bytes that are not UTF-8 text; type it again"]
        )
    target, sep, value = (part.strip() for part in text.partition("="))
    if not (sep and target and value):
        raise OverrideError(
            [f"--{kind} {text}: is not {FORMS[kind].split(',')[0]}. Write it as {FORMS[kind]}"]
        )
    return Override(kind, target, value)


def customize(text: str, source: str, overrides: Sequence[Override] = ()) -> Customized:
    """Load routine text and apply the overrides; every problem names its override."""
    base = routine.loads(text, source)
    if not overrides:
        return Customized(base, ())
    document = _unshared(yaml.safe_load(text))
    edits = [_apply(document, base, override) for override in overrides]
    edited = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    try:
        custom = routine.loads(edited, source=_EDITED)
    except RoutineError as exc:
        raise OverrideError([_blame(problem, edits) for problem in exc.problems]) from None
    for edit in edits:
        _check_effect(custom, edit)
    return Customized(replace(custom, source=source), tuple(edit.change for edit in edits))


def resolve(spec: str | None, overrides: Sequence[Override] = ()) -> Customized:
    """A routine file or built-in (as `routine.resolve` finds it) with the overrides applied."""
    custom = customize(*routine.resolve_text(spec), overrides)
    if spec is not None and routine.is_file_spec(spec):
        return replace(custom, routine=routine.placed(custom.routine, Path(spec)))
    return custom


def from_options(options: dict[str, Sequence[str]]) -> tuple[Override, ...]:
    """Overrides from the command line's values: {"reps": ["heel-raises=12"], ...}."""
    return tuple(parse(kind, text) for kind in KINDS for text in options.get(kind, ()))


def find_exercise(loaded: Routine, target: str, override: Override | None = None) -> int:
    """The index of the exercise named by number (from 1), slug or name."""
    exercises = loaded.exercises
    if (number := _number(target)) is not None and 1 <= number <= len(exercises):
        return number - 1
    wanted = slugify(target)
    for index, exercise in enumerate(exercises):
        if exercise.slug == wanted or exercise.name.casefold() == target.casefold():
            return index
    slugs = [e.slug for e in exercises]
    close = difflib.get_close_matches(wanted, slugs, n=1, cutoff=0.6)
    hint = f"Did you mean {close[0]}? " if close else ""
    choices = ", ".join(f"{i} {slug}" for i, slug in enumerate(slugs, 1))
    prefix = f"{override}: " if override else ""
    raise OverrideError(
        [
            f"{prefix}no exercise '{target}' in {loaded.title}. {hint}"
            f"Name one by number, slug or name: {choices}"
        ]
    )


# --- applying one override ---------------------------------------------------------


@dataclass(frozen=True)
class _Edit:
    override: Override
    places: tuple[str, ...]  # document places written, as the loader names them
    change: str  # the change in words, for the track's name and title
    exercise: int | None = None


def _apply(document: Any, base: Routine, override: Override) -> _Edit:
    if override.kind == SET:
        return _set_path(document, base, override)
    value = _yaml_value(override.value, override)
    if override.kind in (REPS, HOLD):
        index, step = _exercise_and_step(base, override)
        exercise = base.exercises[index]
        steps = _steps_of_kind(exercise, override, step)
        for number in steps:
            _exercise_node(document, base, index)["steps"][number - 1][override.kind] = value
        places = tuple(f"{base.place_of(index)}.steps[{n - 1}].{override.kind}" for n in steps)
        where = exercise.slug if step is None else f"{exercise.slug}.{step}"
        return _Edit(override, places, f"{where} {override.kind} {override.value}", index)
    index = find_exercise(base, override.target, override)
    node = _exercise_node(document, base, index)
    key = _as_written(node, override.kind)
    node[key] = value
    slug = base.exercises[index].slug
    place = f"{base.place_of(index)}.{key}"
    return _Edit(override, (place,), f"{slug} {override.kind} {override.value}", index)


def _exercise_and_step(base: Routine, override: Override) -> tuple[int, int | None]:
    """`toe-curls` -> (4, None); `toe-curls.2` -> (4, 2): step numbers count from 1."""
    try:
        return find_exercise(base, override.target, override), None
    except OverrideError:
        head, dot, step = override.target.rpartition(".")
        if not (dot and (number := _number(step)) is not None):
            raise
    index = find_exercise(base, head, override)
    count = len(base.exercises[index].steps)
    if not 1 <= number <= count:
        raise OverrideError(
            [f"{override}: {base.exercises[index].slug} has steps 1 to {count}, not {step}"]
        ) from None
    return index, number


def _steps_of_kind(exercise: routine.Exercise, override: Override, step: int | None) -> list[int]:
    """The numbers (from 1) of the exercise's hold or reps steps that the override changes."""
    kind = Hold if override.kind == HOLD else Reps
    matching = [n for n, s in enumerate(exercise.steps, 1) if isinstance(s, kind)]
    other = "--reps" if override.kind == HOLD else "--hold"
    if not matching:
        raise OverrideError(
            [
                f"{override}: {exercise.slug} has no {override.kind} steps. "
                f"Use {other}, or --set {exercise.slug}.steps[N].KEY=VALUE"
            ]
        )
    if step is None:
        return matching
    if step not in matching:
        raise OverrideError(
            [
                f"{override}: step {step} of {exercise.slug} is not a {override.kind} step. "
                f"Its {override.kind} steps are: {', '.join(map(str, matching))}"
            ]
        )
    return [step]


def _set_path(document: Any, base: Routine, override: Override) -> _Edit:
    """`--set exercises[2].sets=3`, `--set cues.countdown=5`, `--set heel-raises.rest_after=45s`."""
    first, dot, rest = override.target.partition(".")
    keys: list[str | int] = []
    change = override.target
    head = _SEGMENT.fullmatch(first)
    if head is None or head[1] not in TOP_KEYS:
        index = _find_for_set(base, first, override)
        if not rest:
            raise OverrideError(
                [f"{override}: name a key of the exercise too, like {first}.sets={override.value}"]
            )
        keys = _exercise_keys(base, index)
        change = f"{base.exercises[index].slug}.{rest}"
        first, dot, rest = rest.partition(".")
    for part in [first, *rest.split(".")] if dot else [first]:
        match = _SEGMENT.fullmatch(part)
        if match is None:
            raise OverrideError(
                [
                    f"{override}: '{part}' is not a key. Write a path as validate shows it, "
                    "like exercises[2].sets, or start with an exercise: heel-raises.rest"
                ]
            )
        keys.append(match[1])
        keys.extend(_index(i) for i in re.findall(r"\[(\d+)\]", match[2]))
    keys[-1] = _put(document, keys, _yaml_value(override.value, override), override)
    return _Edit(override, (_place(keys),), f"{change}={override.value}")


def _exercise_keys(base: Routine, index: int) -> list[str | int]:
    """Where exercise `index` is in the document: ["exercises", 2], or inside a circuit."""
    keys: list[str | int] = []
    for name, number in re.findall(r"(\w+)\[(\d+)\]", base.place_of(index)):
        keys += [name, int(number)]
    return keys


def _exercise_node(document: Any, base: Routine, index: int) -> Any:
    node = document
    for key in _exercise_keys(base, index):
        node = node[key]
    return node


def _find_for_set(base: Routine, first: str, override: Override) -> int:
    try:
        return find_exercise(base, first, override)
    except OverrideError as exc:
        keys = ", ".join(TOP_KEYS)
        raise OverrideError([f"{exc.problems[0]}; or start the path with one of: {keys}"]) from None


def _put(document: Any, keys: list[str | int], value: Any, override: Override) -> str | int:
    """Write the value at the place; the last key as written (`rounds` where the exercise says so)."""
    node = document
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        place = _place(keys[: depth + 1])
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                size = counted(len(node) if isinstance(node, list) else 0, "item")
                raise OverrideError(
                    [f"{override}: {place} does not exist; {_place(keys[:depth]) or 'it'} has {size}"]
                )
        elif not isinstance(node, dict):
            raise OverrideError([f"{override}: {_place(keys[:depth])} is not a mapping, so has no '{key}'"])
        elif not last and key not in node:
            node[key] = {}  # e.g. `cues` when the exercise had none; the loader checks the key
        if not last:
            node = node[key]
    written = _as_written(node, keys[-1]) if isinstance(keys[-1], str) else keys[-1]
    node[written] = value
    return written


def _as_written(node: dict[str, Any], key: str) -> str:
    """The word an exercise already uses for `key`: `rounds` for sets where it writes rounds, so an
    override replaces the count rather than adding a second one; a circuit's rounds stay its own."""
    if "circuit" in node:
        return key
    for word, meant in routine.EXERCISE_SYNONYMS.items():
        if key in (word, meant):
            return next((k for k in (meant, word) if k in node), key)
    return key


def _place(keys: list[str | int]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def _unshared(node: Any) -> Any:
    """A copy in which no two places share a mapping or list, as YAML aliases (`*step`) make
    them do: an override of one place must never change another."""
    if isinstance(node, dict):
        return {key: _unshared(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_unshared(item) for item in node]
    return node


def _yaml_value(text: str, override: Override | None = None) -> Any:
    """The value as YAML reads it, so `12` is a number and `[right, left]` a list.

    A value nested deeper than any routine is (`[[[[...]]]]`) is an error, not a crash.
    """
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    except (RecursionError, ValueError, OverflowError):
        value = None
        deep = True
    else:
        deep = _too_deep(value)
    if deep:
        raise OverrideError(
            [
                f"{override or text}: the value is nested too deeply; "
                f"a routine nests at most {MAX_VALUE_DEPTH} levels"
            ]
        )
    return value


def _too_deep(value: Any) -> bool:
    """Is `value` nested deeper than MAX_VALUE_DEPTH? Found without recursion, which it would exhaust."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_VALUE_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return False


def _index(text: str) -> int:
    """A list index from `[N]`; one too large to exist for a number of many digits."""
    number = _number(text)
    return MAX_INDEX if number is None else number


def _number(text: str) -> int | None:
    """`3` -> 3; None for anything but a plain whole number in ASCII digits (`²`, `٣`, 5000 digits)."""
    if text.isascii() and text.isdigit() and len(text) <= MAX_NUMBER_DIGITS:
        return int(text)
    return None


def _blame(problem: str, edits: list[_Edit]) -> str:
    """A loader problem in the edited document, said in terms of the override behind it."""
    problem = _LOCATION.sub("", problem)
    match = _PLACE.match(problem)
    place = match[1] if match else ""
    for edit in edits:
        if any(_related(place, written) for written in edit.places):
            return f"{edit.override}: {problem}"
    return f"with the overrides: {problem}"


def _related(a: str, b: str) -> bool:
    """Is one place inside the other (or the same)?"""
    return bool(a) and any(x == y or x.startswith((y + ".", y + "[")) for x, y in ((a, b), (b, a)))


def _check_effect(custom: Routine, edit: _Edit) -> None:
    """An override that would change nothing is a mistake worth saying out loud."""
    if edit.override.kind != REST or edit.exercise is None:
        return
    exercise = custom.exercises[edit.exercise]
    if exercise.sets == Count.fixed(1):
        raise OverrideError(
            [
                f"{edit.override}: {exercise.slug} has one round, so no rest between rounds. "
                f"For the rest before the next exercise use --set {exercise.slug}.rest_after="
                f"{edit.override.value}, or add rounds with --sets {exercise.slug}=N"
            ]
        )
