"""One exercise from its section: its steps, counts, durations, rests, sides and equipment.

Every number written comes from a sentence (kept as the value's source). A value the
routine needs but the article does not give is the documented default, marked `check:`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audioguide.authoring.importer import sentences
from audioguide.authoring.importer.draft import HOLD, REPS, SAY, Exercise, Step, Value
from audioguide.authoring.importer.rules import Rules
from audioguide.authoring.importer.sections import Section
from audioguide.authoring.importer.sentences import Quantity
from audioguide.authoring.importer.values import (
    MS_PER_SECOND,
    REST_CHECK,
    count_value,
    duration_value,
    fit,
    tempo,
)
from audioguide.routine import parse_duration

_NOTHING = re.compile(r"^(?:no\s+equipment|nothing|none|no\s+props?)\b", re.I)  # "You will need: nothing"
_HUGE_NUMBER = re.compile(r"\d{7,}")
MIN_SAY_WORDS = 4  # fewer words left once the numbers are out ("Hold, then switch."), and the step borrows


@dataclass
class Context:
    """What the whole routine gathers while its exercises are read."""

    rules: Rules
    rest_between: Value | None = None
    dropped: list[str] = field(default_factory=list)  # asides
    refused: list[str] = field(default_factory=list)  # sentences whose number no routine can take
    unsure: list[str] = field(default_factory=list)  # sentences with a number no exercise was given
    safety: list[str] = field(default_factory=list)  # safety advice, spoken once in the intro


class Builder:
    """Reads one section's sentences in order and gathers the exercise."""

    def __init__(self, section: Section, context: Context):
        self.section = section
        self.context = context
        self.rules = context.rules
        self.purpose: list[str] = []
        self.setup: list[str] = []
        self.pending: list[str] = []
        self.steps: list[Step] = []
        self.step_sources: list[str] = []
        self.equipment: list[str] = []
        self.equipment_source = ""
        self.sets: Value | None = None
        self.rest: Value | None = None
        self.side_marks: list[tuple[int, str, str, bool]] = []  # (step, sentence, body part, alone)
        self.first_side = ""
        self.in_turn = False  # the exercise moves to one side, then to the other
        self.notes: list[str] = []
        self.borrowed: int | None = None  # the step, made in this paragraph, whose words are the name

    # --- reading ----------------------------------------------------------------------

    def paragraph(self, text: str) -> None:
        self.borrowed = None
        if text.startswith("(") and text.endswith(")"):  # a paragraph in brackets: the writer's aside
            self.context.dropped.append(text)
            return
        for sentence in sentences.split(text, self.rules):
            self.sentence(sentence)
        if self.pending and self.borrowed is not None:
            # "8-12 reps. Stand an arm's length from a wall...": the words after the count are its own
            step = self.steps[self.borrowed]
            self.steps[self.borrowed] = Step(step.kind, " ".join(self.pending), step.value, step.tempo)
            self.pending = []
        if self.pending and self.steps:
            self.steps.append(Step(SAY, " ".join(self.pending)))
            self.step_sources.append("")
            self.pending = []

    def sentence(self, original: str) -> None:
        rules = self.rules
        norm = sentences.normalize(original, rules)
        if is_safety(norm, rules):
            self.context.safety.append(original)
            return
        if any(p.search(norm) for p in rules.asides):
            self.context.dropped.append(original)
            return
        if any(p.search(norm) for p in rules.progressions):  # for later: listed, never spoken now
            self.context.unsure.append(original)
            return
        if not self.first_side and (
            m := re.search(rf"\b({_sides(rules)})\b" + _body_after(rules), norm, re.I)
        ):
            self.first_side = m[1].lower()
        if _HUGE_NUMBER.search(norm):  # no routine's value, and no sentence to speak
            self.context.refused.append(original)
            return
        found = sentences.quantities(norm, rules)
        kept = [q for q in found if not sentences.elsewhere(norm, q, rules)]
        if len(kept) < len(found) or sentences.mask(norm, rules) != norm:
            self.context.unsure.append(original)
            found = kept
        if (need := rules.need_sentence.search(norm)) and not found:
            self._needs(need["things"], original)
            return
        self._equipment(original, norm)
        side = self._side(norm, counted=bool(found))
        if not found:
            if side and self.steps:
                self.side_marks.append((len(self.steps) - 1, original, side, True))
                return
            if side:
                self.side_marks.append((-1, original, side, True))
            if self.steps:
                self.pending.append(original)
            elif not self.setup and rules.purpose.search(norm):
                self.purpose.append(original)
            else:
                self.setup.append(original)
            return
        self._values(original, norm, found)
        if side:
            self.side_marks.append((len(self.steps) - 1, original, side, False))

    def _equipment(self, original: str, norm: str) -> None:
        nouns = "|".join(re.escape(n) for n in self.rules.equipment_nouns)
        articles = "|".join(re.escape(a) for a in self.rules.equipment_articles if a != "your")
        for m in re.finditer(rf"\b(?:{articles})\s+(?:[a-z-]+\s+)?(?:{nouns})\b", norm, re.I):
            thing = m[0]
            noun = next(n for n in self.rules.equipment_nouns if thing.lower().endswith(n))
            if not any(noun in known.lower() for known in self.equipment):
                self.equipment.append(thing[0].lower() + thing[1:])
                self.equipment_source = self.equipment_source or original

    def _needs(self, things: str, original: str) -> None:
        for thing in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s+plus\s+", things):
            thing = thing.strip().rstrip(".!").strip()
            known = any(thing.lower() == k.lower() for k in self.equipment)
            if thing and not _NOTHING.match(thing) and not known:
                self.equipment = [k for k in self.equipment if k.lower() not in thing.lower()]
                self.equipment.append(thing)
        self.equipment_source = original

    def _side(self, norm: str, counted: bool = True) -> str:
        m = self.rules.both_sides.search(norm)
        if m and m["after_count"] is not None and not counted:
            self.in_turn = True  # "roll to one side, then to the other": a way, not yet a side
            m = None
        if not m and (self.first_side or self.in_turn) and self.rules.each_way.search(norm):
            return self.rules.singular.get("one", "side")  # "each way", after turning to the left
        if not m:
            return ""
        part = next((g for g in m.groups() if g), "side").lower()
        vague = self.rules.singular.get("one", "side")
        if self.rules.singular.get(part, part) in ("one", vague) and (
            named := re.search(rf"\b(?:{_sides(self.rules)})\s+(\w+)", norm, re.I)
        ):
            part = named[1].lower()
        part = self.rules.singular.get(part, part)
        return vague if part == "one" else part

    # --- values -----------------------------------------------------------------------

    def _values(self, original: str, norm: str, found: list[Quantity]) -> None:
        rules = self.rules
        holds: list[Quantity] = []
        reps: list[Quantity] = []
        whole = False
        for q in found:
            clause = sentences.clause(norm, q, rules)
            if q.kind == sentences.HOLD and rules.rest_words.search(clause):
                value = duration_value(q, original)
                if value and rules.between_exercises.search(norm):
                    self.context.rest_between = self.context.rest_between or value
                elif value:
                    self.rest = value
            elif q.kind == sentences.SETS:
                self.sets = count_value(q, original) or self.sets
            elif q.kind == sentences.REPS and rules.whole_exercise.search(clause):
                whole = True
                reps.append(q)
            elif q.kind == sentences.REPS:
                reps.append(q)
            else:
                holds.append(q)
        if len(reps) > 1 and re.search(r"\btimes?$", norm[reps[-1].start : reps[-1].end]):
            self.sets = count_value(reps.pop(), original) or self.sets  # "5 jumps forward, 3 times"
        say = self._say(norm, found)
        whole = whole or bool(reps and not say and rules.bare_repeat.search(norm))
        if say and self.pending:
            say = " ".join([*self.pending, say])
            self.pending = []
        if reps and whole and not holds and self._rounds_not_reps():
            self.sets = count_value(reps[0], original) or self.sets
            return
        if reps:
            count = count_value(reps[0], original)
            if count is None:
                self.context.refused.append(original)
                return
            if not holds and self._short_hold_last():
                last = self.steps.pop()
                self.step_sources.pop()
                hold = last.value
                say = " ".join(x for x in (last.say, say) if x)
            else:
                hold = duration_value(holds[0], original) if holds else None
                say = say or self._borrowed_say()
            self.steps.append(Step(REPS, say, count, tempo(self.rules, hold)))
            self.step_sources.append(original)
            return
        if holds:
            value = duration_value(holds[0], original)
            if value is None:
                self.context.refused.append(original)
                return
            say = say or self._borrowed_say()
            for position_say in self._positions(say, norm):
                self.steps.append(Step(HOLD, position_say, value))
                self.step_sources.append(original)

    def _rounds_not_reps(self) -> bool:
        """ "Do the exercise N times" after timed holds or a rep count: N rounds."""
        counted = [s for s in self.steps if s.kind != SAY]
        return bool(counted) and not self._short_hold_last()

    def _short_hold_last(self) -> bool:
        if not self.steps or self.steps[-1].kind != HOLD or self.steps[-1].value is None:
            return False
        if len(self.step_sources) > 1 and self.step_sources[-2] == self.step_sources[-1]:
            return False  # one of several positions held in turn: the repeat is of them all
        seconds = parse_duration(self.steps[-1].value.text) / MS_PER_SECOND
        return seconds <= self.rules.hold_in_rep_max_seconds

    def _say(self, norm: str, found: list[Quantity]) -> str:
        text = sentences.without(norm, found, self.rules)
        for clause in self.rules.side_clauses:
            text = clause.sub("", text)
        for lead in self.rules.lead_ins:
            text = lead.sub("", text)
        text = sentences.tidy(self.rules.dangling_tail.sub("", sentences.tidy(text)))
        thin = (
            len(text.split()) < MIN_SAY_WORDS
            or self.rules.whole_exercise.match(text)
            or self.rules.rest_words.search(text)
        )
        return "" if thin else text

    def _borrowed_say(self) -> str:
        """Words for a step whose own sentence has none ("Repeat 10 times.")."""
        if self.pending:
            said = " ".join(self.pending)
            self.pending = []
            return said
        if self.setup:  # the position first, then the movement: the last movement is the step
            moving = [i for i, s in enumerate(self.setup) if self.rules.movement_words.search(s)]
            return self.setup.pop(moving[-1] if moving else -1)
        self.borrowed = len(self.steps)
        return self.section.name + "."

    def _positions(self, say: str, norm: str) -> list[str]:
        if not self.rules.each_position.search(norm):
            return [say]
        words = "|".join(re.escape(p) for p in self.rules.positions)
        spots = list(re.finditer(rf"\b(?:{words})\b", say, re.I))
        if len(spots) < 2:
            return [say]
        start, end = spots[0].start(), spots[-1].end()
        return [sentences.tidy(say[:start] + spot[0] + say[end:]) for spot in spots]

    # --- the exercise -----------------------------------------------------------------

    def exercise(self) -> Exercise:
        if self.pending:
            self.steps.append(Step(SAY, " ".join(self.pending)))
            self.step_sources.append("")
        if self.sets is not None and not any(s.kind != SAY for s in self.steps):
            # "Do 10 rounds" of one movement, "4 x 100 m strides": the count is its repetitions
            say = self.steps.pop().say if self.steps else self._borrowed_say()
            self.step_sources = self.step_sources[: len(self.steps)]
            self.steps.append(Step(REPS, say, self.sets, tempo(self.rules, None)))
            self.step_sources.append(self.sets.source)
            self.sets = None
        if not self.steps:
            spoken = self.setup.pop() if self.setup else self.section.name + "."
            self.steps.append(Step(SAY, spoken))
            self.step_sources.append("")
            self.notes.append("the article gives no count or duration; it is a spoken instruction only")
        sides, switch = self._sides()
        rest, rest_after = self.rest, None
        if self.sets is not None and rest is None and self.sets.text != "1":
            default = self.rules.defaults["rest"]
            rest = Value(default, "", REST_CHECK.format(default=default))
        elif self.sets is None and rest is not None:
            rest, rest_after = None, rest
        setup = " ".join(self.setup)
        pieces = fit(setup, self.rules) if setup else []
        steps = [Step(SAY, piece) for piece in pieces[1:]] + self.steps
        steps = [
            Step(s.kind, piece, s.value, s.tempo) if i == 0 else Step(SAY, piece)
            for s in steps
            for i, piece in enumerate(fit(s.say, self.rules) or [self.section.name + "."])
        ]
        return Exercise(
            name=self.section.name,
            steps=tuple(steps),
            name_check=self.section.name_check,
            purpose=(fit(" ".join(self.purpose), self.rules) or [""])[0],
            equipment=tuple(self.equipment),
            equipment_source=self.equipment_source,
            setup=pieces[0] if pieces else "",
            sets=self.sets,
            rest=rest,
            rest_after=rest_after,
            sides=sides,
            switch=switch,
            notes=tuple(self.notes),
        )

    def _sides(self) -> tuple[Value | None, str]:
        if not self.side_marks:
            return None, ""
        counted = [i for i, s in enumerate(self.steps) if s.kind != SAY]
        index, sentence, part, alone = self.side_marks[0]
        if alone and len(counted) > 1 and index in counted:
            step = self.steps[index]
            self.steps.insert(index + 1, Step(step.kind, sentence, step.value, step.tempo))
            self.step_sources.insert(index + 1, sentence)
            return None, ""
        first = self.first_side or self.rules.default_sides[0]
        order = [first, *(s for s in self.rules.side_words if s != first)]
        check = "" if self.first_side else "the article does not say which side is first"
        if self.first_side:
            other = order[1]
            self.setup = [_placeholders(s, first, other, self.rules) for s in self.setup]
            self.steps = [
                Step(s.kind, _placeholders(s.say, first, other, self.rules), s.value, s.tempo)
                for s in self.steps
            ]
        value = Value("[" + ", ".join(order) + "]", sentence, check)
        return value, self.rules.switch_cue.format(side="{side}", part=part)


def is_safety(norm: str, rules: Rules) -> bool:
    return any(p.search(norm) for p in rules.safety)


def _body_after(rules: Rules) -> str:
    """Lookahead: a body part (perhaps after one word) follows, so "right" is a side, not "correct"."""
    parts = "|".join(re.escape(p) for p in rules.side_parts)
    return rf"(?=\s+(?:\w+\s+)?(?:{parts})\b)"


def _placeholders(text: str, side: str, other: str, rules: Rules) -> str:
    text = re.sub(rf"\b{side}\b{_body_after(rules)}", "{side}", text, flags=re.I)
    return re.sub(rf"\b{other}\b{_body_after(rules)}", "{other}", text, flags=re.I)


def _sides(rules: Rules) -> str:
    return "|".join(re.escape(word) for word in rules.side_words)


def build(section: Section, context: Context) -> Exercise:
    builder = Builder(section, context)
    for paragraph in section.paragraphs:
        builder.paragraph(paragraph)
    return builder.exercise()
