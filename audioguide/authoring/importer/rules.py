"""The extraction rules of one language, read from `rules/<lang>.yaml` (package data)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from audioguide.authoring.importer.errors import ImportArticleError

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Rules:
    language: str
    number_phrases: tuple[tuple[re.Pattern[str], str], ...]
    range_joiners: tuple[str, ...]
    time_units: dict[str, int]
    after_numbers: tuple[tuple[re.Pattern[str], str], ...]
    not_values: tuple[re.Pattern[str], ...]
    per_side: str
    count_of: str
    bare_count_verbs: str
    between_sets: re.Pattern[str]
    side_nouns: str
    progressions: tuple[re.Pattern[str], ...]
    safety: tuple[re.Pattern[str], ...]
    not_hold: re.Pattern[str]
    hold_cue: re.Pattern[str]
    each_way: re.Pattern[str]
    phase_heading: re.Pattern[str]
    names_exercise: re.Pattern[str]
    rep_units: frozenset[str]
    set_units: frozenset[str]
    not_rep_nouns: frozenset[str]
    doing_verbs: tuple[str, ...]
    rep_nouns: frozenset[str]
    frequency: re.Pattern[str]
    whole_exercise: re.Pattern[str]
    bare_repeat: re.Pattern[str]
    rest_words: re.Pattern[str]
    between_exercises: re.Pattern[str]
    approximate: re.Pattern[str]
    hold_in_rep_max_seconds: float
    each_position: re.Pattern[str]
    positions: tuple[str, ...]
    both_sides: re.Pattern[str]
    side_clauses: tuple[re.Pattern[str], ...]
    side_words: dict[str, str]
    singular: dict[str, str]
    clause_breaks: re.Pattern[str]
    side_parts: tuple[str, ...]
    default_sides: tuple[str, ...]
    switch_cue: str
    need_sentence: re.Pattern[str]
    ready_sentence: re.Pattern[str]
    equipment_nouns: tuple[str, ...]
    equipment_articles: tuple[str, ...]
    asides: tuple[re.Pattern[str], ...]
    purpose: re.Pattern[str]
    movement_words: re.Pattern[str]
    lead_ins: tuple[re.Pattern[str], ...]
    count_lead: re.Pattern[str]
    count_tail: re.Pattern[str]
    dangling_tail: re.Pattern[str]
    sequence_starts: re.Pattern[str]
    clause_starts: re.Pattern[str]
    felt_in: re.Pattern[str]
    not_exercise_headings: re.Pattern[str]
    exercise_words: frozenset[str]
    not_exercise_words: frozenset[str]
    table_columns: dict[str, re.Pattern[str]]
    yes_words: frozenset[str]
    abbreviations: tuple[str, ...]
    defaults: dict[str, Any]


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def languages() -> list[str]:
    folder = resources.files("audioguide.authoring.importer") / "rules"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


@cache
def rules_for(language: str = DEFAULT_LANGUAGE) -> Rules:
    if language not in languages():
        raise ImportArticleError(
            f"no import rules for language {language!r}; there are rules for: {', '.join(languages())}"
        )
    path = resources.files("audioguide.authoring.importer") / "rules" / f"{language}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    words = sorted(data["number_phrases"], key=len, reverse=True)
    return Rules(
        language=data["language"],
        number_phrases=tuple((_re(rf"\b{re.escape(w)}\b"), data["number_phrases"][w]) for w in words),
        range_joiners=tuple(data["range_joiners"]),
        time_units={str(k): int(v) for k, v in data["time_units"].items()},
        after_numbers=tuple((_re(k), v) for k, v in (data.get("after_numbers") or {}).items()),
        not_values=tuple(_re(p) for p in data["not_values"]),
        per_side=data["per_side"],
        count_of=data["count_of"],
        bare_count_verbs=data["bare_count_verbs"],
        between_sets=_re(data["between_sets"]),
        side_nouns=data["side_nouns"],
        progressions=tuple(_re(p) for p in data["progressions"]),
        safety=tuple(_re(p) for p in data["safety"]),
        not_hold=_re(data["not_hold"]),
        hold_cue=_re(data["hold_cue"]),
        each_way=_re(data["each_way"]),
        phase_heading=_re(data["phase_heading"]),
        names_exercise=_re(data["names_exercise"]),
        rep_units=frozenset(data["rep_units"]),
        set_units=frozenset(data["set_units"]),
        not_rep_nouns=frozenset(data["not_rep_nouns"]),
        doing_verbs=tuple(data["doing_verbs"]),
        rep_nouns=frozenset(data["rep_nouns"]),
        frequency=_re(data["frequency"]),
        whole_exercise=_re(data["whole_exercise"]),
        bare_repeat=_re(data["bare_repeat"]),
        rest_words=_re(data["rest_words"]),
        between_exercises=_re(data["between_exercises"]),
        approximate=_re(data["approximate"]),
        hold_in_rep_max_seconds=float(data["hold_in_rep_max_seconds"]),
        each_position=_re(data["each_position"]),
        positions=tuple(data["positions"]),
        both_sides=_re(data["both_sides"]),
        side_clauses=tuple(_re(p) for p in data["side_clauses"]),
        side_words=dict(data["side_words"]),
        singular=dict(data["singular"]),
        clause_breaks=_re(data["clause_breaks"]),
        side_parts=tuple(data["side_parts"]),
        default_sides=tuple(data["default_sides"]),
        switch_cue=data["switch_cue"],
        need_sentence=_re(data["need_sentence"]),
        ready_sentence=_re(data["ready_sentence"]),
        equipment_nouns=tuple(sorted(data["equipment_nouns"], key=len, reverse=True)),
        equipment_articles=tuple(data["equipment_articles"]),
        asides=tuple(_re(p) for p in data["asides"]),
        purpose=_re(data["purpose"]),
        movement_words=_re(data["movement_words"]),
        lead_ins=tuple(_re(p) for p in data["lead_ins"]),
        count_lead=_re(data["count_lead"]),
        count_tail=_re(data["count_tail"]),
        dangling_tail=_re(data["dangling_tail"]),
        sequence_starts=_re(data["sequence_starts"]),
        clause_starts=_re(data["clause_starts"]),
        felt_in=_re(data["felt_in"]),
        not_exercise_headings=_re(data["not_exercise_headings"]),
        exercise_words=frozenset(data["exercise_words"]),
        not_exercise_words=frozenset(data["not_exercise_words"]),
        table_columns={k: _re(v) for k, v in data["table_columns"].items()},
        yes_words=frozenset(str(w).lower() for w in data["yes_words"]),
        abbreviations=tuple(data["abbreviations"]),
        defaults=dict(data["defaults"]),
    )
