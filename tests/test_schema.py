"""The JSON Schema accepts every routine the loader accepts here and rejects broken ones."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from test_docs import ROOT, code_blocks

from audioguide import routine
from audioguide.authoring.schema import routine_schema
from audioguide.cli import cli
from audioguide.errors import RoutineError


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = routine_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def documents() -> list[str]:
    texts = [routine.builtin_text(name) for name in routine.builtin_names()]
    texts += [SMALL_ROUTINE.read_text()]
    texts += code_blocks(ROOT / "README.md", "yaml") + code_blocks(
        ROOT / "docs" / "routine-format.md", "yaml"
    )
    return texts


@pytest.mark.parametrize("text", documents())
def test_accepts_builtin_and_documented_routines(validator, text):
    routine.loads(text)  # the loader accepts it too
    assert list(validator.iter_errors(yaml.safe_load(text))) == []


BROKEN = [
    ("exercises", None),
    ("exercises.0.stesp", []),
    ("exercises.0.sets", 0),
    ("exercises.0.sets", "five"),
    ("exercises.0.rest", "15 seconds"),
    ("exercises.0.rest", -5),
    ("cues.countdown", 11),
    ("cues.halfway", "yes"),
    ("exercises.1.sides", ["right"]),
    ("exercises.1.steps.0.tempo", []),
    ("exercises.1.steps.0.hold", "5s"),
    ("exercises.0.steps", []),
    ("title", ""),
]


@pytest.mark.parametrize(("place", "value"), BROKEN, ids=[p for p, _ in BROKEN])
def test_rejects_broken_routines(validator, place, value):
    document = yaml.safe_load(SMALL_ROUTINE.read_text())
    *parents, last = place.split(".")
    node = document
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is None:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    assert list(validator.iter_errors(document)), place
    with pytest.raises(RoutineError):  # the loader rejects the same document
        routine.loads(yaml.safe_dump(document))


def test_keys_are_in_step_with_the_loader():
    schema = routine_schema()
    definitions = schema["definitions"]
    assert set(schema["properties"]) == {"title", *routine.ROUTINE_KEYS}
    assert set(definitions["exercise"]["properties"]) == {"name", *routine.EXERCISE_KEYS}
    assert set(definitions["cues"]["properties"]) == set(routine.CUE_KEYS)
    step_shapes = {frozenset(shape["properties"]) for shape in definitions["step"]["oneOf"]}
    assert step_shapes == {frozenset((kind, *extra)) for kind, extra in routine.STEP_KINDS.items()}


def test_schema_command_prints_it():
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0 and json.loads(result.output) == routine_schema()


def test_rounds_on_an_exercise_is_accepted_as_sets_but_never_beside_them(validator):
    document = yaml.safe_load(SMALL_ROUTINE.read_text())
    wall = document["exercises"][0]
    wall["rounds"] = wall.pop("sets")
    assert list(validator.iter_errors(document)) == []
    routine.loads(yaml.safe_dump(document))
    wall["sets"] = 2
    assert list(validator.iter_errors(document))
    with pytest.raises(RoutineError, match="means sets; write rounds or sets, not both"):
        routine.loads(yaml.safe_dump(document))
