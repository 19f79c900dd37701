"""`audioguide import`: an exercise article (text, Markdown or a saved web page) -> a draft routine.

The article is cut into blocks (`blocks`: headings, items, paragraphs, table rows; tables typed
as text in `plaintables`, a page's HowTo data in `jsonld`), the blocks into one section per
exercise (`sections`), and each section is read sentence by sentence (`sentences`: numbers in
words, notations, and numbers that are never values) for its values (`extract`; a table row
cell by cell, `table`), by rules kept as data per language (`rules/en.yaml`). What the article
says for the whole routine (title, intro, safety advice, a shared rest) is `whole`. The draft
(`draft`) writes every value with the sentence it came from (`values` spells them), and marks
each default it had to use with `check:`. The draft is loaded and compiled like any routine
before it is handed back.

Offline and deterministic: the same bytes always give the same draft.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from audioguide import routine
from audioguide.authoring.importer import blocks as blocks_
from audioguide.authoring.importer import budget, extract, sections, table, whole
from audioguide.authoring.importer.draft import Draft, Value, to_yaml
from audioguide.authoring.importer.errors import ImportArticleError
from audioguide.authoring.importer.rules import DEFAULT_LANGUAGE, Rules, rules_for
from audioguide.compiler import compile_routine
from audioguide.errors import RoutineError, TimingError
from audioguide.files import in_the_way
from audioguide.routine import LEVELS, Routine

__all__ = ["MAX_INPUT_BYTES", "Imported", "ImportArticleError", "import_article", "read_input", "write_draft"]

MAX_INPUT_BYTES = 3 * 1024 * 1024  # a saved article page with its markup; a book is refused
MAX_ARTICLE_CHARS = 200_000  # the article's text once the page's markup is gone
MAX_TEXT_CHARS = 2 * MAX_ARTICLE_CHARS  # plain text or Markdown, refused before it is read
MAX_LINE_CHARS = 20_000  # a line of plain text longer than any paragraph: no article
BINARY_SAMPLE = 8192
MAX_CONTROL_SHARE = 0.01  # more control characters than this in the sample, and it is no text
STDIN = "-"


@dataclass(frozen=True)
class Imported:
    draft: Draft
    text: str  # the draft's YAML
    routine: Routine  # the draft as the strict loader read it
    problems: tuple[str, ...] = ()  # what compiling the draft found (a rest too short for its cues)


def read_input(spec: str, stdin: BinaryIO | None = None) -> tuple[bytes, str]:
    """The bytes of a regular file or of standard input ("-"), refused past MAX_INPUT_BYTES."""
    limit = f"{MAX_INPUT_BYTES // (1024 * 1024)} MB"
    if spec == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        raw = stream.read(MAX_INPUT_BYTES + 1)
        if len(raw) > MAX_INPUT_BYTES:
            raise ImportArticleError(
                f"standard input: is more than {limit}; an article is smaller. Save the article alone"
            )
        return raw, "standard input"
    path = Path(spec)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImportArticleError(f"{path}: no such file") from None
    except OSError as exc:
        raise ImportArticleError(f"{path}: cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImportArticleError(f"{path}: is a directory; give the article's file, or - for standard input")
    if not stat.S_ISREG(info.st_mode):
        raise ImportArticleError(
            f"{path}: is not a regular file (a device, pipe or socket); import reads files, "
            "or - for standard input"
        )
    if info.st_size > MAX_INPUT_BYTES:
        raise ImportArticleError(
            f"{path}: is {info.st_size:,} bytes; an article is at most {limit}. Save the article alone"
        )
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise ImportArticleError(f"{path}: cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise ImportArticleError(
            f"{path}: is more than {limit}; an article is smaller. Save the article alone"
        )
    return raw, str(path)


def _decode(raw: bytes, name: str) -> str:
    sample = raw[:BINARY_SAMPLE]
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in (0x09, 0x0A, 0x0C, 0x0D))
    if b"\x00" in sample or controls > MAX_CONTROL_SHARE * max(len(sample), 1):
        raise ImportArticleError(
            f"{name}: is not text (binary data); give an article as text, Markdown or HTML"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportArticleError(f"{name}: is not UTF-8 text; save the article as UTF-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


def import_article(
    raw: bytes,
    name: str = "the article",
    language: str = DEFAULT_LANGUAGE,
    seconds: float = budget.MAX_SECONDS,
) -> Imported:
    """Read an article and make its draft routine; ImportArticleError when none can be made,
    or when reading it takes longer than `seconds`."""
    rules = rules_for(language)
    text = _decode(raw, name)
    _check_size(text, name)
    with budget.limited(name, seconds):
        return _import(text, name, rules)


def _check_size(text: str, name: str) -> None:
    """Limits checked before anything is read: plain text's length and its longest line."""
    if blocks_.is_html(text):
        return  # a page's markup is most of its bytes (MAX_INPUT_BYTES); its text is counted once parsed
    if len(text) > MAX_TEXT_CHARS:
        raise ImportArticleError(
            f"{name}: has {len(text):,} characters; an article has at most {MAX_ARTICLE_CHARS:,}. "
            "Save the part with the exercises alone"
        )
    longest = max(map(len, text.split("\n")), default=0)
    if longest > MAX_LINE_CHARS:
        raise ImportArticleError(
            f"{name}: has a line of {longest:,} characters; a paragraph has at most {MAX_LINE_CHARS:,}. "
            "Save the article as text with its paragraphs on lines of their own"
        )


def _import(text: str, name: str, rules: Rules) -> Imported:
    try:
        found_blocks, page_title = blocks_.to_blocks(text, rules.table_columns["name"])
    except RecursionError:
        raise ImportArticleError(
            f"{name}: its HTML nests elements thousands deep; no article does. Save the article alone"
        ) from None
    words = sum(len(b.text) for b in found_blocks)
    if words > MAX_ARTICLE_CHARS:
        raise ImportArticleError(
            f"{name}: has {words:,} characters of text; an article has at most {MAX_ARTICLE_CHARS:,}. "
            "Save the part with the exercises alone"
        )
    if not found_blocks:
        raise ImportArticleError(f"{name}: has no text to read")
    found, skipped = sections.find(found_blocks, rules)
    if not found:
        raise ImportArticleError(
            f"{name}: no exercises found. import looks for numbered or headed sections, list items, "
            "a table or sentences that start 'Next, ...', each speaking of a body part or movement with "
            "a count or a duration ('hold for 20 seconds', '10 times'). Write the exercises so, or start "
            "from `audioguide init`"
        )
    context = extract.Context(rules)
    exercises = []
    seen: set[str] = set()
    for section in found:
        if section.row and section.paragraphs:
            exercise = table.merge(extract.build(section, context), table.build_row(section, context))
        elif section.row:
            exercise = table.build_row(section, context)
        else:
            exercise = extract.build(section, context)
        slug = routine.slugify(exercise.name)
        n = 1
        while slug in seen:
            n += 1
            slug = routine.slugify(f"{exercise.name} {n}")
        if n > 1:
            exercise = replace(exercise, name=f"{exercise.name} {n}")
        seen.add(slug)
        exercises.append(exercise)
    shared = whole.shared_rest(found_blocks, found, rules)
    if shared is not None:  # "Rest 90s between sets" said once for the whole routine
        exercises = [
            replace(e, rest=shared) if e.sets is not None and (e.rest is None or e.rest.check) else e
            for e in exercises
        ]
    title, title_check = whole.title(found_blocks, page_title, found, name, rules.defaults["title"])
    rest_between = context.rest_between or Value(
        rules.defaults["rest_between"],
        "",
        f"the article gives no rest between exercises; {rules.defaults['rest_between']} is the documented "
        "default",
    )
    draft = Draft(
        title=title,
        intro=whole.intro(found_blocks, found, rules),
        exercises=tuple(exercises),
        rest_between=rest_between,
        title_check=title_check,
        dropped=tuple(context.dropped),
        refused=tuple(context.refused),
        skipped=tuple(s for s in skipped if s != title),
        unsure=tuple(dict.fromkeys(context.unsure)),
        safety=whole.safety(found_blocks, context, rules),
        safety_key="safety" in routine.ROUTINE_KEYS,
        source_name=name,
    )
    draft = replace(draft, unsure=whole.unused(found_blocks, draft, rules))
    yaml_text = to_yaml(draft)
    try:
        loaded = routine.loads(yaml_text, source="the draft")
    except RoutineError as exc:
        raise ImportArticleError(
            f"{name}: the draft made from it is not a valid routine: "
            + "; ".join(exc.problems)
            + ". Save only the exercises you want, and import that"
        ) from None
    problems = []
    for level in LEVELS:
        try:
            compile_routine(loaded, level)
        except TimingError as exc:
            problems.append(f"at level {level}: {exc}")
    return Imported(draft, yaml_text, loaded, tuple(dict.fromkeys(problems)))


def write_draft(text: str, path: Path, force: bool = False) -> None:
    """Write the draft atomically; never over an existing file unless `force`, and never over
    anything but a regular file (a device, a pipe, a link or a folder stays as it is)."""
    if kind := in_the_way(path):
        raise ImportArticleError(
            f"{path}: is {kind}; import replaces only a regular file, even with --force. "
            "Choose another name with -o"
        )
    if path.exists() and not force:
        raise ImportArticleError(
            f"{path}: already exists; import never overwrites a file. Choose another name with -o, "
            "or add --force to replace it"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ImportArticleError(f"cannot write {path}: {exc.strerror}. Choose a writable folder") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ImportArticleError(
                f"cannot write {path}: {exc.strerror}. Choose a writable folder"
            ) from None
        raise
