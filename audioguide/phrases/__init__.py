"""The tool's own words, per language: catalogues as data, plus number and plural rules.

A catalogue (`en.yaml`, `de.yaml`...) maps a key to a template; `Phrasebook.say` fills it.
Whole numbers in a template are spoken as words of the catalogue's language (num2words);
`{n:feminine}` asks for a form the catalogue defines under `number_forms` (German "eine"
for "eins", Portuguese "duas" for "dois"); `{cue:capital}` capitalizes a text. Templates
are in the tool's own placeholder language (`template.py`), never Python's `str.format`. A template
that changes with a number gives one form per CLDR plural category of the language (Babel's
rules), or `=N` for one exact number.
Adding a language is a translator's job: copy `en.yaml`, translate the values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from babel import Locale

from audioguide.phrases.template import CAPITAL, ORDINAL, Template, parsed

DEFAULT_LANGUAGE = "en"
NUMBER_FORMS = "number_forms"  # the catalogue key of a language's own number forms
LIVE_KEYS = ("say_ready", "time_left")  # said only by the live coach (live/), never in a track
OTHER = "other"  # the plural category every language has
EXACT = "="  # a plural form for one number: "=0", "=1"
MS_PER_SECOND = 1000
MS_PER_MINUTE = 60_000
HALF_SECOND_MS = 500
_CATALOGUE = re.compile(r"^([a-z]{2,3})\.yaml$")


@dataclass(frozen=True)
class Phrasebook:
    lang: str
    entries: Mapping[str, Any]

    def say(self, key: str, /, **values: Any) -> str:
        """The phrase `key` with its placeholders filled; its first letter a capital."""
        text = self.words(key, **values)
        return text[:1].upper() + text[1:]

    def words(self, key: str, /, **values: Any) -> str:
        """The phrase `key` as it stands inside a sentence (no capital added)."""
        template = self.entries[key]
        if isinstance(template, Mapping):
            template = self.form(template, values["n"])
        return self.fill(template if isinstance(template, Template) else parsed(template), values)

    def fill(self, template: Template, values: Mapping[str, Any]) -> str:
        """The template with each field's value: whole numbers in words, in the form asked for."""
        out = []
        for part in template.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = values[part.name]
            if isinstance(value, int) and not isinstance(value, bool):
                text = self.number(value, "" if part.form == CAPITAL else part.form)
            else:
                text = str(value)  # a number form asked of a text leaves it as it is
            out.append(text[:1].upper() + text[1:] if part.form == CAPITAL else text)
        return "".join(out)

    def form(self, forms: Mapping[str, str], n: int) -> str:
        """The form for `n`: its exact `=n` form, else its plural category's, else `other`."""
        exact = f"{EXACT}{n}"
        if exact in forms:
            return forms[exact]
        return forms.get(self.plural(n), forms[OTHER])

    def number(self, n: int, form: str = "") -> str:
        """`n` in words; `form` is `ordinal` or one of the catalogue's `number_forms`."""
        from num2words import num2words  # on first use: it loads every language's module

        spoken = num2words(n, lang=self.lang, to=ORDINAL if form == ORDINAL else "cardinal")
        if not form or form == ORDINAL:
            return spoken
        endings: Mapping[str, str] = self.entries.get(NUMBER_FORMS, {}).get(form, {})
        head, _, last = spoken.rpartition(" ")
        for ending in sorted(endings, key=len, reverse=True):
            if last.endswith(ending):
                last = last[: len(last) - len(ending)] + endings[ending]
                break
        return f"{head} {last}" if head else last

    def plural(self, n: int) -> str:
        """The CLDR plural category of `n` in this language: one, few, many, other..."""
        return _locale(self.lang).plural_form(n)

    def duration(self, ms: int) -> str:
        """12_500 -> "twelve and a half seconds"; 90_000 -> "one minute thirty seconds"."""
        minutes, ms = divmod(ms, MS_PER_MINUTE)
        seconds, fraction = divmod(ms, MS_PER_SECOND)
        if fraction >= HALF_SECOND_MS and not minutes:
            return self.words("half_seconds", n=seconds)
        if not minutes:
            return self.words("seconds", n=seconds)
        if not seconds:
            return self.words("minutes", n=minutes)
        return self.words(
            "minutes_seconds",
            minutes=self.words("minutes", n=minutes),
            seconds=self.words("seconds", n=seconds),
        )

    def join(self, items: Iterable[str]) -> str:
        """("a band", "a chair") -> "a band and a chair"."""
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return f"{self.entries['list_separator'].join(items[:-1])} {self.entries['and']} {items[-1]}"


@cache
def _locale(lang: str) -> Locale:
    from babel import Locale  # on first use, as num2words

    return Locale.parse(lang)


def base_language(lang: str) -> str:
    """`pt-BR` -> `pt`, `en_GB` -> `en`: the language without its region."""
    return lang.replace("_", "-").split("-")[0].lower()


def languages() -> tuple[str, ...]:
    """The languages that have a catalogue, English first."""
    found = {m[1] for p in resources.files(__package__).iterdir() if (m := _CATALOGUE.match(p.name))}
    return (DEFAULT_LANGUAGE, *sorted(found - {DEFAULT_LANGUAGE}))


def has_phrasebook(lang: str) -> bool:
    return base_language(lang) in languages()


@cache
def phrasebook(lang: str = DEFAULT_LANGUAGE) -> Phrasebook:
    """The phrasebook for a language such as `de` or `pt-BR` (its region is ignored).

    A language without a catalogue gets the English one; `has_phrasebook` tells them apart.
    """
    base = base_language(lang)
    if base not in languages():
        base = DEFAULT_LANGUAGE
    source = resources.files(__package__).joinpath(f"{base}.yaml")
    return Phrasebook(base, yaml.safe_load(source.read_text(encoding="utf-8")))
