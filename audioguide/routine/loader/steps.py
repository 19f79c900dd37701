"""Steps: holds, reps with their tempo phases, and spoken steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import yaml

from audioguide.routine.loader.keys import PHASE_KEYS, STEP_KINDS
from audioguide.routine.loader.reader import (
    Reader,
    dashes,
    kind_of,
)
from audioguide.routine.loader.values import (
    as_bool,
    as_countdown,
    as_halfway,
    as_then,
    as_until,
    one_of,
    parse_count,
    parse_duration,
    parse_span,
)
from audioguide.routine.model import (
    COUNTING,
    LEVELS,
    Count,
    Hold,
    Levels,
    Phase,
    Reps,
    Say,
    Step,
)

HOLD_COUNTING = ("seconds", "none")
T = TypeVar("T")


def read_step(r: Reader, node: yaml.Node, path: str) -> Step | None:
    if not isinstance(node, yaml.MappingNode):
        r.problem(
            node,
            path,
            f"must be a step like {{hold: 20s, say: ...}}, got {kind_of(node)}{dashes(node, path)}",
        )
        return None
    present = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
    kinds = [k for k in ("hold", "reps") if k in present] or (["say"] if "say" in present else [])
    if len(kinds) != 1:
        what = "both 'hold' and 'reps'" if len(kinds) > 1 else "none of 'hold', 'reps' or 'say'"
        r.problem(node, path, f"has {what}; a step is one of hold: 20s, reps: 10 or say: text")
        return None
    kind = kinds[0]
    required = (kind, "say") if kind != "say" else ("say",)
    keys = r.mapping(node, path, required, STEP_KINDS[kind], f"{kind} step")
    if keys is None or "say" not in keys:
        return None
    say = r.text(keys["say"], f"{path}.say")
    common: dict[str, Any] = {}
    if "say_last" in keys:
        common["say_last"] = r.text(keys["say_last"], f"{path}.say_last")
    if "countdown_in" in keys:
        common["countdown_in"] = r.scalar(keys["countdown_in"], f"{path}.countdown_in", as_countdown)
    if None in common.values():
        return None
    if kind == "hold":
        return _hold(r, keys, path, say, common)
    if kind == "say":
        pause = r.scalar(keys["pause"], f"{path}.pause", parse_duration) if "pause" in keys else 0
        return Say(say, pause, **common) if say and pause is not None else None
    extra: dict[str, Any] = dict(common)
    counts = by_level(r, keys["reps"], f"{path}.reps", lambda n, p: _counts(r, n, p))
    count = None
    if counts is not None and (lists := _as_lists(counts)):
        extra["per_set"] = lists
        count = Count(*(values[0] for values in (lists.easy, lists.medium, lists.hard)))
    elif counts is not None:
        count = Count(counts.easy, counts.medium, counts.hard)
    if "count" in keys:
        extra["counting"] = r.scalar(keys["count"], f"{path}.count", one_of(*COUNTING))
        if extra["counting"] is None:
            return None
    if "tempo" not in keys:
        r.problem(node, path, "missing 'tempo'; list the phases of one rep, like [{say: up, for: 2s}]")
        return None
    if _misshapen_tempo(r, keys["tempo"], f"{path}.tempo"):
        return None
    items = r.sequence(keys["tempo"], f"{path}.tempo")
    phases = [_phase(r, item, f"{path}.tempo[{i}]") for i, item in enumerate(items)]
    if not phases and isinstance(keys["tempo"], yaml.SequenceNode):
        r.problem(keys["tempo"], f"{path}.tempo", "is empty; list the phases of one rep")
    for i, phase in enumerate(phases[:-1]):
        if phase is not None and not phase.end_tone:
            where = f"{path}.tempo[{i}].end_tone"
            r.problem(items[i], where, "only the last phase of a rep ends the reps on a tone; remove it here")
            return None
    if not (say and count and phases) or None in phases:
        return None
    return Reps(say, count, tuple(phases), **extra)  # type: ignore[arg-type]


def _hold(r: Reader, keys: dict[str, yaml.Node], path: str, say: str | None, common: dict) -> Hold | None:
    options: dict[str, Any] = dict(common)
    lengths = by_level(r, keys["hold"], f"{path}.hold", lambda n, p: _lengths(r, n, p))
    duration = None
    if lengths is not None and (lists := _as_lists(lengths)):
        options["per_set"] = lists
        duration = lists.medium[0]
    elif lengths is not None:
        duration = lengths.medium
        if not lengths.easy == lengths.medium == lengths.hard:
            options["span"] = Count(lengths.easy, lengths.medium, lengths.hard)
    if "count" in keys:
        counted = r.scalar(keys["count"], f"{path}.count", one_of(*HOLD_COUNTING))
        options["count_seconds"] = None if counted is None else counted == "seconds"
    settings = {
        "countdown": ("countdown", as_countdown),
        "halfway_ms": ("halfway", as_halfway),
        "then_continue": ("then", as_then),
        "end_tone": ("end_tone", as_bool),
        "until_ready": ("until", as_until),
    }
    for option, (key, convert) in settings.items():
        if key in keys:
            options[option] = r.scalar(keys[key], f"{path}.{key}", convert)
    if not (say and duration) or None in options.values():
        return None
    return Hold(say, duration, **options)


def _as_lists(levels: Levels[Any]) -> Levels[tuple[int, ...]] | None:
    """Per-set lists for every level, if any level has one (a single value is a list of one)."""
    values = (levels.easy, levels.medium, levels.hard)
    if not any(isinstance(v, tuple) for v in values):
        return None
    return Levels(*(v if isinstance(v, tuple) else (v,) for v in values))


def is_levels(node: yaml.Node) -> bool:
    """Is it written per level: `{easy: ..., medium: ..., hard: ...}`?"""
    return isinstance(node, yaml.MappingNode) and any(
        isinstance(k, yaml.ScalarNode) and k.value in LEVELS for k, _ in node.value
    )


def by_level(
    r: Reader, node: yaml.Node, path: str, read: Callable[[yaml.Node, str], Levels[T] | None]
) -> Levels[T] | None:
    """A value as `read` reads it (a range spreads over the levels), or one written for each
    level: `{easy: [6, 6, 4], medium: [8, 8, 6], hard: [10, 10, 8]}`."""
    if not is_levels(node):
        return read(node, path)
    keys = r.mapping(node, path, LEVELS, (), "levels")
    if keys is None or any(level not in keys for level in LEVELS):
        return None
    values = []
    for level in LEVELS:
        value = read(keys[level], f"{path}.{level}")
        if value is None:
            return None
        if value.easy != value.hard:
            r.problem(keys[level], f"{path}.{level}", "is a range; give one value for each level")
            return None
        values.append(value.at(level))
    return Levels(*values)


def _lengths(r: Reader, node: yaml.Node, path: str) -> Levels[Any] | None:
    """A hold's length: a duration or range (ms per level), or a list, one per set."""
    if isinstance(node, yaml.SequenceNode):
        values = per_set(r, node, path, parse_duration)
        return Levels.fixed(values) if values and len(values) == len(node.value) else None
    return r.scalar(node, path, parse_span)


def _counts(r: Reader, node: yaml.Node, path: str) -> Levels[Any] | None:
    """A count or range, or a list, one per set, each a count or a range (a ladder per level)."""
    if isinstance(node, yaml.SequenceNode):
        counts = per_set(r, node, path, parse_count)
        if not counts or len(counts) != len(node.value):
            return None
        return Levels(*(tuple(c.at(level) for c in counts) for level in LEVELS))
    return r.scalar(node, path, parse_count)


def read_count(r: Reader, node: yaml.Node, path: str) -> Count | None:
    """A count, a range, or one count per level: sets, rounds."""
    levels = by_level(r, node, path, lambda n, p: r.scalar(n, p, parse_count))
    return None if levels is None else Count(levels.easy, levels.medium, levels.hard)


def per_set(r: Reader, node: yaml.Node, path: str, convert: Callable[[Any], Any]) -> tuple[Any, ...]:
    """A value for each set in turn: `[5, 10, 15]` or `[20s, 30s, 40s]`."""
    values = tuple(r.scalar(item, f"{path}[{i}]", convert) for i, item in enumerate(r.sequence(node, path)))
    if not values:
        r.problem(node, path, "is empty; give a value, or one for each set in turn")
    return tuple(v for v in values if v is not None)


PHASE_SHAPE = "- {say: up, for: 2s}"


def _misshapen_tempo(r: Reader, node: yaml.Node, path: str) -> bool:
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


def _phase(r: Reader, node: yaml.Node, path: str) -> Phase | None:
    keys = r.mapping(node, path, ("say", "for"), PHASE_KEYS, "phase")
    if keys is None or "say" not in keys or "for" not in keys:
        return None
    say = r.text(keys["say"], f"{path}.say")
    span = by_level(r, keys["for"], f"{path}.for", lambda n, p: r.scalar(n, p, parse_span))
    counted = r.scalar(keys["count"], f"{path}.count", one_of(*HOLD_COUNTING)) if "count" in keys else "none"
    end_tone = r.scalar(keys["end_tone"], f"{path}.end_tone", as_bool) if "end_tone" in keys else True
    if not (say and span and counted) or end_tone is None:
        return None
    levels = None if span.easy == span.medium == span.hard else Count(span.easy, span.medium, span.hard)
    return Phase(say, span.medium, counted == "seconds", levels, end_tone)
