"""Spoken text is prepared by small pure `str -> str` functions, applied in order.

The phrase cache key is computed after them, so two spellings that are spoken the
same way share one cache entry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from audioguide import words

Preparer = Callable[[str], str]

_UNITS = {"s": "second", "sec": "second", "m": "minute", "min": "minute"}


def normalize_unicode(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def straighten_quotes(text: str) -> str:
    return text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))


def expand_units(text: str) -> str:
    """ "20s" -> "20 seconds", so no engine reads it as "twenty ess"."""

    def spoken(match: re.Match[str]) -> str:
        n, unit = int(match[1]), _UNITS[match[2]]
        return f"{n} {unit}{'' if n == 1 else 's'}"

    return re.sub(r"\b(\d+)\s?(sec|min|s|m)\b", spoken, text)


def numbers_to_words(text: str) -> str:
    """Whole numbers as words: engines differ in how they read digits; words they agree on."""
    return re.sub(r"\b\d{1,6}\b", lambda m: words.number(int(m[0])), text)


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


PREPARERS: tuple[Preparer, ...] = (
    normalize_unicode,
    straighten_quotes,
    expand_units,
    numbers_to_words,
    collapse_whitespace,
)


def prepare(text: str, preparers: tuple[Preparer, ...] = PREPARERS) -> str:
    for step in preparers:
        text = step(text)
    return text
