"""The phrase templates' own small language: `{name}` or `{name:form}`, and nothing else.

A template is text with placeholders. A placeholder is a field name in braces, with an
optional form from a fixed set (`{n:feminine}`, `{n:ordinal}`, `{cue:capital}`); `{{` and
`}}` are literal braces. There are no format specifications, no attribute or index access
and no conversions: a template someone shared can only put the tool's own values in
place. Parsing is one pass over the text, and a template is parsed once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

ORDINAL = "ordinal"  # the number form num2words makes itself ("first", "erste")
CAPITAL = "capital"  # `{cue:capital}`: a text with its first letter a capital
# Every form a placeholder may ask for: the two above and the names the catalogues list
# under `number_forms` (a form a language does not define leaves its numbers as they are).
FORMS = (CAPITAL, ORDINAL, "feminine", "masculine", "before_noun")
_NAME = re.compile(r"[a-z][a-z_]*")
# In one pass: an escaped brace, a whole placeholder, or a brace that belongs to neither.
_TOKEN = re.compile(r"\{\{|\}\}|\{[^{}]*\}|[{}]")
_SHOWN = 40  # characters of a bad placeholder quoted in a message
_PARSED_KEPT = 1024  # parsed templates remembered for the catalogues and routines in use


class TemplateError(ValueError):
    """A template that is not in the placeholder language; its text says where and why."""


@dataclass(frozen=True)
class Field:
    name: str
    form: str = ""


@dataclass(frozen=True)
class Template:
    source: str
    parts: tuple[str | Field, ...]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(p.name for p in self.parts if isinstance(p, Field))

    def __str__(self) -> str:
        return self.source


def parse(text: str) -> Template:
    """`"Next up: {name}."` -> its parts; a `TemplateError` for anything else in braces."""
    parts: list[str | Field] = []
    literal: list[str] = []
    at = 0
    for token in _TOKEN.finditer(text):
        literal.append(text[at : token.start()])
        at = token.end()
        if token[0] in ("{{", "}}"):
            literal.append(token[0][0])
        elif token[0] == "}":
            raise TemplateError(
                f"'}}' at character {token.start() + 1} closes no placeholder; write }}}} for a brace"
            )
        elif token[0] == "{":
            end = text.find("}", at)
            if end < 0:
                raise TemplateError(
                    f"'{{' at character {token.start() + 1} is never closed; end the placeholder "
                    "with }, or write {{ for a brace"
                )
            raise TemplateError(
                f"{_shown(text[token.start() : end + 1])} holds another '{{'; placeholders cannot be nested"
            )
        else:
            _flush(literal, parts)
            parts.append(_field(token[0][1:-1]))
    literal.append(text[at:])
    _flush(literal, parts)
    return Template(text, tuple(parts))


def _flush(literal: list[str], parts: list[str | Field]) -> None:
    if joined := "".join(literal):
        parts.append(joined)
    literal.clear()


@lru_cache(maxsize=_PARSED_KEPT)
def parsed(text: str) -> Template:
    """`parse`, remembered: a catalogue's templates are parsed once, not at every phrase."""
    return parse(text)


def _field(inside: str) -> Field:
    name, colon, form = inside.partition(":")
    if not _NAME.fullmatch(name):
        raise TemplateError(
            f"{_shown('{' + inside + '}')} is not a placeholder; a placeholder is a name in braces "
            "such as {name}, with an optional form such as {name:capital}"
        )
    if colon and form not in FORMS:
        raise TemplateError(
            f"{_shown('{' + inside + '}')} asks for a form audioguide does not know; "
            f"write {{{name}}}, or one of the forms {', '.join(FORMS)}, like {{{name}:{CAPITAL}}}"
        )
    return Field(name, form)


def _shown(placeholder: str) -> str:
    if len(placeholder) > _SHOWN:
        placeholder = placeholder[: _SHOWN - 4] + "...}"
    return f"'{placeholder}'"
