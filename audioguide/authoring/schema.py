"""A JSON Schema of the routine format, for editors: completion, hover text and checking.

It mirrors routine.py's key tuples (a test keeps them in step). It checks keys, types and
value forms; what only the loader can check (placeholders, unique names, timing) is left
to `audioguide validate`.
"""

from __future__ import annotations

from typing import Any

from audioguide.routine import (
    EXERCISE_KEYS,
    EXERCISE_SYNONYMS,
    MAX_COUNT,
    MAX_TEXT_CHARS,
    ROUTINE_KEYS,
    STEP_KINDS,
)

SCHEMA_ID = "https://audioguide.invalid/routine.schema.json"  # a name, never fetched
MAX_DURATION_S = 7200
MAX_COUNTDOWN = 10

# The loader's duration forms: 20s, 1m30s, 1.5s, 500ms, 1h, or a bare number of seconds.
DURATION_PATTERN = r"^(?=\d)(\d+(\.\d+)?h)?(\d+(\.\d+)?m(?!s))?(\d+(\.\d+)?s)?(\d+ms)?$"
RANGE_PATTERN = r"^\s*\d+\s*[-\u2013]\s*\d+\s*$"

_DURATION_DEF = {
    "description": "A duration: 20s, 1m30s, 1.5s, 500ms, 1h, or a number of seconds (at most 2h).",
    "oneOf": [
        {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_DURATION_S},
        {"type": "string", "pattern": DURATION_PATTERN},
    ],
}
_COUNT_DEF = {
    "description": f"A whole number from 1 to {MAX_COUNT}, or a range like 10-20 (a level picks from it).",
    "oneOf": [
        {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
        {"type": "string", "pattern": RANGE_PATTERN},
    ],
}
_TEXT_DEF = {"type": ["string", "number"], "minLength": 1, "maxLength": MAX_TEXT_CHARS}
DURATION_RANGE_PATTERN = r"^\s*[\d.]+[a-z]*\s*[-\u2013]\s*[\d.]+[a-z]*\s*$"
_REST_DEF = {
    "description": "A rest: a duration, or 0 where the programme has none.",
    "oneOf": [{"enum": [0, "0", "0s"]}, {"$ref": "#/definitions/duration"}],
}
_DURATION = {"$ref": "#/definitions/duration"}
_SPAN = {"oneOf": [_DURATION, {"type": "string", "pattern": DURATION_RANGE_PATTERN}]}


def _per_level(value: dict[str, Any], description: str) -> dict[str, Any]:
    """A value, or one for each level: {easy: ..., medium: ..., hard: ...}."""
    levels = _strict({level: value for level in ("easy", "medium", "hard")}, ("easy", "medium", "hard"), "")
    del levels["description"]
    return {"description": description, "oneOf": [value, levels]}


_COUNT = {"$ref": "#/definitions/count"}
_REST = {"$ref": "#/definitions/rest"}
_TEXT = {"$ref": "#/definitions/text"}


def _text(description: str) -> dict[str, Any]:
    return {**_TEXT, "description": description}


def _strict(properties: dict[str, Any], required: tuple[str, ...], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


_HALFWAY = {
    "description": "Say 'halfway' in holds of 30 s or more (true), never (false), or from this length on.",
    "oneOf": [{"type": "boolean"}, _DURATION],
}
_COUNTDOWN = {
    "type": "integer",
    "minimum": 0,
    "maximum": MAX_COUNTDOWN,
    "description": "Spoken countdown words before this hold ends (0-10); 0 for none.",
}

_COUNTDOWN_IN = {
    "type": "integer",
    "minimum": 0,
    "maximum": MAX_COUNTDOWN,
    "description": "Spoken countdown words into the start (0-10); 0 for none. Default: countdown.",
}
_CUES_DEF = _strict(
    {
        "countdown": {
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_COUNTDOWN,
            "description": "Spoken countdown words before a hold or rest ends (0-10).",
        },
        "countdown_in": _COUNTDOWN_IN,
        "halfway": _HALFWAY,
        "get_ready": {**_DURATION, "description": "Pause to get into position before an exercise."},
        "switch_pause": {**_REST, "description": "Quiet time to change sides; 0 to run straight on."},
        "pre_roll": {**_REST, "description": "Silence before the first word (default 1.5s), routine only."},
    },
    (),
    "How cues are spoken; an exercise may override any of them.",
)

CUES = {"$ref": "#/definitions/cues"}
_PHASE = _strict(
    {
        "say": _text("The phase's cue, e.g. up."),
        "for": _per_level(_SPAN, "The phase's length: a duration, a range like 5-10s, or one per level."),
        "count": {"enum": ["seconds", "none"], "description": "seconds: 'breathe in, two, three, four'."},
        "end_tone": {"type": "boolean", "description": "The last phase: false ends the reps with no tone."},
    },
    ("say", "for"),
    "One phase of a rep.",
)
_STEP_PROPERTIES = {
    "hold": _per_level(
        {"oneOf": [*_SPAN["oneOf"], {"type": "array", "minItems": 1, "items": _DURATION}]},
        "Hold exactly this long: a duration, a range like 15-30s (levels), one per set, or one per level.",
    ),
    "reps": _per_level(
        {"oneOf": [_COUNT, {"type": "array", "minItems": 1, "items": _COUNT}]},
        "How many counted repetitions, one count per set: [5, 10, 15], or one per level.",
    ),
    "count": {
        "enum": ["auto", "words", "numbers", "tones", "seconds", "none"],
        "description": "Reps: counted with words, numbers, tones (a tick for the number) or none (the "
        "words alone); auto: what fits. Holds: seconds.",
    },
    "say": _text("The instruction spoken before the step; may say {round} of {rounds}."),
    "say_last": _text("Said instead of say in the last set or round: 'Last run: give it everything.'"),
    "countdown_in": _COUNTDOWN_IN,
    "end_tone": {"type": "boolean", "description": "false: no end tone after this hold."},
    "tempo": {"type": "array", "minItems": 1, "items": _PHASE, "description": "The phases of one rep."},
    "pause": {**_DURATION, "description": "Silence after the instruction."},
    "countdown": _COUNTDOWN,
    "halfway": _HALFWAY,
    "then": {
        "enum": ["continue", "stop"],
        "description": "continue: the next hold follows without a stop, marked by a change tone.",
    },
    "until": {
        "enum": ["ready"],
        "description": "ready: in a live session (coach), wait after the hold for the word ready.",
    },
}
_STEP_DEF = {
    "description": "A step: {hold: 20s, say: ...}, {reps: 10, say: ..., tempo: [...]} or {say: ...}.",
    "oneOf": [
        _strict(
            {key: _STEP_PROPERTIES[key] for key in (kind, *extra) if key in _STEP_PROPERTIES},
            tuple(dict.fromkeys((kind, "say", *(("tempo",) if kind == "reps" else ())))),
            f"A {kind} step.",
        )
        for kind, extra in STEP_KINDS.items()
    ],
}

STEP = {"$ref": "#/definitions/step"}
_TEXTS = {"oneOf": [_TEXT, {"type": "array", "items": _TEXT}]}
_EXERCISE_PROPERTIES = {
    "name": _text("The exercise's name, spoken when it starts; names must differ."),
    "purpose": _text("One line on what it is for, spoken after the name."),
    "equipment": {**_TEXTS, "description": "What to fetch: text, or a list like [a band, a chair]."},
    "setup": _text("How to get into position; may use {side} and {other}."),
    "sides": {
        "type": "array",
        "items": _TEXT,
        "minItems": 2,
        "uniqueItems": True,
        "description": "Do the whole exercise on each side in turn, e.g. [right, left].",
    },
    "switch": _text("The cue to change sides; {side} is the new side."),
    "sets": _per_level(_COUNT, "Rounds of the steps: a count, a range, or one per level."),
    "rounds": _per_level(_COUNT, "Another word for sets, as the track says: round two of three."),
    "rest": _per_level(
        {"oneOf": [_REST, {"type": "array", "minItems": 1, "items": _REST}]},
        "Rest between rounds (default 15s), 0 for none, one per round in turn, or one per level.",
    ),
    "rest_after": {**_REST, "description": "Rest before the next exercise, instead of rest_between."},
    "alternate": {"type": "boolean", "description": "Sides take turns set by set."},
    "phrases": {
        "type": "object",
        "additionalProperties": _TEXT,
        "description": "The exercise's own words for the tool's phrases: {round: 'Breath {n} of {total}.'}",
    },
    "cues": CUES,
    "steps": {"type": "array", "minItems": 1, "items": STEP, "description": "What to do, in order."},
}
_EXERCISE_DEF = {
    **_strict(
        {key: _EXERCISE_PROPERTIES[key] for key in ("name", *EXERCISE_KEYS)},
        ("name", "steps"),
        "An exercise.",
    ),
    # a key and its other word (rounds and sets) are never both written
    "not": {"anyOf": [{"required": [word, meant]} for word, meant in EXERCISE_SYNONYMS.items()]},
}
EXERCISE = {"$ref": "#/definitions/exercise"}
_ROUTINE_PROPERTIES = {
    "title": _text("The routine's name: spoken first, and the MP3's title."),
    "lang": {
        "type": "string",
        "pattern": r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$",
        "description": "The language it is written in (en, de, es, fr, it, pt, pt-BR...): picks the "
        "tool's phrases and the voice. Default en.",
    },
    "intro": _text("Spoken after the title (and the safety line)."),
    "safety": _text("A caution spoken once, right after the title: stop if it hurts..."),
    "outro": _text("Spoken at the very end."),
    "rest_between": {**_REST, "description": "Rest between exercises (default 30s)."},
    "cues": CUES,
    "cover": _text("A picture (JPEG or PNG) for the track's cover, relative to the routine file."),
    "music": _text(
        "Music to mix under the voice, ducked under every cue: an audio file, a folder of them or an "
        ".m3u/.m3u8 playlist, inside the routine's folder and relative to the routine file."
    ),
    "phrases": {
        "type": "object",
        "additionalProperties": _TEXT,
        "description": "The routine's own words for the tool's fixed phrases, by key: get_ready, halfway...",
    },
    "exercises": {
        "type": "array",
        "minItems": 1,
        "items": {"oneOf": [EXERCISE, {"$ref": "#/definitions/circuit"}]},
        "description": "The exercises, and circuits of exercises.",
    },
}
_CIRCUIT_DEF = _strict(
    {
        "circuit": _text("The circuit's name."),
        "rounds": _per_level(_COUNT, "How many times the whole circuit is done."),
        "rest": {**_REST, "description": "Rest between rounds of the circuit (default 60s)."},
        "rest_between": {**_REST, "description": "Rest between its exercises (default: the routine's)."},
        "phrases": {
            "type": "object",
            "additionalProperties": _TEXT,
            "description": "The circuit's own words for the tool's phrases: {round: 'Block {n} of {total}.'}",
        },
        "exercises": {"type": "array", "minItems": 1, "items": EXERCISE, "description": "One round."},
    },
    ("circuit", "exercises"),
    "A circuit: its exercises in turn, the whole round repeated.",
)


def routine_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07, which the YAML language server reads) of a routine file."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "audioguide routine",
        "definitions": {
            "duration": _DURATION_DEF,
            "count": _COUNT_DEF,
            "text": _TEXT_DEF,
            "cues": _CUES_DEF,
            "step": _STEP_DEF,
            "exercise": _EXERCISE_DEF,
            "circuit": _CIRCUIT_DEF,
            "rest": _REST_DEF,
        },
        **_strict(
            {key: _ROUTINE_PROPERTIES[key] for key in ("title", *ROUTINE_KEYS)},
            ("title", "exercises"),
            "An exercise routine that audioguide turns into a narrated MP3.",
        ),
    }
