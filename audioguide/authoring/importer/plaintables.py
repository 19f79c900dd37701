"""Tables typed as plain text: cells between pipes, after tabs, or in columns aligned with spaces.

A table is found by its lines, not by its words: several lines in a row cut into the same
number of cells. A row wrapped over two lines (its other cells empty, or its first cell
empty) is joined to the row above it, cell by cell. Rule lines (`---+---`, `+----+`) go.
"""

from __future__ import annotations

import re

MIN_CELLS = 2
MIN_ALIGNED_CELLS = 3  # columns aligned with spaces: a header of this many cells at least
MIN_ROWS = 2  # a header and at least one row
_RULE_CHARS = re.compile(r"[\s:=+|-]*")  # a rule line is these only, with a run of three dashes
_GAP = re.compile(r"\S(?: ?\S)*")  # a cell of aligned columns: words apart by at most one space


def _is_rule(line: str) -> bool:
    """`---+---`, `+----+`, `|:--|--:|`: checked with a single class, in linear time."""
    return "---" in line and _RULE_CHARS.fullmatch(line) is not None


def _pipe_cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [c.strip() for c in inner.split("|")]


def _is_pipe(line: str) -> bool:
    return "|" in line and len(_pipe_cells(line)) >= MIN_CELLS


def _is_tab(line: str) -> bool:
    return "\t" in line.strip("\n") and len(line.strip().split("\t")) >= MIN_CELLS


def _starts(line: str) -> list[int]:
    """Where each cell of an aligned line starts (cells are apart by two spaces or more)."""
    return [m.start() for m in _GAP.finditer(line)]


def _aligned_cells(line: str, starts: list[int]) -> list[str]:
    edges = [*starts[1:], len(line) + 1]
    cells = []
    for n, start in enumerate(starts):
        begin = 0 if n == 0 else start
        cells.append(line[begin : edges[n]].strip() if begin < len(line) else "")
    return cells


def _join(rows: list[list[str]]) -> list[list[str]]:
    """Rows wrapped over two lines made one: a line whose first or whose other cells are empty."""
    joined: list[list[str]] = []
    for cells in rows:
        rest_empty = not any(cells[1:])
        if joined and any(cells) and (not cells[0] or rest_empty):
            above = joined[-1]
            for i, cell in enumerate(cells[: len(above)]):
                if cell:
                    above[i] = f"{above[i]} {cell}".strip()
            continue
        joined.append(cells)
    return joined


def find(lines: list[str], is_name_header) -> dict[int, tuple[int, list[list[str]]]]:
    """Tables in the lines: {first line: (line after the table, its rows of cells)}.

    `is_name_header(cells)` says whether a line of cells is a table's header (it names the
    exercise column): aligned columns are only read under such a header.
    """
    found: dict[int, tuple[int, list[list[str]]]] = {}
    i = 0
    while i < len(lines):
        end, rows = _table_at(lines, i, is_name_header)
        if rows:
            found[i] = (end, rows)
        i = max(end, i + 1)  # lines read as one table's, even if it was none, are not read again
    return found


def _table_at(lines: list[str], i: int, is_name_header) -> tuple[int, list[list[str]]]:
    line = lines[i]
    if _is_rule(line) or not line.strip():
        if _is_rule(line) and i + 1 < len(lines) and _is_pipe(lines[i + 1]):
            end, rows = _table_at(lines, i + 1, is_name_header)
            return end, rows
        return i, []
    if _is_pipe(line):
        kind, split = "pipe", _pipe_cells
    elif _is_tab(line):
        kind, split = "tab", lambda s: [c.strip() for c in s.strip().split("\t")]
    else:
        starts = _starts(line)
        if len(starts) < MIN_ALIGNED_CELLS or not is_name_header(_aligned_cells(line, starts)):
            return i, []
        kind, split = "aligned", lambda s: _aligned_cells(s, starts)
    width = len(split(line))
    rows: list[list[str]] = []
    j = i
    while j < len(lines) and lines[j].strip():
        current = lines[j]
        if _is_rule(current):
            j += 1
            continue
        if kind == "pipe" and not _is_pipe(current):
            break
        if kind == "tab" and not _is_tab(current):
            break
        cells = split(current)
        if kind != "aligned" and abs(len(cells) - width) > 1:
            break
        rows.append((cells + [""] * width)[:width])
        j += 1
    if len(rows) < MIN_ROWS or (kind != "pipe" and not is_name_header(rows[0])):
        return j, []
    return j, _join(rows)
