"""The tool's own words, per language: catalogues as data, plus number and plural rules.

A catalogue (`en.yaml`, `de.yaml`...) maps a key to a template; `Phrasebook.say` fills it.
Whole numbers in a template are spoken as words of the catalogue's language; a template
that changes with a number gives one form per plural category, chosen by `n`.
Adding a language is a translator's job: copy `en.yaml`, translate the values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from audioguide import words

DEFAULT_LANGUAGE = "en"


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
            template = template.get(self.plural(values["n"]), template["other"])
        spoken = {name: self.number(v) if isinstance(v, int) else v for name, v in values.items()}
        return template.format(**spoken)

    def number(self, n: int) -> str:
        return words.number(n)

    def plural(self, n: int) -> str:
        return "one" if n == 1 else "other"

    def duration(self, ms: int) -> str:
        """12_500 -> "twelve and a half seconds"; 90_000 -> "one minute thirty seconds"."""
        minutes, ms = divmod(ms, 60_000)
        seconds, fraction = divmod(ms, 1000)
        if fraction >= 500 and not minutes:
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
def phrasebook(lang: str = DEFAULT_LANGUAGE) -> Phrasebook:
    """The phrasebook for a language such as `en` or `en-GB` (its region is ignored)."""
    base = lang.split("-")[0].split("_")[0].lower()
    source = resources.files(__package__).joinpath(f"{base}.yaml")
    return Phrasebook(base, yaml.safe_load(source.read_text(encoding="utf-8")))
