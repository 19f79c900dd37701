"""An article's text as blocks: headings, list items, paragraphs and table rows, in order.

Plain text and Markdown are read line by line; HTML (a saved web page) is parsed with
BeautifulSoup, its navigation, ads and scripts removed, and its elements turned into the
same blocks. What follows (finding the exercises) never needs to know which it was.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audioguide.authoring.importer import budget, jsonld, plaintables

if TYPE_CHECKING:  # BeautifulSoup loads only when a web page is read: every command starts faster
    from bs4 import Tag


HEADING = "heading"
ITEM = "item"
PARA = "para"
ROW = "row"

IMPLICIT_LEVEL = 7  # a short line standing alone, read as a heading below every real one
MAX_IMPLICIT_WORDS = 10
MAX_EXCLAIMED_WORDS = 3
_LOOKS_HTML = re.compile(r"<(?:!doctype\s+html|html|body|article|p|div|h[1-6]|ul|ol|table)\b", re.I)
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")  # its closing #s are stripped, not matched: linear
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
# "1. ", "2) ", and a one-word label in any language before the number: "Step 3:", "Übung 4."
_NUMBERED = re.compile(r"^\s*(?:[^\W\d_]{2,12}\.?\s+)?(\d{1,2})\s*[.):]\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+\u2022\u25cf\u25aa\u2013]\s+(.*)$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
# "Goblet squat 3x10", "Wall sit - 3 x 30 secs": a name, then sets x reps (a forum's or a note's shorthand)
_SHORTHAND = re.compile(
    r"^\s*(?P<name>[A-Za-z][A-Za-z' ()/-]{1,40}?)\s*[:\u2013-]?\s+"
    r"(?P<dose>\d+\s*[x\u00d7]\s*\d+(?:\s*-\s*\d+)?\s*(?:[a-z]+\s*)?(?:/\s*[a-z]+|(?:each|per)\s+[a-z]+)?)\s*$",
    re.I,
)
# A plain-text table's header names its exercise column so (the rules' own words when given)
NAME_HEADER = re.compile(
    r"\b(?:exercises?|name|movements?|moves?|stretch(?:es)?|activity|drills?|station)\b", re.I
)
# PDF-to-text: a page's number line, letters joined into one ligature, words broken at a line's end
_PAGE_LINE = re.compile(r"^.*\bpage\s+\d+(?:\s+of\s+\d+)?\b.*$", re.I)
_LAYOUT_GAP = re.compile(r"\S\s{4,}\S")  # a running header or footer: text at both margins
_LIGATURES = re.compile("[\ufb00-\ufb06]")
_BROKEN_WORD = re.compile(r"(?<=[A-Za-z])-\n\s*(?=[a-z])")
# A link's text holds no bracket and its address no parenthesis: each try stops at the next
# one, so a line of 50,000 "[" is read in linear time. A form's ____ stays.
_MARKUP = re.compile(r"(\*\*|(?<!_)__(?!_)|\*|`|!?\[([^\][]*)\]\([^()]*\))")
_SPACES = re.compile(r"\s+")
_LONE_LT = re.compile(r"<(?=[^<>]*(?:<|\Z))")  # each try stops at the next "<" or ">": linear
_SCRIPT_OPEN = re.compile(r"<(script|style|noscript|svg|template)\b", re.I)
_CHROME_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "template",
    "select",
    "figure",
)
_CHROME_NAMES = re.compile(
    r"(?:^|[\s_-])(?:ads?|advert\w*|sponsor\w*|promo\w*|banner|newsletter|cookie\w*|share|sharing|social|"
    r"related|comments?|commentlist|responses?|replies|reply|respond|discussion|disqus|wpdiscuz|reviews?|"
    r"testimonials?|sidebar|widgets?|menu|nav\w*|breadcrumbs?|popup|modal|subscribe|footer|header)(?:$|[\s_-])",
    re.I,
)


@dataclass(frozen=True)
class Block:
    kind: str  # HEADING, ITEM, PARA or ROW
    text: str
    level: int = 0  # a heading's level (1-6, IMPLICIT_LEVEL for a lone short line)
    number: int | None = None  # a numbered item's number
    cells: tuple[str, ...] = ()  # a table row's cells


def is_html(text: str) -> bool:
    return bool(_LOOKS_HTML.search(text[:4000]))


def clean(text: str) -> str:
    """Markdown emphasis and links off, whitespace made single."""
    text = (
        _MARKUP.sub(lambda m: m.group(2) or "", text).replace("{", "(").replace("}", ")")
    )  # not placeholders
    return _SPACES.sub(" ", text).replace(" .", ".").replace(" ,", ",").strip()


# --- plain text and Markdown --------------------------------------------------------------


def _unpage(text: str) -> str:
    """A PDF's text without its running headers, footers and page numbers, words made whole."""
    text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m[0]), text)
    text = _BROKEN_WORD.sub("", text)
    lines = text.split("\n")
    masked = [re.sub(r"\d+", "#", line.strip()) for line in lines]
    repeated = Counter(m for m, line in zip(masked, lines, strict=True) if _LAYOUT_GAP.search(line))
    kept = [
        line
        for m, line in zip(masked, lines, strict=True)
        if not (_PAGE_LINE.match(line) and len(line.split()) <= MAX_IMPLICIT_WORDS * 2)
        and not (repeated.get(m, 0) > 1)
    ]
    return "\n".join(kept)


def from_text(text: str, name_header: re.Pattern[str] = NAME_HEADER) -> list[Block]:
    def is_header(cells: list[str]) -> bool:
        return any(name_header.search(c) for c in cells[:2]) and sum(bool(c) for c in cells) > 1

    lines = _unpage(text).split("\n")
    tables = plaintables.find(lines, is_header)
    blocks: list[Block] = []
    para: list[str] = []
    item: Block | None = None
    item_lines: list[str] = []
    item_pieces: list[str] = []  # the item's text as written, cleaned when it ends

    def flush() -> None:
        nonlocal para, item, item_lines, item_pieces
        if item is not None:
            if len(item_lines) > 1 and _titled(item_lines):
                blocks.append(Block(ITEM, clean(item_lines[0]), number=item.number))
                blocks.append(Block(PARA, clean(" ".join(item_lines[1:]))))
            else:  # cleaned once, whole: an item continued over 12,000 lines is read in linear time
                blocks.append(Block(ITEM, clean(" ".join(item_pieces)), number=item.number))
            item = None
            item_lines = []
            item_pieces = []
        if para:
            if len(para) > 1 and _titled(para):
                blocks.append(Block(HEADING, clean(para[0]), level=IMPLICIT_LEVEL))
                para = para[1:]
            blocks.append(_paragraph(" ".join(para), alone=len(para) == 1))
            para = []

    fenced = False
    skip_to = 0
    item_indent = 0
    for i, line in enumerate(lines):
        budget.check()
        if i < skip_to:
            continue
        if i in tables:
            flush()
            skip_to, rows = tables[i]
            for cells in rows:
                row = tuple(clean(c) for c in cells)
                blocks.append(Block(ROW, " | ".join(row), cells=row))
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if _FENCE.match(line):
            flush()
            fenced = not fenced
            continue
        if not line.strip():
            flush()
            continue
        if (short := _SHORTHAND.match(line)) and (fenced or not para or _SHORTHAND.match(para[-1])):
            flush()
            blocks.append(Block(ITEM, clean(f"{short['name'].strip()}: {short['dose']}")))
            continue
        if fenced:
            flush()
            blocks.append(Block(PARA, clean(line)))
            continue
        if _SETEXT.match(line) and not para and blocks and blocks[-1].kind == PARA and item is None:
            continue  # underline of the heading just made
        if (m := _ATX.match(line)) or (
            following.strip()
            and _SETEXT.match(following)
            and line.strip()
            and not _BULLET.match(line)
        ):
            flush()
            if m:
                blocks.append(Block(HEADING, clean(m[2].rstrip().rstrip("#").rstrip()), level=len(m[1])))
            else:
                blocks.append(Block(HEADING, clean(line), level=1 if following.strip()[0] == "=" else 2))
            continue
        indent = len(line) - len(line.lstrip())
        if item is not None and indent > item_indent and (sub := _BULLET.match(line)):
            # a sub-bullet ("* 10 circles clockwise") is part of its item, a sentence of its own
            if not clean(item_pieces[-1]).endswith((".", "!", "?", ":")):
                item_pieces[-1] += "."
            item_pieces.append(f"{sub[1][:1].upper()}{sub[1][1:]}")
            item_lines.append(sub[1].strip())
            continue
        if (m := _NUMBERED.match(line)) or (b := _BULLET.match(line)):
            flush()
            item_indent = indent
            item_pieces = [m[2] if m else b[1]]
            item = Block(ITEM, "", number=int(m[1]) if m else None)
            item_lines = [clean(item_pieces[0])]
            continue
        if item is not None:
            item_pieces.append(line)
            item_lines.append(line.strip())
        else:
            para.append(line.strip())
    flush()
    return blocks


def _titled(lines: list[str]) -> bool:
    """A short first line without a stop or a colon, then a line that starts a sentence: a title."""
    first = clean(lines[0])
    return (
        0 < len(first.split()) <= MAX_IMPLICIT_WORDS
        and not re.search(r"[.!?:;,]", first[-1:] + (":" if ":" in first else ""))
        and lines[1].strip()[:1].isupper()
    )


def _paragraph(text: str, alone: bool) -> Block:
    text = clean(text)
    words = text.split()
    exclaimed = len(words) <= MAX_EXCLAIMED_WORDS and text.endswith("!")  # "That's it!"
    if alone and 0 < len(words) <= MAX_IMPLICIT_WORDS and (exclaimed or not re.search(r"[.!?:;,]$", text)):
        return Block(HEADING, text, level=IMPLICIT_LEVEL)
    return Block(PARA, text)


# --- HTML ---------------------------------------------------------------------------------


def from_html(text: str) -> tuple[list[Block], str]:
    """The blocks of the page's content, and the page's title (empty if it has none)."""
    from bs4 import BeautifulSoup

    name, steps = jsonld.howto(text)
    if steps:
        blocks = [Block(HEADING, clean(name), level=1)] if name else []
        for n, (title, body) in enumerate(steps, 1):
            if title and body and clean(title) != clean(body):
                blocks += [Block(ITEM, clean(title), number=n), Block(PARA, clean(body))]
            else:
                blocks.append(Block(ITEM, clean(title or body), number=n))
        return blocks, clean(name)
    text = _tags_closed(without_scripts(text))  # most of a saved page's bytes; gone before parsing
    soup = BeautifulSoup(text, "html.parser")
    title_tag = soup.find("title")
    title = clean(title_tag.get_text(" ")) if title_tag else ""
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks: list[Block] = []
    _walk(root, blocks)
    return blocks, title


def without_scripts(text: str) -> str:
    """The page without its scripts, styles and the like; one never closed runs to the page's end.

    Each closing tag is looked for once, from where its element opens, so the work is linear
    however many are left open (2.9 MB of `<style` is read in a moment).
    """
    kept: list[str] = []
    at = 0
    while opened := _SCRIPT_OPEN.search(text, at):
        kept.append(text[at : opened.start()])
        closed = re.compile(rf"</{opened[1]}\s*>", re.I).search(text, opened.end())
        if closed is None:
            return " ".join(kept)
        kept.append(" ")
        at = closed.end()
    kept.append(text[at:])
    return "".join(kept)


def _tags_closed(text: str) -> str:
    """The page as the HTML parser reads it in linear time: a comment never closed ends the page
    (as it does in a browser), and a "<" whose tag never closes before the next one is text.
    Python's parser takes time in the square of the length for 100,000 "<a" left open."""
    at = 0
    while (opened := text.find("<!--", at)) != -1:
        closed = text.find("-->", opened + 4)
        if closed == -1:
            text = text[:opened]
            break
        at = closed + 3
    return _LONE_LT.sub("&lt;", text)


def _start(value: object) -> int:
    """An ordered list's `start`: a whole number of a few plain digits, else 1 ("²", 5,000 digits)."""
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,6}", text) else 1


def _chrome(tag: Tag) -> bool:
    """Navigation, ads, banners and the like: skipped, with all they hold."""
    if tag.name in _CHROME_TAGS:
        return True
    names = " ".join([*(tag.get("class") or []), str(tag.get("id") or ""), str(tag.get("role") or "")])
    return bool(names.strip()) and bool(_CHROME_NAMES.search(names))


def _text(node: Tag) -> str:
    """The text of an element, less any navigation or ads inside it."""
    from bs4 import Comment, Tag

    parts: list[str] = []
    for child in node.children:
        if isinstance(child, Tag):
            if not _chrome(child):
                parts.append(_text(child))
        elif not isinstance(child, Comment):
            parts.append(str(child))
    return " ".join(parts)


_INLINE_TAGS = (
    "a",
    "b",
    "strong",
    "i",
    "em",
    "span",
    "small",
    "sup",
    "sub",
    "u",
    "mark",
    "abbr",
    "code",
    "br",
    "time",
    "label",
    "q",
    "s",
    "del",
    "ins",
    "img",
)


def _walk(node: Tag, blocks: list[Block]) -> None:
    from bs4 import Comment, Tag

    inline: list[str] = []

    def flush() -> None:
        text = clean(" ".join(inline))
        inline.clear()
        if text:
            blocks.append(Block(PARA, text))

    for child in node.children:
        budget.check()
        if not isinstance(child, Tag):
            if node.name not in ("ul", "ol", "table", "tbody", "thead", "tfoot", "tr") and not isinstance(
                child, Comment
            ):
                inline.append(str(child))
            continue
        if _chrome(child):
            continue
        name = child.name or ""
        if name in _INLINE_TAGS:
            inline.append(_text(child))
            continue
        flush()
        if re.fullmatch(r"h[1-6]", name):
            text = clean(_text(child))
            if text:
                blocks.append(Block(HEADING, text, level=int(name[1])))
        elif name in ("ul", "ol"):
            first = _start(child.get("start"))
            items = [li for li in child.find_all("li", recursive=False) if not _chrome(li)]
            for i, li in enumerate(items):
                text = clean(_text(li))
                if text:
                    blocks.append(Block(ITEM, text, number=first + i if name == "ol" else None))
        elif name == "tr":
            cells = tuple(clean(_text(c)) for c in child.find_all(("td", "th"), recursive=False))
            if any(cells):
                blocks.append(Block(ROW, " | ".join(cells), cells=cells))
        else:
            _walk(child, blocks)
    flush()


def to_blocks(text: str, name_header: re.Pattern[str] = NAME_HEADER) -> tuple[list[Block], str]:
    """Blocks and a title the page declares (HTML's <title>; empty for text)."""
    if is_html(text):
        return from_html(text)
    return from_text(text, name_header), ""
