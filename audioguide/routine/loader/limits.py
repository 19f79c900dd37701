"""Refusing what is too big to be a routine, before any time is spent on it."""

from __future__ import annotations

import yaml

from audioguide.routine.model import (
    LEVELS,
    MAX_CUES,
    MAX_TRACK_MS,
    CueSettings,
    Hold,
    Reps,
    Routine,
    Step,
)

MAX_NODES = 50_000  # YAML aliases can expand a small file enormously ("billion laughs")
MAX_DEPTH = 20


def check_nodes(root: yaml.Node) -> str | None:
    """Refuse documents whose node graph is too big or too deep to be a routine."""
    seen = 0
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            return "is too large to be a routine (are YAML aliases repeating a block?)"
        if depth > MAX_DEPTH:
            return "is nested too deeply to be a routine"
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend(((key, depth + 1), (value, depth + 1)))
    return None


def check_size(routine: Routine) -> str | None:
    """Refuse routines whose track would be too long, before any time is spent on them.

    Counts only the timed work, rests and pauses, and at most the cues each part brings,
    so the real track is at least this long; the longest level decides.
    """
    for level in reversed(LEVELS):  # a level may be written with any numbers: each is checked
        if too_big := _check_level(routine, level):
            return too_big
    return None


def _check_level(routine: Routine, level: str) -> str | None:
    total_ms = routine.rest_between_ms * (len(routine.exercises) - 1)
    cues = 0
    repeats = [1] * len(routine.exercises)
    for circuit in routine.circuits:
        for index in range(circuit.first, circuit.first + circuit.count):
            repeats[index] = circuit.rounds.at(level)
    for exercise, repeat in zip(routine.exercises, repeats, strict=True):
        sets = exercise.sets.at(level) * repeat
        sides = max(1, len(exercise.sides))
        step_ms = sum(_step_ms(step, level) for step in exercise.steps)
        step_cues = sum(_step_cues(step, exercise.cues, level) for step in exercise.steps)
        rest_ms = min(exercise.rests.at(level)) if exercise.rests else exercise.rest_ms
        total_ms += sides * (sets * step_ms + (sets - 1) * rest_ms)
        cues += sides * sets * step_cues
    if total_ms > MAX_TRACK_MS:
        hours = MAX_TRACK_MS // 3_600_000
        return (
            f"would last more than {total_ms / 3_600_000:.1f} hours at level {level}; a track is at "
            f"most {hours} hours. Lower sets, reps or durations, or split it into several routines"
        )
    if cues > MAX_CUES:
        return (
            f"would need about {cues:,} cues at level {level}; a track holds at most {MAX_CUES:,}. "
            "Lower sets or reps, or split it into several routines"
        )
    return None


def _step_ms(step: Step, level: str) -> int:
    if isinstance(step, Hold):
        return step.longest(level)
    if isinstance(step, Reps):
        return step.most(level) * step.at_level(level).rep_ms
    return step.pause_ms


def _step_cues(step: Step, cues: CueSettings, level: str) -> int:
    """An upper bound on the sounds one step makes: its lead-in, tones, countdown, halfway."""
    if isinstance(step, Hold):
        return 4 + cues.countdown + (_step_ms(step, level) // 1000 if step.count_seconds else 0)
    if isinstance(step, Reps):
        seconds = sum(p.duration_ms // 1000 for p in step.at_level(level).tempo if p.count_seconds)
        return 3 + step.most(level) * (len(step.tempo) + seconds)
    return 1
