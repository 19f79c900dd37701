"""One exercise from a table row: each cell read by its column's header ("Hold (s)" gives the unit)."""

from __future__ import annotations

import re

from audioguide.authoring.importer import sentences
from audioguide.authoring.importer.draft import HOLD, REPS, SAY, Exercise, Step, Value
from audioguide.authoring.importer.extract import REST_CHECK, Context, count_value, duration_value, fit, tempo
from audioguide.authoring.importer.rules import Rules
from audioguide.authoring.importer.sections import Section
from audioguide.authoring.importer.sentences import Quantity


def build_row(section: Section, context: Context) -> Exercise:
    """One exercise from a table row: each cell read by its column's header."""
    rules = context.rules
    source = " | ".join(section.row)
    cells: dict[str, str] = {}
    units: dict[str, str] = {}
    for header, cell in zip(section.header, section.row, strict=False):
        kind = next((k for k, p in rules.table_columns.items() if k != "name" and p.search(header)), "")
        if kind and cell and kind not in cells:
            cells[kind] = cell
            units[kind] = header
    values: dict[str, Value | None] = {}
    for kind in ("reps", "sets"):
        if kind in cells:
            m = re.search(r"(\d+)(?:\s*-\s*(\d+))?", sentences.normalize(cells[kind], rules))
            if m:
                q = Quantity(REPS, float(m[1]), float(m[2]) if m[2] else None, 0, 0)
                values[kind] = count_value(q, source)
    for kind in ("hold", "rest"):
        if kind in cells:
            values[kind] = _cell_duration(cells[kind], units[kind], source, rules, context)
    notes = []
    say = cells.get("how") or section.name + "."
    hold = values.get("hold")
    if values.get("reps"):
        step = Step(REPS, say, values["reps"], tempo(rules, hold))
    elif hold:
        step = Step(HOLD, say, hold)
    else:
        step = Step(SAY, say)
        notes.append("the article gives no count or duration; it is a spoken instruction only")
    sets, rest, rest_after = values.get("sets"), values.get("rest"), None
    if sets and not rest and sets.text != "1":
        default = rules.defaults["rest"]
        rest = Value(default, "", REST_CHECK.format(default=default))
    elif rest and not sets:
        rest, rest_after = None, rest
    sides, switch = None, ""
    if cells.get("sides", "").strip().lower() in rules.yes_words:
        sides = Value(
            "[" + ", ".join(rules.default_sides) + "]", source, "the article does not say which side is first"
        )
        switch = rules.switch_cue.format(side="{side}", part="side")
    equipment = tuple(t.strip() for t in re.split(r",|\band\b", cells.get("equipment", "")) if t.strip())
    equipment = tuple(t for t in equipment if t.lower() not in ("-", "none", "no", "n/a"))
    return Exercise(
        name=section.name,
        steps=tuple(Step(step.kind, piece, step.value, step.tempo) for piece in fit(step.say, rules)[:1]),
        equipment=equipment,
        equipment_source=source if equipment else "",
        sets=sets,
        rest=rest,
        rest_after=rest_after,
        sides=sides,
        switch=switch,
        notes=tuple(notes),
    )


def _cell_duration(cell: str, header: str, source: str, rules: Rules, context: Context) -> Value | None:
    norm = sentences.normalize(cell, rules)
    found = [q for q in sentences.quantities(norm, rules) if q.kind == sentences.HOLD]
    if found:
        return duration_value(found[0], source)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?", norm.strip())
    unit = re.search(r"\b(sec\w*|s|min\w*)\b", header, re.I)
    if m and unit:
        scale = 60 if unit[1].lower().startswith("min") else 1
        q = Quantity(sentences.HOLD, float(m[1]) * scale, float(m[2]) * scale if m[2] else None, 0, 0)
        return duration_value(q, source)
    if m:
        context.refused.append(f"{source} (a number without a unit: {cell!r})")
    return None
