"""Where the exercises are: the article's blocks cut into one section per exercise.

Articles mark their exercises in different ways, so each way is tried (numbered titles,
headings at each level, long list items, a table, sentences that start "Next, ..."), and
the one that finds the most sections that read as exercises wins; ties go to the earlier.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from audioguide.authoring.importer import sentences
from audioguide.authoring.importer.blocks import HEADING, IMPLICIT_LEVEL, ITEM, PARA, ROW, Block
from audioguide.authoring.importer.rules import Rules

MAX_TITLE_WORDS = 8  # a numbered item this short, without a full stop, is an exercise's title
MIN_ITEM_WORDS = 5  # a list item this long may be a whole exercise
MAX_NAME_WORDS = 6
MAX_TAIL_WORDS = 3  # words after an item's dose ("10/side, slowly")
MAX_NAME_CHARS = 80
MIN_EXERCISE_WORDS = 2  # different exercise words a section without numbers needs
MIN_CONFIRMING = 2  # exercises with numbers, made alike, that make their numberless neighbours exercises
MAX_VETO_WORDS = 1  # more words of cooking (and the like) than this, and a section is no exercise
_NUMBERING = re.compile(r"^\s*(?:(?:[^\W\d_]{2,12}\.?|#)\s*)?\d{1,2}\s*[.):\-\u2013\u2014]\s*")
_NAME_SPLIT = re.compile(r"^(?P<name>[^:.!?]{2,60}?)\s*(?::|\s-\s|\.\s)\s*(?P<rest>.+)$")
_DASH = re.compile("[\u2010-\u2015\u2212]")


@dataclass
class Section:
    name: str
    paragraphs: list[str] = field(default_factory=list)
    name_check: str = ""
    row: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    heading: bool = False  # the section starts at a heading


def name_of(text: str) -> str:
    name = _NUMBERING.sub("", text).strip().rstrip(":.").strip()
    if len(name) > MAX_NAME_CHARS:
        name = name[:MAX_NAME_CHARS].rsplit(" ", 1)[0]
    return name[:1].upper() + name[1:]


def _body(blocks: list[Block]) -> list[str]:
    return [b.text for b in blocks if b.kind in (PARA, ITEM, HEADING)]


def _cut(blocks: list[Block], starts: list[int], stop: Callable[[Block], bool]) -> list[Section]:
    found = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(blocks)
        body = []
        for block in blocks[start + 1 : end]:
            if stop(block):
                break
            body.append(block)
        found.append(Section(name_of(blocks[start].text), _body(body)))
    return found


def by_numbered_titles(blocks: list[Block], rules: Rules) -> list[Section]:
    def followed_by_text(i: int) -> bool:  # a title has its text after it, not the next item
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        return after is not None and not (after.kind == ITEM and after.number is not None)

    starts = [
        i
        for i, b in enumerate(blocks)
        if b.kind == ITEM and b.number is not None and _is_title(b.text) and followed_by_text(i)
    ]
    return _cut(blocks, starts, lambda b: b.kind == HEADING) if len(starts) >= 2 else []


def _is_title(text: str) -> bool:
    return 0 < len(text.split()) <= MAX_TITLE_WORDS and not re.search(r"[.!?]$", text)


def by_headings(blocks: list[Block], rules: Rules, level: int) -> list[Section]:
    starts = [i for i, b in enumerate(blocks) if b.kind == HEADING and b.level == level]
    found = _cut(blocks, starts, lambda b: b.kind == HEADING and b.level <= level)
    for section in found:
        section.heading = True
    for n, start in enumerate(starts):  # a heading over headings holds sections, it is none itself
        end = starts[n + 1] if n + 1 < len(starts) else len(blocks)
        if any(b.kind == HEADING and level < b.level < IMPLICIT_LEVEL for b in blocks[start + 1 : end]):
            found[n].name = ""
    return found


def by_items(blocks: list[Block], rules: Rules) -> list[Section]:
    found = []
    for block in blocks:
        if block.kind != ITEM:
            continue
        text = _NUMBERING.sub("", block.text)
        m = _NAME_SPLIT.match(_DASH.sub("-", text))  # one character for one: places stay
        short = len(block.text.split()) < MIN_ITEM_WORDS
        said = m["rest"] if m else text
        if short and not sentences.quantities(sentences.normalize(said, rules), rules):
            continue
        if m and len(m["name"].split()) <= MAX_NAME_WORDS:
            found.append(Section(name_of(text[: m.end("name")]), [text[m.start("rest") :]]))
        elif tail := _dose_tail(text, rules):
            found.append(Section(name_of(tail[0]), [tail[1]]))
        else:
            name = _prose_name(text, rules)
            found.append(Section(name or "", [text], "" if name else "the article gives no name"))
    return found


def _dose_tail(text: str, rules: Rules) -> tuple[str, str] | None:
    """A list item that is a name and its dose ("hip circles 10/side", "cat cow x 8"): both."""
    norm = sentences.normalize(text, rules)
    found = sentences.quantities(norm, rules)
    if not found or norm[found[-1].end :].strip(" .") and len(norm[found[-1].end :].split()) > MAX_TAIL_WORDS:
        return None
    start = min(q.start for q in found)
    if norm[start - 2 : start].strip() == "x":
        start = norm.rindex("x", 0, start)
    name = norm[:start].strip(" :-,")
    if not name or len(name.split()) > MAX_NAME_WORDS or re.search(r"[.!?]", name):
        return None
    return name, norm[start:].strip()


def by_table(blocks: list[Block], rules: Rules) -> list[Section]:
    rows = [b for b in blocks if b.kind == ROW]
    if len(rows) < 2:
        return []
    header = tuple(c.lower() for c in rows[0].cells)
    names = [i for i, cell in enumerate(header) if rules.table_columns["name"].search(cell)]
    if not names:
        return []  # a table of something else: nutrients, prices, opening hours
    column = names[0]
    found = []
    for row in rows[1:]:
        if column < len(row.cells) and row.cells[column] and row.cells != rows[0].cells:
            found.append(Section(name_of(row.cells[column]), [], row=row.cells, header=header))
    return found


def by_prose(blocks: list[Block], rules: Rules) -> list[Section]:
    found: list[Section] = []
    for block in blocks:
        if block.kind not in (PARA, ITEM):
            continue
        run: list[str] = []
        pieces: list[str] = []
        for sentence in sentences.split(block.text, rules):
            cuts = [0, *(m.end() for m in rules.clause_starts.finditer(sentence)), len(sentence)]
            for a, b in zip(cuts, cuts[1:], strict=False):
                piece = sentence[a:b]
                if pieces and len(pieces[-1].split()) == 1:
                    pieces[-1] += piece  # "then last of all ...": one start
                elif piece.strip():
                    pieces.append(piece if b < len(sentence) else piece + " ")
        for n, sentence in enumerate(pieces):
            name = _prose_name(sentence, rules, first=n == 0)
            if name:
                if run and found:
                    found[-1].paragraphs.append("".join(run).strip())
                run = []
                found.append(Section(name))
            run.append(sentence)
        if run and found:
            found[-1].paragraphs.append("".join(run).strip())
    return found


def _prose_name(sentence: str, rules: Rules, first: bool = False) -> str:
    """The exercise a sentence of prose starts ("Next, do some calf raises"); the first of a
    paragraph starts one without a word of sequence ("I find a wall and do a calf stretch")."""
    norm = sentences.normalize(sentence, rules)
    if m := rules.sequence_starts.search(f"first {norm}" if first else norm):
        return name_of(m["name"])
    if m := rules.felt_in.search(norm):
        return name_of(f"{m['part']} stretch")
    return ""


def exercise_like(section: Section, rules: Rules, need_numbers: bool = False) -> bool:
    if not section.name or rules.not_exercise_headings.match(section.name) or section.name.endswith("?"):
        return False
    text = " ".join([section.name, *section.paragraphs, *section.row])
    words = set(re.findall(r"[a-z]+", text.lower()))
    if len(words & rules.not_exercise_words) > MAX_VETO_WORDS:
        return False
    if section.row:
        return True
    attached = [
        q
        for part in [*section.paragraphs, *section.row]
        for sentence in sentences.split(part, rules)
        for norm in [sentences.normalize(sentence, rules)]
        for q in sentences.quantities(norm, rules)
        if not sentences.elsewhere(norm, q, rules)
    ]
    numbered = bool(attached)
    counted = any(q.kind != sentences.HOLD for q in attached)  # "3 x 10": a dose of an exercise
    if need_numbers:
        return numbered and (counted or bool(words & rules.exercise_words))
    return numbered or len(words & rules.exercise_words) >= MIN_EXERCISE_WORDS


def first_phase(blocks: list[Block], rules: Rules) -> tuple[list[Block], list[str]]:
    """A protocol in phases ("Phase 1: weeks 0-2", "Phase 2: ..."): the first phase's blocks, and
    the names of the later phases, left for the user to import when the time comes."""
    phases = [i for i, b in enumerate(blocks) if b.kind == HEADING and rules.phase_heading.match(b.text)]
    if len(phases) < 2:
        return blocks, []
    level = blocks[phases[0]].level
    later = [blocks[i].text for i in phases[1:]]
    kept = blocks[: phases[1]]
    after = [b for b in blocks[phases[1] :] if b.kind == HEADING and b.level < level]
    if after:  # what follows the phases at a higher level ("## Contact") is read as usual
        kept += blocks[blocks.index(after[0]) :]
    return kept, later


def find(blocks: list[Block], rules: Rules) -> tuple[list[Section], list[str]]:
    """The exercise sections, and the names of sections that were left out as not exercises."""
    blocks, later = first_phase(blocks, rules)
    levels = sorted({b.level for b in blocks if b.kind == HEADING})
    ways: list[tuple[list[Section], bool]] = [(by_numbered_titles(blocks, rules), False)]
    ways += [(by_headings(blocks, rules, level), level == IMPLICIT_LEVEL) for level in levels]
    ways += [
        (by_table(blocks, rules), False),
        (by_items(blocks, rules), True),
        (by_prose(blocks, rules), True),
    ]
    best: list[Section] = []
    best_all: list[Section] = []
    for found, strict in ways:
        good = [s for s in found if exercise_like(s, rules, strict)]
        if found and found[0].heading and strict and len(good) >= MIN_CONFIRMING:
            good = _between(found, good, rules)
        if len(good) > len(best):
            best, best_all = good, found
    skipped = [s.name for s in best_all if s not in best and s.name] + [f"{p} (a later phase)" for p in later]
    rows = by_table(blocks, rules)
    if best and rows and not best[0].row:
        _merge_rows(best, rows)
    elif best and best[0].row:
        _attach_named_sentences(best, blocks, rules)
    return best, skipped


def _between(found: list[Section], good: list[Section], rules: Rules) -> list[Section]:
    """Sections amid exercises that state their numbers, made alike, which speak of exercise
    without a number ("Step sideways along the worktop"): exercises too, their values left empty."""
    first, last = found.index(good[0]), found.index(good[-1])
    return [s for i, s in enumerate(found) if s in good or (first < i < last and exercise_like(s, rules))]


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).replace("s ", " ").strip()


def _same(a: str, b: str) -> bool:
    a, b = _key(a), _key(b)
    return bool(a) and bool(b) and (a in b or b in a)


def _merge_rows(found: list[Section], rows: list[Section]) -> None:
    """A summary table beside the sections: each section takes its row's values."""
    for section in found:
        row = next((r for r in rows if _same(r.name, section.name)), None)
        if row is not None:
            section.row, section.header = row.row, row.header


def _attach_named_sentences(found: list[Section], blocks: list[Block], rules: Rules) -> None:
    """Prose under a table that names each exercise ("For the glute bridge, lie ...") goes to its row."""
    for block in blocks:
        if block.kind != PARA:
            continue
        for sentence in sentences.split(block.text, rules):
            m = rules.names_exercise.search(sentence)
            section = next((s for s in found if m and _same(m["name"], s.name)), None)
            if section is not None:
                rest = sentence[m.end() :].strip()
                section.paragraphs.append(rest[:1].upper() + rest[1:])
