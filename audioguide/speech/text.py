"""Spoken text is prepared by small pure `str -> str` functions, applied in order.

The phrase cache key is computed after them, so two spellings that are spoken the
same way share one cache entry. Numbers and units become words of the voice's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, partial

from audioguide.phrases import DEFAULT_LANGUAGE, Phrasebook, has_phrasebook, phrasebook

Preparer = Callable[[str], str]

_UNITS = {"s": "seconds", "sec": "seconds", "m": "minutes", "min": "minutes"}  # phrasebook keys


def normalize_unicode(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def straighten_quotes(text: str) -> str:
    return text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))


def expand_units(text: str, book: Phrasebook | None = None) -> str:
    """ "20s" -> "20 seconds", so no engine reads it as "twenty ess"."""
    book = book or phrasebook()

    def spoken(match: re.Match[str]) -> str:
        return book.words(_UNITS[match[2]], n=int(match[1]))

    return re.sub(r"\b(\d+)\s?(sec|min|s|m)\b", spoken, text)


def numbers_to_words(text: str, book: Phrasebook | None = None) -> str:
    """Whole numbers as words: engines differ in how they read digits; words they agree on."""
    book = book or phrasebook()
    return re.sub(r"\b\d{1,6}\b", lambda m: book.number(int(m[0])), text)


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


@cache
def preparers(lang: str = DEFAULT_LANGUAGE) -> tuple[Preparer, ...]:
    """The preparers for a voice's language. Without a phrasebook, digits are left to the voice."""
    if not has_phrasebook(lang):
        return (normalize_unicode, straighten_quotes, collapse_whitespace)
    book = phrasebook(lang)
    return (
        normalize_unicode,
        straighten_quotes,
        partial(expand_units, book=book),
        partial(numbers_to_words, book=book),
        collapse_whitespace,
    )


PREPARERS: tuple[Preparer, ...] = preparers()


def prepare(text: str, preparers: tuple[Preparer, ...] = PREPARERS) -> str:
    for step in preparers:
        text = step(text)
    return text
