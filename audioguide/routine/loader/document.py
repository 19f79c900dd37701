"""The document's structure: the routine, its circuits, cues, exercises and placeholders."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import yaml

from audioguide.phrases import phrasebook
from audioguide.phrases.template import Template, TemplateError, parse, parsed
from audioguide.routine.loader.keys import (
    CIRCUIT_KEYS,
    EXERCISE_KEYS,
    EXERCISE_SYNONYMS,
    PLACES,
    ROUTINE_KEYS,
)
from audioguide.routine.loader.reader import (
    Reader,
)
from audioguide.routine.loader.steps import (
    by_level,
    per_set,
    read_count,
    read_step,
)
from audioguide.routine.loader.values import (
    as_bool,
    as_countdown,
    as_halfway,
    as_lang,
    parse_duration,
    parse_rest,
)
from audioguide.routine.model import (
    MAX_TEXT_CHARS,
    PLACEHOLDERS,
    ROUND_PHRASES,
    ROUND_PLACEHOLDERS,
    Circuit,
    Count,
    CueSettings,
    Exercise,
    Hold,
    Levels,
    Reps,
    Routine,
    Step,
)


def read_routine(r: Reader, root: yaml.Node) -> Routine | None:
    keys = r.mapping(root, "", ("title", "exercises"), ROUTINE_KEYS, "routine")
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
        "music": r.text(keys["music"], "music") if "music" in keys else "",
        "lang": r.scalar(keys["lang"], "lang", as_lang) if "lang" in keys else "",
        "phrases": _phrases(r, keys["phrases"], "phrases") if "phrases" in keys else (),
        "rest_between": (
            r.scalar(keys["rest_between"], "rest_between", parse_rest) if "rest_between" in keys else 30_000
        ),
    }
    for key in ("intro", "outro", "safety"):
        if key in keys:
            _unfilled(r, keys[key], key, optional[key])
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
        music=optional["music"],
        lang=optional["lang"],
        phrases=optional["phrases"],
    )


def _phrases(r: Reader, node: yaml.Node, path: str) -> tuple[tuple[str, Template], ...] | None:
    """The routine's own words for the tool's fixed phrases, by phrasebook key, parsed once."""
    book = phrasebook()
    keys = r.mapping(node, path, (), tuple(k for k, v in book.entries.items() if isinstance(v, str)))
    if keys is None:
        return None
    out = []
    for key, value in keys.items():
        text = r.text(value, f"{path}.{key}")
        if text is None:
            return None
        try:
            template = parse(text)
        except TemplateError as exc:
            r.problem(value, f"{path}.{key}", str(exc))
            return None
        wanted = parsed(book.entries[key]).fields
        if key in ROUND_PHRASES:
            wanted |= set(ROUND_PLACEHOLDERS)
        if unknown := sorted(template.fields - wanted):
            allowed = ", ".join(f"{{{w}}}" for w in sorted(wanted)) or "none"
            r.problem(value, f"{path}.{key}", f"'{{{unknown[0]}}}' is not known here; allowed: {allowed}")
            return None
        out.append((key, template))
    return tuple(out)


def _is_circuit(node: yaml.Node) -> bool:
    return isinstance(node, yaml.MappingNode) and any(
        isinstance(k, yaml.ScalarNode) and k.value == "circuit" for k, _ in node.value
    )


def _circuit(
    r: Reader,
    node: yaml.Node,
    path: str,
    cues: CueSettings,
    exercises: list[Exercise | None],
    places: list[str],
) -> Circuit | None:
    """A circuit: its exercises join the routine's list; the circuit says which and how often."""
    first = len(exercises)
    keys = r.mapping(node, path, ("circuit", "exercises"), CIRCUIT_KEYS, "circuit")
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
    rounds = read_count(r, keys["rounds"], f"{path}.rounds") if "rounds" in keys else Count.fixed(1)
    rest = r.scalar(keys["rest"], f"{path}.rest", parse_rest) if "rest" in keys else 60_000
    between = -1
    if "rest_between" in keys:
        between = r.scalar(keys["rest_between"], f"{path}.rest_between", parse_rest)
    phrases = _phrases(r, keys["phrases"], f"{path}.phrases") if "phrases" in keys else ()
    if name is None or rounds is None or rest is None or between is None or phrases is None:
        return None
    count = len(exercises) - first
    return Circuit(name, first, count, rounds, rest, None if between < 0 else between, phrases)


def _cues(r: Reader, node: yaml.Node, path: str, base: CueSettings) -> CueSettings:
    place = "routine cues" if path == "cues" else "exercise cues"
    keys = r.mapping(node, path, (), PLACES[place].keys, place)
    if keys is None:
        return base
    values = {
        "countdown": ("countdown", as_countdown),
        "countdown_in": ("countdown_in", as_countdown),
        "halfway_ms": ("halfway", as_halfway),
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


def _exercise(r: Reader, node: yaml.Node, path: str, routine_cues: CueSettings) -> Exercise | None:
    before = len(r.problems)
    keys = r.mapping(node, path, ("name", "steps"), EXERCISE_KEYS, "exercise")
    if keys is None:
        return None
    name = r.text(keys["name"], f"{path}.name") if "name" in keys else None
    fields: dict[str, Any] = {}
    for key in ("purpose", "setup", "switch"):
        if key in keys:
            fields[key] = r.text(keys[key], f"{path}.{key}")
    if "purpose" in keys:
        _unfilled(r, keys["purpose"], f"{path}.purpose", fields["purpose"])
    if "equipment" in keys:
        fields["equipment"] = _texts(r, keys["equipment"], f"{path}.equipment")
        _unfilled(r, keys["equipment"], f"{path}.equipment", " ".join(fields["equipment"]))
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
    for word, meant in EXERCISE_SYNONYMS.items():
        if word in keys and meant in keys:
            r.problem(keys[word], f"{path}.{word}", f"means {meant}; write {word} or {meant}, not both")
    for key in ("sets", "rounds"):  # rounds: what the track calls sets ("Round two of three")
        if key in keys:
            fields["sets"] = read_count(r, keys[key], f"{path}.{key}")
    if "rest" in keys:
        rests = by_level(r, keys["rest"], f"{path}.rest", lambda n, p: _rests(r, n, p))
        fields["rest_ms"] = None if rests is None else _listed(rests.medium)[0]
        one = rests is None or (isinstance(rests.medium, int) and rests.easy == rests.medium == rests.hard)
        if rests is not None and not one:
            fields["rests"] = Levels(*(_listed(v) for v in (rests.easy, rests.medium, rests.hard)))
    if "rest_after" in keys:
        fields["rest_after_ms"] = r.scalar(keys["rest_after"], f"{path}.rest_after", parse_rest)
    if "phrases" in keys:
        fields["phrases"] = _phrases(r, keys["phrases"], f"{path}.phrases")
    if "alternate" in keys:
        fields["alternate"] = r.scalar(keys["alternate"], f"{path}.alternate", as_bool)
    fields["cues"] = _cues(r, keys["cues"], f"{path}.cues", routine_cues) if "cues" in keys else routine_cues
    steps: list[Step | None] = []
    if "steps" in keys:
        items = r.sequence(keys["steps"], f"{path}.steps")
        if not items and isinstance(keys["steps"], yaml.SequenceNode):
            r.problem(keys["steps"], f"{path}.steps", "is empty; add a hold, reps or say step")
        steps = [read_step(r, item, f"{path}.steps[{i}]") for i, item in enumerate(items)]
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


def _rests(r: Reader, node: yaml.Node, path: str) -> Levels[int | tuple[int, ...]] | None:
    """A rest, or a list of them, one after each set in turn."""
    if isinstance(node, yaml.SequenceNode):
        values = per_set(r, node, path, parse_rest)
        return Levels.fixed(values) if values and len(values) == len(node.value) else None
    value = r.scalar(node, path, parse_rest)
    return None if value is None else Levels.fixed(value)


def _listed(value: int | tuple[int, ...]) -> tuple[int, ...]:
    return value if isinstance(value, tuple) else (value,)


def _texts(r: Reader, node: yaml.Node, path: str) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode):
        text = r.text(node, path)
        return (text,) if text else ()
    return tuple(t for i, item in enumerate(r.sequence(node, path)) if (t := r.text(item, f"{path}[{i}]")))


def _unfilled(r: Reader, node: yaml.Node, path: str, text: str | None) -> None:
    """`{side}` and `{other}` are filled only where a side is known: elsewhere they would be
    spoken as they are written."""
    for name in PLACEHOLDERS + ROUND_PLACEHOLDERS:
        if text and f"{{{name}}}" in text:
            what = "round" if name in ROUND_PLACEHOLDERS else "side"
            fix = f"name the {what} in setup, switch or a step's say"
            r.problem(node, path, f"'{{{name}}}' is not filled in here; {fix}")


def _check_placeholders(r: Reader, node: yaml.Node, path: str, exercise: Exercise) -> None:
    texts = [exercise.setup, exercise.switch, *(s.say for s in exercise.steps)]
    texts += [s.say_last for s in exercise.steps if s.say_last]
    texts += [p.say for s in exercise.steps if isinstance(s, Reps) for p in s.tempo]
    for text in texts:
        for name in re.findall(r"\{([^{}]*)\}", text):
            if name in ROUND_PLACEHOLDERS:
                continue
            if name not in PLACEHOLDERS:
                r.problem(
                    node,
                    path,
                    f"'{{{name}}}' in \"{text}\" is not a placeholder; use {{side}}, {{other}}, {{round}} "
                    "or {rounds}",
                )
            elif not exercise.sides and text is not exercise.switch:
                r.problem(node, path, f"'{{{name}}}' needs 'sides', like sides: [right, left]")
