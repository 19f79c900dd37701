"""YAML syntax errors in the user's words: the line to look at and what to check there.

PyYAML says what its parser expected (`expected <block end>, but found '<block mapping
start>'`); a user needs the mistake behind it (a line indented differently from its
neighbours). MISTAKES maps PyYAML's common problems to sentences, each with the line it is
about: the line where PyYAML stopped, or the line where what it was reading began (an
unclosed quote is reported at the end of the file, but opened on its own line). Where one
problem has several usual causes, a test of the line picks the sentence. A problem not in
the table keeps PyYAML's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

TAB_MESSAGE = (
    "is indented with a tab; YAML indents with spaces only. Replace the tab with spaces, "
    "lined up with the lines above"
)
INDENTED_DIFFERENTLY = (
    "this line is indented differently from the lines around it: keys of one exercise line up "
    "under its name, keys of one step under its first key (hold, reps or say)"
)
QUOTE_IT = 'put the text in quotes: {key}: "{value}"'


@dataclass(frozen=True)
class Spot:
    """Where PyYAML stopped, and where what it was reading began (lines from 0)."""

    lines: list[str]
    problem: int
    context: int

    def text(self, line: int) -> str:
        return self.lines[line] if 0 <= line < len(self.lines) else ""


# Which line a mistake is about, or None when the line shows it is not this mistake.
Finder = Callable[[Spot], int | None]


def _problem(spot: Spot) -> int:
    return spot.problem


def _context(spot: Spot) -> int:
    return spot.context


def _problem_if(test: Callable[[str], bool], before: int = 0) -> Finder:
    """The problem's line, or one of the `before` lines above it, where `test` holds."""

    def find(spot: Spot) -> int | None:
        near = range(spot.problem, max(spot.problem - before - 1, -1), -1)
        return next((line for line in near if test(spot.text(line))), None)

    return find


def _tab_in_indent(spot: Spot) -> int | None:
    line = spot.text(spot.problem)
    return spot.problem if "\t" in line[: len(line) - len(line.lstrip(" \t"))] else None


_KEY_VALUE = re.compile(r"^\s*(?:-\s+)?(?P<key>[^\s:#][^:#]*?):\s+(?P<value>.*?)\s*$")


def _value(line: str) -> str:
    match = _KEY_VALUE.match(line)
    return match["value"] if match else ""


def _plain(line: str) -> bool:
    """Is the line `key: text`, its text neither quoted nor a list or mapping written inline?"""
    return _value(line)[:1] not in ("", "[", "{", "'", '"')


_ALIAS = r"(alias|anchor): expected alphabetic or numeric character|found undefined alias"


@dataclass(frozen=True)
class Mistake:
    """A PyYAML problem (a pattern on "context: problem") and what it says to a user."""

    pattern: str
    says: str  # may name {key} and {value} of the line, and groups of the pattern
    find: Finder = _problem


MISTAKES = (
    Mistake(r"'\\t'", f"this line {TAB_MESSAGE}"),
    Mistake(r".", f"this line {TAB_MESSAGE}", _tab_in_indent),
    Mistake(
        r".",
        "this line has two '-' in a row, which starts a list inside a list item; keep one '- '",
        _problem_if(lambda line: bool(re.match(r"^\s*-\s+-(\s|$)", line)), before=1),
    ),
    Mistake(
        r"mapping values are not allowed here",
        "this list item needs a space after its '-', like - name: Squat",
        _problem_if(lambda line: bool(re.match(r"^\s*-[^\s-]", line)), before=1),
    ),
    Mistake(
        r"mapping values are not allowed here",
        f'the text after "{{key}}:" holds ": ", which YAML reads as another key; {QUOTE_IT}',
        _problem_if(lambda line: _plain(line) and (": " in _value(line) or _value(line).endswith(":"))),
    ),
    Mistake(
        r"mapping values are not allowed here",
        "this line is indented further than the line above it: keys of one exercise line up "
        "under its name, keys of one step under its first key (hold, reps or say)",
    ),
    Mistake(r"expected <block end>, but found '<block mapping start>'", INDENTED_DIFFERENTLY),
    Mistake(
        r"expected <block end>, but found '<block sequence start>'",
        "this '- ' is not lined up with the '- ' of the items above it: the items of one list "
        "(exercises, or the steps of one exercise) start at the same column",
    ),
    Mistake(
        r"expected <block end>, but found '-'",
        "this line starts a list item ('- ') where a key was expected: line its '- ' up with the "
        "other items of its list, under the key that holds them (steps:)",
    ),
    Mistake(
        r"expected <block end>, but found '<scalar>'",
        'the value of "{key}:" goes on after a list or mapping written inline ([...] or {{...}}): '
        "if it is a text, " + QUOTE_IT + "; if it is a list or mapping, end the line after it",
        _problem_if(lambda line: _value(line)[:1] in ("{", "[")),
    ),
    Mistake(
        r"expected <block end>, but found '<scalar>'",
        'the text after "{key}:" goes on after its closing quote; put all of it inside the quotes',
        _problem_if(lambda line: _value(line)[:1] in ("'", '"')),
    ),
    Mistake(
        r"expected <block end>, but found '\?'",
        "this line is indented like the '- ' of the list above, but is no item of it: start it "
        "with '- ' for a new item, or indent it under the item's first key",
    ),
    Mistake(r"expected <block end>", INDENTED_DIFFERENTLY),
    Mistake(
        r"could not find expected ':'",
        "this line has no ':' after its key: write key: value, like sets: 3. If it goes on with "
        "the text of the line above, indent it further than that line's key",
        _context,
    ),
    Mistake(
        r"quoted scalar: found unexpected end of stream",
        "a quote opened on this line is never closed: end the text with the same quote mark",
        _context,
    ),
    Mistake(
        r"flow mapping: expected ',' or '}', but got ':'",
        'a text inside {{...}} on this line holds ": "; put it in quotes, like {{say: "Note: slowly"}}',
    ),
    Mistake(
        r"flow (?P<what>sequence|mapping): expected ',' or '(?P<close>[]}])'",
        "the list or mapping opened on this line is not closed by a '{close}', or two of its items "
        "have no ',' between them",
        _context,
    ),
    Mistake(
        r"sequence entries are not allowed here",
        "a list cannot start on the line of its key: put each '- ' on a line of its own, "
        "indented under the key",
    ),
    Mistake(
        r"found character '(?P<char>[^']+)' that cannot start any token",
        "a value cannot start with {char}; " + QUOTE_IT,
        _problem_if(_plain),
    ),
    Mistake(
        r"found character '(?P<char>[^']+)' that cannot start any token",
        "a text cannot start with {char}; put the text that starts with it in quotes",
    ),
    Mistake(
        r"block node: expected the node content, but found '(?P<char>[^']+)'",
        "a value cannot start with '{char}'; " + QUOTE_IT,
        _problem_if(_plain),
    ),
    Mistake(
        r"block node: expected the node content, but found '(?P<char>[^']+)'",
        "a value cannot start with '{char}': remove it, or put the text that starts with it in quotes",
    ),
    Mistake(
        r"flow node: expected the node content",
        "a list or mapping on this line has a ',' or ':' where a value should be: check its commas, "
        "and put a text that holds ':' or ',' in quotes",
    ),
    Mistake(
        r"block scalar",
        "a value starting with '>' or '|' begins a text of several lines, on the lines below: put "
        "a text that starts with '>' or '|' in quotes",
    ),
    Mistake(r"directive", "a line cannot start with '%'; put a text that starts with it in quotes"),
    Mistake(
        r"found unknown escape character",
        'a "\\" inside double quotes starts an escape such as \\n: put this text in single quotes, '
        'or write "\\\\" for a backslash',
    ),
    Mistake(
        _ALIAS,
        'a value starting with "*" or "&" is read as a YAML alias; ' + QUOTE_IT,
        _problem_if(_plain),
    ),
    Mistake(_ALIAS, 'a text starting with "*" or "&" is read as a YAML alias; put that text in quotes'),
    Mistake(
        r"found another document",
        "a second routine starts here, after '---'; a routine file holds one routine: remove "
        "the '---', or put the other routine in a file of its own",
    ),
    Mistake(
        r"found duplicate anchor '(?P<anchor>[^']*)'",
        'two values are marked "&{anchor}"; a YAML anchor names one value: rename one, or put a '
        'text that starts with "&" in quotes',
    ),
    Mistake(
        r"expected '<document start>', but found '<block mapping start>'",
        "this line is indented differently from the first line: the routine's own keys (title, "
        "exercises...) start at the very beginning of their lines",
    ),
)


def explained(error: yaml.YAMLError, text: str, source: str) -> str:
    """A YAML syntax error as one located message in the user's words."""
    if isinstance(error, yaml.reader.ReaderError):  # a character YAML refuses, such as a NUL
        line = text.count("\n", 0, error.position) + 1
        return (
            f"{source}:{line}: this line holds a control character (#x{error.character:04x}), "
            "which a routine cannot hold; remove it"
        )
    problem_mark = getattr(error, "problem_mark", None)
    context_mark = getattr(error, "context_mark", None) or problem_mark
    why = getattr(error, "problem", None) or str(error).splitlines()[0]
    if problem_mark is None or context_mark is None:
        return f"{source}: not valid YAML: {why}"
    lines = text.splitlines()
    spot = Spot(lines, min(problem_mark.line, max(len(lines) - 1, 0)), context_mark.line)
    said = f"{getattr(error, 'context', None) or ''}: {why}"
    for mistake in MISTAKES:
        if (match := re.search(mistake.pattern, said)) and (line := mistake.find(spot)) is not None:
            key_value = _KEY_VALUE.match(spot.text(line))
            fields = {"key": "key", "value": "...", **(key_value.groupdict() if key_value else {})}
            return f"{source}:{line + 1}: {mistake.says.format(**fields, **match.groupdict())}"
    return f"{source}:{spot.problem + 1}: not valid YAML: {why}"
