"""The YAML reader that collects every problem with its line and place, and the lines of keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from audioguide.routine.loader.keys import advice
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
        self,
        node: yaml.Node,
        path: str,
        required: tuple[str, ...],
        optional: tuple[str, ...],
        place: str = "",
    ) -> dict[str, yaml.Node] | None:
        """The keys of a mapping at `place` (a name in keys.PLACES), each unknown one reported
        as belonging elsewhere or with its near spelling."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(
                node, path, f"must be a mapping of keys to values, got {kind_of(node)}{dashes(node, path)}"
            )
            return None
        known = tuple(dict.fromkeys(required + optional))
        out: dict[str, yaml.Node] = {}
        suggested: set[str] = set()
        before: tuple[yaml.Node, yaml.Node] | None = None
        for key_node, value_node in node.value:
            pair, before = before, (key_node, value_node)
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            here = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str) or key_node.tag != "tag:yaml.org,2002:str":
                self.problem(key_node, path, f"keys must be plain words, got {kind_of(key_node)}")
            elif key in out:
                self.problem(key_node, here, "appears twice; keep one")
            elif key not in known and (hint := _unquoted(node, pair, key_node, value_node)):
                self.problem(key_node, here, hint)
            elif key not in known:
                message, close = advice(key, place, known)
                self.problem(key_node, here, message)
                suggested.update([close] if close else [])
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
        if isinstance(node, yaml.MappingNode) and node.flow_style:  # `say: {side}`: YAML's {...}
            written = ", ".join(k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode))
            name = path.rsplit(".", 1)[-1]
            fix = f'{name}: "{{{written}}}"'
            message = f"must be text, got a mapping; put text that starts with {{ in quotes: {fix}"
            self.problem(node, path, message)
            return None
        return self.scalar(node, path, as_text)

    def sequence(self, node: yaml.Node, path: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, path, f"must be a list, got {kind_of(node)}")
            return []
        for index, item in enumerate(node.value):
            self.lines[f"{path}[{index}]"] = item.start_mark.line + 1
        return node.value


def _unquoted(
    node: yaml.MappingNode, pair: tuple[yaml.Node, yaml.Node] | None, key: yaml.ScalarNode, value: yaml.Node
) -> str:
    """A comma in unquoted text inside `{...}` ends the text, and YAML reads what follows as a key
    with no value: `{say: Lift, lower}`. Say so, and how to quote it."""
    if not (node.flow_style and pair and isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null")):
        return ""
    name, text = pair
    if not (isinstance(name, yaml.ScalarNode) and isinstance(text, yaml.ScalarNode) and not text.style):
        return ""
    joined = f"{text.value}, {key.value}"
    return (
        f'unknown key; is "{key.value}" part of the text of {name.value}? Inside {{...}} a comma ends '
        f'an unquoted text: put the text in quotes, {name.value}: "{joined}"'
    )


def dashes(node: yaml.Node, path: str) -> str:
    """A hint for a list where an item of a list was expected: `- - name: A` has a '-' too many."""
    if isinstance(node, yaml.SequenceNode) and path.endswith("]"):
        return "; is there one '-' too many at the start of the line (- - ...)? Keep one"
    return ""


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
