"""The keys of each place in a routine, and where a key written in the wrong place belongs.

A key that is unknown where it is written but known at another place (`reps` beside an
exercise's name, `sets` inside a step) is reported as belonging there, with a one-line
example of where it goes; only otherwise is a near spelling among the place's own keys
suggested. Everything here is built from the key tables, so a new key is placed rightly
in every message without another word.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

CUE_KEYS = ("countdown", "countdown_in", "halfway", "get_ready", "switch_pause", "pre_roll")
ROUTINE_ONLY_CUES = ("pre_roll",)  # about the track as a whole, not one exercise
ROUTINE_KEYS = (
    "lang",
    "intro",
    "safety",
    "outro",
    "rest_between",
    "cues",
    "cover",
    "music",
    "phrases",
    "exercises",
)
EXERCISE_KEYS = (
    "purpose",
    "equipment",
    "setup",
    "sides",
    "switch",
    "sets",
    "rounds",
    "rest",
    "rest_after",
    "alternate",
    "cues",
    "phrases",
    "steps",
)
# Another word a user writes for an exercise's key: the track says "Round two of three" for sets.
EXERCISE_SYNONYMS = {"rounds": "sets"}
CIRCUIT_KEYS = ("rounds", "rest", "rest_between", "phrases", "exercises")
CIRCUIT_SYNONYMS = {"sets": "rounds"}  # what an exercise calls its rounds
STEP_KINDS = {
    "hold": ("say", "say_last", "countdown", "countdown_in", "halfway", "then", "count", "end_tone", "until"),
    "reps": ("say", "say_last", "tempo", "count", "countdown_in"),
    "say": ("say_last", "pause"),
}
PHASE_KEYS = ("say", "for", "count", "end_tone")

CLOSE_ENOUGH = 0.6  # difflib's similarity from which a spelling is suggested

# A value of each key, for the examples of where a key belongs ("..." for a text).
SAMPLES = {
    "alternate": "true",
    "count": "seconds",
    "countdown": "3",
    "countdown_in": "3",
    "end_tone": "false",
    "cover": "cover.jpg",
    "cues": "{countdown: 3}",
    "exercises": "[...]",
    "for": "2s",
    "get_ready": "10s",
    "halfway": "false",
    "hold": "20s",
    "lang": "en",
    "music": "music/",
    "pause": "2s",
    "phrases": "{get_ready: ...}",
    "pre_roll": "1.5s",
    "reps": "10",
    "rest": "15s",
    "rest_after": "45s",
    "rest_between": "30s",
    "rounds": "3",
    "say_last": "...",
    "sets": "3",
    "sides": "[right, left]",
    "steps": "[...]",
    "switch_pause": "5s",
    "tempo": "[{say: up, for: 2s}]",
    "then": "continue",
    "until": "ready",
}


@dataclass(frozen=True)
class Place:
    """A kind of mapping in a routine: its keys, and how a key is shown written there."""

    name: str  # what a key is "not a key of": "an exercise"
    where: str  # where a key "belongs": "on an exercise"
    keys: tuple[str, ...]
    lead: tuple[str, ...]  # keys shown before the key in the example: ("name",)
    trail: tuple[str, ...]  # keys shown after it: ("steps",)
    example: str  # the example around its keys: "exercises: [{%s}]"
    nearby: tuple[str, ...]  # the places a stray key most likely belongs to, nearest first
    synonyms: Mapping[str, str] = field(default_factory=dict)  # another word for one of its keys

    def shown(self, key: str) -> str:
        """`sets` -> `exercises: [{name: ..., sets: 3, steps: [...]}]`."""
        keys = dict.fromkeys((*self.lead, key, *self.trail))
        return self.example % ", ".join(f"{k}: {SAMPLES.get(k, '...')}" for k in keys)


_STEPS = ("say step", "hold step", "reps step", "phase")
_WIDE = ("exercise", "exercise cues", "routine", "routine cues", "circuit")


def _step(kind: str) -> Place:
    return Place(
        f"a {kind} step",
        f"in a {kind} step",
        (kind, *STEP_KINDS[kind]),
        tuple(dict.fromkeys((kind, "say"))),
        ("tempo",) if kind == "reps" else (),
        "steps: [{%s}]",
        (*_STEPS, *_WIDE),
    )


PLACES = {
    "routine": Place(
        "the routine",
        "at the top of the routine, not indented",
        ("title", *ROUTINE_KEYS),
        (),
        (),
        "%s",
        ("routine cues", "exercise", "circuit", *_STEPS),
    ),
    "routine cues": Place(
        "the routine's cues",
        "under the routine's cues",
        CUE_KEYS,
        (),
        (),
        "cues: {%s}",
        ("routine", "exercise", *_STEPS, "circuit"),
    ),
    "circuit": Place(
        "a circuit",
        "on a circuit",
        ("circuit", *CIRCUIT_KEYS),
        ("circuit",),
        ("exercises",),
        "exercises: [{%s}]",
        ("exercise", "routine", "routine cues", *_STEPS),
        CIRCUIT_SYNONYMS,
    ),
    "exercise": Place(
        "an exercise",
        "on an exercise",
        ("name", *EXERCISE_KEYS),
        ("name",),
        ("steps",),
        "exercises: [{%s}]",
        ("exercise cues", *_STEPS, "routine", "routine cues", "circuit"),
    ),
    "exercise cues": Place(
        "an exercise's cues",
        "under an exercise's cues",
        tuple(k for k in CUE_KEYS if k not in ROUTINE_ONLY_CUES),
        (),
        (),
        "cues: {%s}",
        ("routine cues", "exercise", *_STEPS, "routine", "circuit"),
    ),
    **{f"{kind} step": _step(kind) for kind in STEP_KINDS},
    "phase": Place(
        "a tempo phase",
        "in a phase of a tempo",
        PHASE_KEYS,
        ("say", "for"),
        (),
        "tempo: [{%s}]",
        (*_STEPS, *_WIDE),
    ),
}


def advice(key: str, here: str, known: tuple[str, ...]) -> tuple[str, str | None]:
    """What to say of `key`, unknown at place `here` whose keys are `known`: the message,
    and the key of this place it suggests (None when it suggests none here)."""
    place = PLACES.get(here)
    if place and key in place.synonyms:
        meant = place.synonyms[key]
        return f"{place.name} calls it {meant}: write {meant}: {SAMPLES.get(meant, '...')}", meant
    nearby = [PLACES[name] for name in place.nearby] if place else []
    there = next((p for p in nearby if key in p.keys), None)
    if place and there:
        return f"is not a key of {place.name}; it belongs {there.where}: {there.shown(key)}", None
    close = difflib.get_close_matches(key, known, n=1, cutoff=CLOSE_ENOUGH)
    if close:
        return f"unknown key; did you mean '{close[0]}'?", close[0]
    elsewhere = tuple(dict.fromkeys(k for p in nearby for k in p.keys))
    spelled = difflib.get_close_matches(key, elsewhere, n=1, cutoff=CLOSE_ENOUGH)
    if place and spelled:
        there = next(p for p in nearby if spelled[0] in p.keys)
        return (
            f"unknown key; did you mean '{spelled[0]}'? It is not a key of {place.name}: "
            f"it belongs {there.where}: {there.shown(spelled[0])}"
        ), None
    return f"unknown key; expected one of: {', '.join(known)}", None
