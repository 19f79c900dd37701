"""What an article says for the whole routine: its title, the intro, safety advice, a shared rest."""

from __future__ import annotations

import re
from pathlib import Path

from audioguide.authoring.importer import blocks as blocks_
from audioguide.authoring.importer import extract, sections
from audioguide.authoring.importer.draft import Draft, Value
from audioguide.authoring.importer.rules import Rules
from audioguide.authoring.importer.sentences import HOLD, normalize, quantities
from audioguide.authoring.importer.sentences import split as split_sentences
from audioguide.authoring.importer.values import duration_value
from audioguide.routine import MAX_TEXT_CHARS

MAX_TITLE_WORDS = 25
MIN_PIECE_CHARS = 20  # a source this long found inside a sentence makes the sentence used


def title(
    found_blocks: list[blocks_.Block], page_title: str, found: list[sections.Section], name: str, default: str
) -> tuple[str, str]:
    first_names = {s.name for s in found}
    for block in found_blocks[:3]:
        text = block.text
        if sections.name_of(text) in first_names:
            break
        if block.kind == blocks_.HEADING or (
            len(text.split()) <= MAX_TITLE_WORDS and not re.search(r"[.!?:]$", text)
        ):
            return text[:MAX_TEXT_CHARS], ""
    if page_title:
        return re.split(r"\s+[|\u2013\u2014-]\s+", page_title)[0][:MAX_TEXT_CHARS], ""
    stem = Path(name).stem if name not in ("standard input", "the article") else ""
    if stem:
        return stem.replace("-", " ").replace("_", " ").strip().capitalize()[:MAX_TEXT_CHARS] or default, (
            "the article has no title; this one is made from its file name"
        )
    return default, "the article has no title; this one is the import's default"


def shared_rest(
    found_blocks: list[blocks_.Block], found: list[sections.Section], rules: Rules
) -> Value | None:
    """A rest between sets said outside every exercise ("Rest 90s between sets."): each one's rest."""
    inside = " ".join(p for section in found for p in section.paragraphs)
    for block in found_blocks:
        if block.kind not in (blocks_.PARA, blocks_.ITEM) or block.text in inside:
            continue
        for sentence in split_sentences(block.text, rules):
            norm = normalize(sentence, rules)
            if not (rules.rest_words.search(norm) and rules.between_sets.search(norm)):
                continue
            holds = [q for q in quantities(norm, rules) if q.kind == HOLD]
            if len(holds) == 1 and not rules.between_exercises.search(norm):
                return duration_value(holds[0], sentence)
    return None


def safety(found_blocks: list[blocks_.Block], context: extract.Context, rules: Rules) -> str:
    """The article's safety advice, wherever it is, once each, as one text that fits a routine."""
    said = list(context.safety)
    for block in found_blocks:
        if block.kind in (blocks_.PARA, blocks_.ITEM):
            found = split_sentences(block.text, rules)
            said += [s for s in found if extract.is_safety(normalize(s, rules), rules)]
    text = ""
    for sentence in dict.fromkeys(said):
        if len(text) + len(sentence) + 1 > MAX_TEXT_CHARS:
            break
        text = f"{text} {sentence}".strip()
    return text


def intro(found_blocks: list[blocks_.Block], found: list[sections.Section], rules: Rules) -> str:
    """What the article says to have ready before any exercise ("You'll need a band and a towel.")."""
    inside = " ".join(p for section in found for p in section.paragraphs)
    needs = []
    for block in found_blocks:
        if block.kind != blocks_.PARA:
            continue
        for sentence in split_sentences(block.text, rules):
            norm = normalize(sentence, rules)
            ready = rules.need_sentence.search(norm) or rules.ready_sentence.search(norm)
            if ready and sentence not in inside and not any(p.search(norm) for p in rules.asides):
                needs.append(sentence)
    intro = " ".join(dict.fromkeys(needs))
    return intro if len(intro) <= MAX_TEXT_CHARS else ""


def unused(found_blocks: list[blocks_.Block], draft: Draft, rules: Rules) -> tuple[str, ...]:
    """Every sentence of the article with a number or a side that no value of the draft came
    from and no step speaks, in the article's order: the user checks that nothing was lost."""
    sources = {value.source for _, value in draft.values() if value.source}
    sources |= {e.equipment_source for e in draft.exercises if e.equipment_source}
    spoken = [t for e in draft.exercises for t in (e.setup, e.purpose, *(s.say for s in e.steps))]
    said = "\n".join([*sources, *spoken, draft.intro, draft.title])
    left_out = {*draft.dropped, *draft.refused}
    found = []
    for block in found_blocks:
        if block.kind in (blocks_.ROW, blocks_.HEADING):
            continue  # a row is a value's source or a table of something else; a heading names
        for sentence in split_sentences(block.text, rules):
            norm = normalize(sentence, rules)
            if not (re.search(r"\d", norm) or rules.both_sides.search(norm)):
                continue
            if sentence in said or sentence in left_out or extract.is_safety(norm, rules):
                continue
            if any(len(source) > MIN_PIECE_CHARS and source in sentence for source in sources):
                continue  # a clause of run-on prose was the source
            found.append(sentence)
    return tuple(dict.fromkeys([*draft.unsure, *found]))
