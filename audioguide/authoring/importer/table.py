"""One exercise from a table row: each cell read by its column's header ("Hold (s)" gives the unit)."""

from __future__ import annotations

import re
from dataclasses import replace

from audioguide.authoring.importer import sentences
from audioguide.authoring.importer.draft import HOLD, REPS, SAY, Exercise, Step, Value
from audioguide.authoring.importer.extract import Context
from audioguide.authoring.importer.rules import Rules
from audioguide.authoring.importer.sections import Section
from audioguide.authoring.importer.sentences import Quantity, as_number
from audioguide.authoring.importer.values import REST_CHECK, count_value, duration_value, fit, tempo


def build_row(section: Section, context: Context) -> Exercise:
    """One exercise from a table row: each cell read by its column's header."""
    rules = context.rules
    source = " | ".join(section.row)
    cells: dict[str, str] = {}
    values: dict[str, Value | None] = {}
    two_sided = False
    for header, cell in zip(section.header, section.row, strict=False):
        kinds = [k for k, p in rules.table_columns.items() if k != "name" and p.search(header)]
        if not kinds or not cell:
            continue
        for kind in kinds:
            cells.setdefault(kind, cell)
        if kinds[0] in ("how", "equipment", "sides"):
            continue
        norm = sentences.normalize(cell, rules)
        two_sided = two_sided or bool(rules.both_sides.search(norm)) or bool(re.search(r"/\s*side", norm))
        if "rest" in kinds:
            values.setdefault("rest", _cell_duration(cell, header, source, rules, context))
            continue
        for kind, value in _cell_values(norm, kinds, header, source, rules).items():
            values.setdefault(kind, value)
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
    if two_sided or cells.get("sides", "").strip().lower() in rules.yes_words:
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


def _cell_values(
    norm: str, kinds: list[str], header: str, source: str, rules: Rules
) -> dict[str, Value | None]:
    """What one cell gives: "3 x 10", "10, hold 3 s at top", "15 each side", "30 s", a bare number."""
    found: dict[str, Value | None] = {}
    quantities = sentences.quantities(norm, rules)
    for q in quantities:
        if q.kind == sentences.HOLD:
            found.setdefault("hold", duration_value(q, source))
        elif q.kind == sentences.SETS:
            found.setdefault("sets", count_value(q, source))
        else:
            found.setdefault("reps", count_value(q, source))
    masked = sentences.mask(norm, rules)
    taken = [(q.start, q.end) for q in quantities]
    for m in re.finditer(r"\b(\d+)(?:\s*-\s*(\d+))?\b", masked):
        if any(s <= m.start() < e for s, e in taken):
            continue
        kind = next((k for k in kinds if k in ("reps", "sets", "hold") and k not in found), "")
        if kind == "hold":
            unit = re.search(r"\b(sec\w*|s|min\w*)\b", header, re.I)
            if not unit:
                continue
            scale = 60 if unit[1].lower().startswith("min") else 1
            high = as_number(m[2]) * scale if m[2] else None
            q = Quantity(sentences.HOLD, as_number(m[1]) * scale, high, 0, 0)
            found[kind] = duration_value(q, source)
        elif kind:
            q = Quantity(REPS, as_number(m[1]), as_number(m[2]) if m[2] else None, 0, 0)
            found[kind] = count_value(q, source)
    return found


def _cell_duration(cell: str, header: str, source: str, rules: Rules, context: Context) -> Value | None:
    norm = sentences.normalize(cell, rules)
    found = [q for q in sentences.quantities(norm, rules) if q.kind == sentences.HOLD]
    if found:
        return duration_value(found[0], source)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?", norm.strip())
    unit = re.search(r"\b(sec\w*|s|min\w*)\b", header, re.I)
    if m and unit:
        scale = 60 if unit[1].lower().startswith("min") else 1
        q = Quantity(sentences.HOLD, as_number(m[1]) * scale, as_number(m[2]) * scale if m[2] else None, 0, 0)
        return duration_value(q, source)
    if m:
        context.refused.append(f"{source} (a number without a unit: {cell!r})")
    return None


def merge(prose: Exercise, row: Exercise) -> Exercise:
    """An exercise told in prose and summed up in a table row: the prose's words, each value
    the prose lacks taken from the row (a row's rep count with its hold over a prose hold)."""
    counted = [s for s in prose.steps if s.kind != SAY]
    row_step = next((s for s in row.steps if s.kind != SAY), None)
    steps = prose.steps
    only_holds = all(s.kind == HOLD for s in counted)
    if row_step is not None and (not counted or (row_step.kind == REPS and only_holds)):
        words = [s for s in prose.steps if s.kind == SAY]
        say = counted[0].say if counted else (words.pop().say if words else row_step.say)
        steps = (*words, Step(row_step.kind, say, row_step.value, row_step.tempo))
    rest = prose.rest if prose.rest is not None and not prose.rest.check else row.rest or prose.rest
    return replace(
        prose,
        steps=tuple(steps),
        sets=prose.sets or row.sets,
        rest=rest if (prose.sets or row.sets) else None,
        rest_after=prose.rest_after or (row.rest_after if not (prose.sets or row.sets) else None),
        sides=prose.sides or row.sides,
        switch=prose.switch or row.switch,
        equipment=prose.equipment + tuple(e for e in row.equipment if e not in prose.equipment),
        notes=prose.notes if counted or row_step is None else (),
    )
