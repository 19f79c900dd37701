"""Steps: holds, reps with their tempo phases, and spoken steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from audioguide.routine.loader.keys import PHASE_KEYS, STEP_KINDS
from audioguide.routine.loader.reader import (
    Reader,
    dashes,
    kind_of,
)
from audioguide.routine.loader.values import (
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
    Hold,
    Phase,
    Reps,
    Say,
    Step,
)

HOLD_COUNTING = ("seconds", "none")


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
    if kind == "hold":
        options: dict[str, Any] = {}
        if isinstance(keys["hold"], yaml.SequenceNode):
            lengths = per_set(r, keys["hold"], f"{path}.hold", parse_duration)
            options["per_set"] = lengths
            duration = lengths[0] if lengths else None
        else:
            span = r.scalar(keys["hold"], f"{path}.hold", parse_span)
            duration = span.medium if span else None
            if span and span.easy != span.hard:
                options["span"] = span
        if "count" in keys:
            counted = r.scalar(keys["count"], f"{path}.count", one_of(*HOLD_COUNTING))
            options["count_seconds"] = None if counted is None else counted == "seconds"
        if "countdown" in keys:
            options["countdown"] = r.scalar(keys["countdown"], f"{path}.countdown", as_countdown)
        if "halfway" in keys:
            options["halfway_ms"] = r.scalar(keys["halfway"], f"{path}.halfway", as_halfway)
        if "then" in keys:
            options["then_continue"] = r.scalar(keys["then"], f"{path}.then", as_then)
        if "until" in keys:
            options["until_ready"] = r.scalar(keys["until"], f"{path}.until", as_until)
        if not (say and duration) or None in options.values():
            return None
        return Hold(say, duration, **options)
    if kind == "say":
        pause = r.scalar(keys["pause"], f"{path}.pause", parse_duration) if "pause" in keys else 0
        return Say(say, pause) if say and pause is not None else None
    extra: dict[str, Any] = {}
    if isinstance(keys["reps"], yaml.SequenceNode):
        ladder = per_set(r, keys["reps"], f"{path}.reps", parse_count)
        extra["per_set"] = tuple(c.medium for c in ladder)
        count = ladder[0] if ladder else None
    else:
        count = r.scalar(keys["reps"], f"{path}.reps", parse_count)
    if "count" in keys:
        extra["counting"] = r.scalar(keys["count"], f"{path}.count", one_of(*COUNTING))
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
    duration = r.scalar(keys["for"], f"{path}.for", parse_duration)
    counted = r.scalar(keys["count"], f"{path}.count", one_of(*HOLD_COUNTING)) if "count" in keys else "none"
    if not (say and duration and counted):
        return None
    return Phase(say, duration, count_seconds=counted == "seconds")
