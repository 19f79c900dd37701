"""A page's schema.org HowTo data (JSON-LD): its steps as blocks, when the page declares them.

Pages built by scripts often show their steps only once a browser runs them; the HowTo they
declare for search engines holds the same steps as plain data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

MAX_JSON_CHARS = 500_000
MAX_DEPTH = 20
_SCRIPT_OPEN = re.compile(r"<script\b[^<>]*>", re.I)  # a try stops at the next "<": linear
_LD_TYPE = re.compile(r"type\s*=\s*[\"']?application/ld\+json\b", re.I)
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.I)


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds}


def _walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        if "HowTo" in _types(node):
            yield node
        for value in node.values():
            yield from _walk(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, depth + 1)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return re.sub(r"<[^<>]*>", " ", value).strip()  # a try stops at the next "<": linear
    if isinstance(value, dict):
        return _text(value.get("text") or value.get("name") or "")
    return ""


def _steps(node: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(name, text) of each step, sections' steps included, in order."""
    if depth > MAX_DEPTH:
        return
    items = node if isinstance(node, list) else [node]
    for item in items:
        if isinstance(item, str):
            yield "", _text(item)
        elif isinstance(item, dict):
            inner = item.get("itemListElement")
            kinds = _types(item)
            if "HowToSection" in kinds or (isinstance(inner, list) and "HowToStep" not in kinds):
                yield from _steps(inner or [], depth + 1)
            else:
                yield _text(item.get("name") or ""), _text(item.get("text") or item.get("description") or "")


def _scripts(page: str) -> Iterator[str]:
    """The text of each JSON-LD script; each end is looked for once, so the work is linear."""
    at = 0
    while opened := _SCRIPT_OPEN.search(page, at):
        closed = _SCRIPT_CLOSE.search(page, opened.end())
        if closed is None:
            return
        if _LD_TYPE.search(opened[0]):
            yield page[opened.end() : closed.start()]
        at = closed.end()


def howto(page: str) -> tuple[str, list[tuple[str, str]]]:
    """The first HowTo the page declares: its name and its steps' (name, text); empty if none."""
    for body in _scripts(page):
        if len(body) > MAX_JSON_CHARS:
            continue
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            continue
        for node in _walk(data):
            steps = [(n, t) for n, t in _steps(node.get("step") or []) if n or t]
            if steps:
                return _text(node.get("name") or ""), steps
    return "", []
