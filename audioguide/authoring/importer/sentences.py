"""Sentences and the numbers in them: splitting, number words, and quantities with their kind."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from text_to_num import alpha2digit

from audioguide.authoring.importer import budget
from audioguide.authoring.importer.rules import Rules

HOLD = "hold"  # a duration: a hold, or a rest when the sentence speaks of resting
REPS = "reps"  # a count of repetitions
SETS = "sets"  # a count of rounds

_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u00d7": "x"}
_NUM = r"\d+(?:\.\d+)?"
_SPACES = re.compile(r"\s+")
_COMMAS = re.compile(r",(?:\s*,)+")
_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_PLACEHOLDER = "\u0000"
_SECOND = re.compile(r"\bsecond\b", re.I)
_KEPT_SECOND = "\ue000"  # a private character the number reader leaves alone
MAX_FRAGMENT_WORDS = 6  # a duration in a sentence this short needs no verb ("30 seconds each side.")
MAX_DIGITS = 6  # more digits before the point than any count or duration has
SMALLEST_NUMBER_WORD = 2  # "two" and up become digits; "one" is as often a pronoun ("the left one")


@dataclass(frozen=True)
class Quantity:
    kind: str  # HOLD, REPS or SETS
    low: float
    high: float | None  # the top of a range, or None
    start: int  # where it is in the normalized sentence
    end: int
    approximate: bool = False
    noun: str = ""  # what is counted, when not "times" or "reps" ("circles")

    @property
    def is_range(self) -> bool:
        return self.high is not None and self.high != self.low


def as_number(text: str) -> float:
    """A number as the article writes it, in any script's digits; one longer than any value
    (5,000 digits) is infinity, which no value accepts, never an error."""
    whole = text.partition(".")[0]
    return float(text) if len(whole) <= MAX_DIGITS else math.inf


def split(text: str, rules: Rules) -> list[str]:
    """A paragraph's sentences, whitespace made single; abbreviations and decimals kept whole."""
    text = _SPACES.sub(" ", text).strip()
    for abbreviation in rules.abbreviations:
        text = re.sub(rf"(?i)\b{re.escape(abbreviation)}", lambda m: m[0].replace(".", _PLACEHOLDER), text)
    parts = _END.split(text)
    return [p.replace(_PLACEHOLDER, ".").strip() for p in parts if p.strip()]


def normalize(sentence: str, rules: Rules) -> str:
    """Numbers in words as digits, every dash as "-", quotes plain: the form the patterns read."""
    budget.check()
    for fancy, plain in _QUOTES.items():
        sentence = sentence.replace(fancy, plain)
    sentence = _DASHES.sub("-", sentence)
    for pattern, replacement in rules.number_phrases:
        sentence = pattern.sub(replacement, sentence)
    sentence = _SECOND.sub(_KEPT_SECOND, sentence)  # "30 second break" is no "30 2nd break"
    try:
        sentence = alpha2digit(sentence, rules.language, threshold=SMALLEST_NUMBER_WORD)
    except (ValueError, RuntimeError):  # the library refuses a few odd inputs; keep the words then
        pass
    sentence = sentence.replace(_KEPT_SECOND, "second")
    for pattern, replacement in rules.after_numbers:
        sentence = pattern.sub(replacement, sentence)
    sentence = re.sub(rf"({_NUM})\s*-\s*(?={_NUM})", r"\1 - ", sentence)
    return _SPACES.sub(" ", sentence).strip()


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _range(rules: Rules) -> str:
    joiners = _alternation(rules.range_joiners)
    return rf"(?P<low>{_NUM})(?:\s*(?:{joiners})\s*(?P<high>{_NUM}))?"


def mask(sentence: str, rules: Rules) -> str:
    """The sentence with the digits of what is no exercise value made "#" (distances, weights,
    pain scores, dates, times of day, phone numbers...): every other character stays in place."""
    for pattern in rules.not_values:
        sentence = pattern.sub(lambda m: re.sub(r"\d", "#", m[0]), sentence)
    return sentence


def quantities(sentence: str, rules: Rules) -> list[Quantity]:
    """Every duration and count in a normalized sentence, in order, none overlapping."""
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    number = _range(rules)
    sentence = mask(sentence, rules)

    def add(
        kind: str, m: re.Match[str], scale: float = 1, noun: str = "", span: tuple[int, int] | None = None
    ) -> None:
        start, end = span or (m.start(), m.end())
        if any(start < e and s < end for s, e in taken):
            return
        if kind != HOLD and rules.frequency.match(sentence[end:]):
            return  # "3 times a day": how often to do the routine, not part of it
        low = as_number(m["low"]) * scale
        high = as_number(m["high"]) * scale if m["high"] else None
        approximate = bool(rules.approximate.search(sentence[:start]))
        found.append(Quantity(kind, low, high, start, end, approximate, noun))
        taken.append((start, end))

    units = _alternation(rules.time_units)
    # "3x10", "3 x 30 secs", "2 x 8-12": sets, then reps or a hold
    notation = rf"\b(?P<sets>\d+)\s*x\s*{number}(?:\s*(?P<unit>{units})\b)?(?!\s*#)"
    for m in re.finditer(notation, sentence, re.I):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        sets = as_number(m["sets"])
        found.append(Quantity(SETS, sets, None, m.start(), m.start("sets") + len(m["sets"])))
        scale = rules.time_units[m["unit"].lower()] if m["unit"] else 1
        kind = HOLD if m["unit"] else REPS
        low, high = as_number(m["low"]) * scale, as_number(m["high"]) * scale if m["high"] else None
        found.append(Quantity(kind, low, high, m.start("low"), m.end()))
        taken.append((m.start(), m.end()))
    for m in re.finditer(rf"(?<![\w#])x\s*{number}\b(?!\s*#)", sentence, re.I):
        add(REPS, m)  # "cat cow x 8"
    for m in re.finditer(r"\b(?P<low>\d+)(?P<high>)\s*x\s*(?=#)", sentence, re.I):
        add(SETS, m)  # "6 x 400 m": six rounds of a distance
    for m in re.finditer(rf"\b{number}\s*(?P<unit>{units})\b", sentence, re.I):
        add(HOLD, m, rules.time_units[m["unit"].lower()])
    per_side = rf"\b{number}\s*(?:/\s*|{rules.per_side})(?P<unit>{rules.side_nouns})\b"
    for m in re.finditer(per_side, sentence, re.I):
        add(REPS, m)
    for m in re.finditer(rf"\b{number}\s+{rules.count_of}\b", sentence, re.I):
        add(REPS, m)
    for m in re.finditer(rf"\b{number}\s*(?P<unit>{_alternation(rules.set_units)})\b", sentence, re.I):
        add(SETS, m)
    reps = _alternation(rules.rep_units)
    for m in re.finditer(rf"\b{number}\s*(?P<unit>{reps})(?!\s*\d)\b", sentence, re.I):
        add(REPS, m)
    for m in re.finditer(rf"\b(?:sets?|rounds?)\s+of\s+{number}\b", sentence, re.I):
        add(REPS, m, span=(m.start("low"), m.end()))
    nouns = _alternation(rules.rep_nouns)
    for m in re.finditer(rf"\b{number}\s+(?:[a-z-]+\s+)?(?P<noun>{nouns})\b", sentence, re.I):
        add(REPS, m, noun=m["noun"].lower(), span=(m.start(), m.end("high") if m["high"] else m.end("low")))
    verbs = _alternation(rules.doing_verbs)
    pattern = rf"\b(?:{verbs})\s+(?:\w+\s+)?{number}\s+(?:[a-z-]+\s+){{0,2}}?(?P<noun>[a-z-]+s)\b"
    for m in re.finditer(pattern, sentence, re.I):
        noun = m["noun"].lower()
        if noun not in rules.not_rep_nouns and noun not in rules.time_units and noun not in rules.set_units:
            span = re.compile(number).search(sentence, m.start("low"))
            if span:
                add(REPS, span, noun=noun)
    bare = rf"\b(?:{rules.bare_count_verbs})\s+{number}\b(?!\s*(?:x\b|#|-|\.\d))"
    for m in re.finditer(bare, sentence, re.I):
        add(REPS, m, span=(m.start("low"), m.end()))
    found.sort(key=lambda q: q.start)
    return found


def without(sentence: str, spans: list[Quantity], rules: Rules) -> str:
    """The sentence with its counts and durations (and the words that lead to them) taken out."""
    for q in sorted(spans, key=lambda q: q.start, reverse=True):
        head = sentence[: q.start]
        lead = rules.count_lead.search(head)
        start = lead.start() if lead else q.start
        tail = sentence[q.end :]
        follow = rules.count_tail.match(tail)
        tail = tail[follow.end() :] if follow else tail
        sentence = head[:start] + tail
    return tidy(sentence)


def strip_unit(sentence: str, rules: Rules) -> str:
    """A duration's unit word, right at the start of what is left ("seconds and rest" -> "and rest")."""
    units = _alternation(rules.time_units)
    return re.sub(rf"^\s*(?:{units})\b", "", sentence, flags=re.I)


def tidy(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = _COMMAS.sub(",", text)  # a run of commas made one first: the next pattern stays linear
    text = re.sub(r",\s*([.;:!?]|$)", r"\1", text)
    text = re.sub(r"\b(?:and|or|then|,)\s*([.;:!?]|$)", r"\1", text)
    text = re.sub(r"^[,;:\s-]+", "", text)
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:] if text not in (".", "") else ""


def clause(sentence: str, q: Quantity, rules: Rules) -> str:
    """The clause of the sentence the quantity is in (a rest word counts there only)."""
    breaks = list(rules.clause_breaks.finditer(sentence))
    starts = [0, *(m.end() for m in breaks if m.end() <= q.start)]
    ends = [m.start() for m in breaks if m.start() >= q.end] + [len(sentence)]
    return sentence[max(starts) : min(ends)]


def elsewhere(norm: str, q: Quantity, rules: Rules) -> bool:
    """A duration that is how long something else takes ("the whole thing takes 10 minutes")."""
    if q.kind != HOLD:
        return False
    around = clause(norm, q, rules)
    if rules.rest_words.search(around):
        return False
    unattached = len(norm.split()) > MAX_FRAGMENT_WORDS and not rules.hold_cue.search(norm[: q.end])
    return bool(rules.not_hold.search(around)) or unattached
