"""Spoken text is prepared by small pure `str -> str` functions, applied in order.

The phrase cache key is computed after them, so two spellings that are spoken the
same way share one cache entry. Numbers and units become words of the voice's language.

Text is data, never markup: a routine shared by someone else is untrusted input, and
every engine has its own syntax that could turn words into commands (Pico's
`<genfile file=...>` writes a file, `<speed>` changes the voice; Piper and eSpeak read
`[[phonemes]]`). `for_engine` takes out each engine's markup characters just before the
engine sees the text; every engine calls it in `synthesize`, whoever called that.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, partial

from audioguide.phrases import DEFAULT_LANGUAGE, Phrasebook, has_phrasebook, phrasebook

Preparer = Callable[[str], str]

_UNITS = {"s": "seconds", "sec": "seconds", "m": "minutes", "min": "minutes"}  # phrasebook keys


def drop_unspeakable(text: str) -> str:
    """Control characters, lone surrogates and private-use or unassigned code points go.

    None of them is spoken, and some break what follows: a lone surrogate (`"\\ud800"`)
    cannot even be encoded as UTF-8, the form every engine and the cache key need.
    """
    return "".join(c for c in text if c.isspace() or unicodedata.category(c) not in _UNSPOKEN)


_UNSPOKEN = frozenset({"Cc", "Cs", "Co", "Cn"})


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
        return (drop_unspeakable, normalize_unicode, straighten_quotes, collapse_whitespace)
    book = phrasebook(lang)
    return (
        drop_unspeakable,
        normalize_unicode,
        straighten_quotes,
        partial(expand_units, book=book),
        partial(numbers_to_words, book=book),
        collapse_whitespace,
    )


def prepare(text: str, steps: tuple[Preparer, ...] | None = None) -> str:
    """`text` through `steps`; by default, the English preparers."""
    for step in preparers() if steps is None else steps:
        text = step(text)
    return text


# --- per engine: what each engine would read as markup -----------------------------------


def no_angle_brackets(text: str) -> str:
    """`<` and `>` open and close tags (Pico's `<genfile>`, `<speed>`, `<play>`; SSML)."""
    return text.translate(_NO_BRACKETS)


def no_square_brackets(text: str) -> str:
    """`[[ ... ]]` is raw phoneme input for Piper (and for eSpeak in its phoneme mode)."""
    return text.translate(_NO_SQUARE)


_NO_BRACKETS = str.maketrans({"<": " ", ">": " ", "&": " "})
_NO_SQUARE = str.maketrans({"[": " ", "]": " "})

# Every built-in engine by name. An engine not listed gets DEFAULT_ESCAPES, the strictest.
ENGINE_ESCAPES: dict[str, tuple[Preparer, ...]] = {
    "pico": (drop_unspeakable, no_angle_brackets, no_square_brackets),
    "espeak": (drop_unspeakable, no_angle_brackets, no_square_brackets),
    "piper": (drop_unspeakable, no_angle_brackets, no_square_brackets),
    "gtts": (drop_unspeakable,),
}
DEFAULT_ESCAPES: tuple[Preparer, ...] = (drop_unspeakable, no_angle_brackets, no_square_brackets)


def for_engine(engine: str, text: str) -> str:
    """`text` with everything `engine` could read as a command taken out: plain words only."""
    return collapse_whitespace(prepare(text, ENGINE_ESCAPES.get(engine, DEFAULT_ESCAPES)))
