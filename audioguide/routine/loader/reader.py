"""The YAML reader that collects every problem with its line and place, and the lines of keys."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import yaml

from audioguide.routine.loader.values import (
    Invalid,
    as_text,
    quoted,
)


class Reader:
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
            self.problem(node, path, f"must be a mapping of keys to values, got {kind_of(node)}")
            return None
        known = tuple(dict.fromkeys(required + optional))
        out: dict[str, yaml.Node] = {}
        suggested: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            here = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str) or key_node.tag != "tag:yaml.org,2002:str":
                self.problem(key_node, path, f"keys must be plain words, got {kind_of(key_node)}")
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
            self.problem(node, path, f"must be a single value, got {kind_of(node)}")
            return None
        try:
            return convert(_construct(node))
        except Invalid as exc:
            self.problem(node, path, str(exc))
            return None

    def text(self, node: yaml.Node, path: str) -> str | None:
        return self.scalar(node, path, as_text)

    def sequence(self, node: yaml.Node, path: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, path, f"must be a list, got {kind_of(node)}")
            return []
        for index, item in enumerate(node.value):
            self.lines[f"{path}[{index}]"] = item.start_mark.line + 1
        return node.value


def kind_of(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return quoted(_construct(node))


def _construct(node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader("").construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError):
        return node.value
