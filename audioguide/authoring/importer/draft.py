"""A draft routine as found in an article, every value with its source, and its YAML text.

Each value the draft writes carries the sentence it came from, written as a comment beside
it; a value the article does not give carries a `# check:` comment instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

HOLD = "hold"
REPS = "reps"
SAY = "say"
COMMENT_CHARS = 300  # a source sentence longer than this is cut in its comment


@dataclass(frozen=True)
class Value:
    """A value as YAML writes it ("20s", "10-20", "5"), where it came from, and what to check."""

    text: str
    source: str = ""  # the article's sentence (or table row)
    check: str = ""  # set when the value is a default or a guess the user must confirm


@dataclass(frozen=True)
class Phase:
    say: str
    length: Value


@dataclass(frozen=True)
class Step:
    kind: str  # HOLD, REPS or SAY
    say: str
    value: Value | None = None  # the hold's length or the rep count; None for SAY
    tempo: tuple[Phase, ...] = ()


@dataclass(frozen=True)
class Exercise:
    name: str
    steps: tuple[Step, ...]
    name_check: str = ""
    purpose: str = ""
    equipment: tuple[str, ...] = ()
    equipment_source: str = ""
    setup: str = ""
    sets: Value | None = None
    rest: Value | None = None
    rest_after: Value | None = None
    sides: Value | None = None  # text like "[right, left]"
    switch: str = ""
    notes: tuple[str, ...] = ()  # what the user must check that is no single value


@dataclass(frozen=True)
class Draft:
    title: str
    exercises: tuple[Exercise, ...]
    rest_between: Value
    title_check: str = ""
    intro: str = ""  # what the article says to have ready, outside any exercise
    dropped: tuple[str, ...] = ()  # asides left out
    refused: tuple[str, ...] = ()  # sentences whose number is out of a routine's range, or has no unit
    skipped: tuple[str, ...] = ()  # sections that were not exercises
    unsure: tuple[str, ...] = ()  # sentences with a number no value was taken from
    safety: str = ""  # the article's safety advice, spoken once in the intro
    safety_key: bool = True  # whether routines have a `safety` key (else the advice is a comment)
    source_name: str = ""

    def values(self) -> list[tuple[str, Value]]:
        """Every value with its place, as `validate` names places."""
        found = [("rest_between", self.rest_between)]
        for i, exercise in enumerate(self.exercises):
            where = f"exercises[{i}]"
            for key in ("sets", "rest", "rest_after", "sides"):
                value = getattr(exercise, key)
                if value is not None:
                    found.append((f"{where}.{key}", value))
            for j, step in enumerate(exercise.steps):
                if step.value is not None:
                    found.append((f"{where}.steps[{j}].{step.kind}", step.value))
                for k, phase in enumerate(step.tempo):
                    found.append((f"{where}.steps[{j}].tempo[{k}].for", phase.length))
        return found

    def checks(self) -> list[str]:
        """What the user must check: each default or guess, with its place."""
        found = []
        if self.title_check:
            found.append(f"title: {self.title_check}")
        for i, exercise in enumerate(self.exercises):
            if exercise.name_check:
                found.append(f"exercises[{i}].name: {exercise.name_check}")
            found += [f"exercises[{i}]: {note}" for note in exercise.notes]
        found += [f"{where}: {value.check}" for where, value in self.values() if value.check]
        return found


def describe(exercise: Exercise) -> str:
    """One line: what the exercise's values are, for the summary."""
    parts = []
    for step in exercise.steps:
        if step.kind == HOLD and step.value is not None:
            parts.append(f"hold {step.value.text}")
        elif step.kind == REPS and step.value is not None:
            holds = [p.length.text for p in step.tempo if not p.length.check]
            parts.append(f"{step.value.text} reps" + (f" (hold {holds[0]} each)" if holds else ""))
    grouped: list[str] = []
    for part in parts:  # "hold 20s" three times in a row -> "3 x hold 20s"
        if grouped and grouped[-1].split(" x ", 1)[-1] == part:
            times = int(grouped[-1].split(" x ", 1)[0]) if " x " in grouped[-1] else 1
            grouped[-1] = f"{times + 1} x {part}"
        else:
            grouped.append(part)
    parts = grouped
    if exercise.sides is not None:
        parts.append("on each side")
    if exercise.sets is not None:
        rounds = "round" if exercise.sets.text == "1" else "rounds"
        parts.append(f"{exercise.sets.text} {rounds}")
    for label, value in (("rest", exercise.rest), ("rest after", exercise.rest_after)):
        if value is not None and not value.check:
            parts.append(f"{label} {value.text}")
    if exercise.equipment:
        parts.append("with " + "; ".join(exercise.equipment))
    return ", ".join(parts) or "spoken instructions only"


def _text(value: str) -> str:
    """A YAML string: JSON's double-quoted form is valid YAML and never ambiguous."""
    return json.dumps(value, ensure_ascii=False)


def _comment(value: Value) -> str:
    parts = []
    if value.source:
        source = (
            value.source if len(value.source) <= COMMENT_CHARS else value.source[: COMMENT_CHARS - 3] + "..."
        )
        parts.append(_text(source))
    if value.check:
        parts.append(f"check: {value.check}")
    return "  # " + " ".join(parts) if parts else ""


def _line(indent: str, key: str, value: Value) -> str:
    return f"{indent}{key}: {value.text}{_comment(value)}"


def to_yaml(draft: Draft) -> str:
    lines = [
        f"# A draft routine made by `audioguide import` from {draft.source_name or 'an article'}.",
        "# Each value is followed by the sentence it came from. Values the article does not give",
        "# are documented defaults marked `check:`; confirm them, then run:",
        "#     audioguide validate THIS-FILE && audioguide build THIS-FILE",
        "",
        f"title: {_text(draft.title)}" + (f"  # check: {draft.title_check}" if draft.title_check else ""),
        *([f"intro: {_text(draft.intro)}"] if draft.intro else []),
        *(
            [("" if draft.safety_key else "# ") + f"safety: {_text(draft.safety)}"]
            if draft.safety
            else []
        ),
        _line("", "rest_between", draft.rest_between),
        "",
        "exercises:",
    ]
    for exercise in draft.exercises:
        lines += _exercise_lines(exercise)
    return "\n".join(lines) + "\n"


def _exercise_lines(exercise: Exercise) -> list[str]:
    pad = "    "
    check = f"  # check: {exercise.name_check}" if exercise.name_check else ""
    lines = [f"  - name: {_text(exercise.name)}{check}"]
    if exercise.purpose:
        lines.append(f"{pad}purpose: {_text(exercise.purpose)}")
    if exercise.equipment:
        things = ", ".join(_text(thing) for thing in exercise.equipment)
        source = f"  # {_text(exercise.equipment_source)}" if exercise.equipment_source else ""
        lines.append(f"{pad}equipment: [{things}]{source}")
    if exercise.sides is not None:
        lines.append(_line(pad, "sides", exercise.sides))
        lines.append(f"{pad}switch: {_text(exercise.switch)}")
    if exercise.setup:
        lines.append(f"{pad}setup: {_text(exercise.setup)}")
    for key in ("sets", "rest", "rest_after"):
        value = getattr(exercise, key)
        if value is not None:
            lines.append(_line(pad, key, value))
    lines.append(f"{pad}steps:")
    for step in exercise.steps:
        if step.kind == SAY or step.value is None:
            lines.append(f"{pad}  - say: {_text(step.say)}")
            continue
        lines.append(_line(f"{pad}  - ", step.kind, step.value))
        lines.append(f"{pad}    say: {_text(step.say)}")
        if step.tempo:
            lines.append(f"{pad}    tempo:")
            for phase in step.tempo:
                lines.append(f"{pad}      - say: {_text(phase.say)}")
                lines.append(_line(f"{pad}        ", "for", phase.length))
    return lines
