"""The values a draft writes: durations and counts as the routine format spells them, defaults marked."""

from __future__ import annotations

import math

from audioguide.authoring.importer import sentences
from audioguide.authoring.importer.draft import Phase, Value
from audioguide.authoring.importer.rules import Rules
from audioguide.authoring.importer.sentences import Quantity
from audioguide.routine import MAX_COUNT, MAX_DURATION_MS, MAX_TEXT_CHARS

MS_PER_SECOND = 1000
REST_CHECK = "the article gives no rest between rounds; {default} is the documented default"
SECONDS_PER_MINUTE = 60


def seconds_text(seconds: float) -> str:
    """`20s`, `1m`, `1m30s`: as the routine format writes durations."""
    minutes, rest = divmod(seconds, SECONDS_PER_MINUTE)
    if not minutes or rest != int(rest):
        return f"{seconds:g}s"
    return f"{minutes:g}m" + (f"{rest:g}s" if rest else "")


def duration_value(q: Quantity, source: str) -> Value | None:
    if not 0 < q.low * MS_PER_SECOND <= MAX_DURATION_MS:
        return None
    if q.is_range:
        check = (
            f"the article gives {seconds_text(q.low)}-{seconds_text(q.high or q.low)}; a duration is one "
            "length, so the shortest was taken"
        )
        return Value(seconds_text(q.low), source, check)
    return Value(seconds_text(q.low), source)


def count_value(q: Quantity, source: str) -> Value | None:
    low, high = q.low, q.high if q.high is not None else q.low
    if not (math.isfinite(low) and math.isfinite(high)) or low != int(low) or high != int(high):
        return None  # "10.5 times", or a number of hundreds of digits
    low, high = sorted((int(low), int(high)))
    if not 1 <= low <= high <= MAX_COUNT:
        return None
    return Value(str(low) if low == high else f"{low}-{high}", source)


def fit(text: str, rules: Rules) -> list[str]:
    """Text cut into pieces a routine accepts (at most MAX_TEXT_CHARS), at sentence ends."""
    pieces: list[str] = []
    for sentence in sentences.split(text, rules):
        sentence = sentence[:MAX_TEXT_CHARS]
        if pieces and len(pieces[-1]) + 1 + len(sentence) <= MAX_TEXT_CHARS:
            pieces[-1] += " " + sentence
        else:
            pieces.append(sentence)
    return pieces


def tempo(rules: Rules, hold: Value | None) -> tuple[Phase, ...]:
    """The documented default tempo of a rep (marked check), around the article's hold if it gives one."""
    default = rules.defaults["tempo"]
    check = f"the article gives no tempo; {default[0]['for']} a part is the documented default"
    check += " (docs/importing.md)"
    phases = [Phase(p["say"], Value(p["for"], "", check)) for p in default]
    if hold is not None:
        phases.insert(1, Phase(rules.defaults["hold_phase"], hold))
    return tuple(phases)
