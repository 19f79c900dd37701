"""`until: ready` on a hold: the loader's flag, the schema, and where the cue script marks the wait."""

from __future__ import annotations

import pytest

from audioguide import grid, routine
from audioguide.authoring.schema import routine_schema
from audioguide.compiler import compile_routine
from audioguide.errors import RoutineError

ROUTINE = """
title: T
exercises:
  - name: Sit
    steps:
      - hold: 20s
        say: Hold it.
        {until}
  - name: Stand
    steps:
      - hold: 10s
        say: Stand.
"""


def test_until_ready_is_carried_to_the_cue_script_at_the_end_tone():
    loaded = routine.loads(ROUTINE.format(until="until: ready"))
    assert loaded.exercises[0].steps[0].until_ready
    script = compile_routine(loaded, frames=grid.of(48_000))
    ends = [e.start_ms for e in script.events if e.kind == "tone" and e.text == "end"]
    assert script.waits == (ends[0],)  # the first hold's end tone: the coach waits before it
    assert script.to_json()["waits_ms"] == [ends[0]]


def test_a_built_track_holds_its_stated_time_whatever_until_says():
    plain = compile_routine(routine.loads(ROUTINE.format(until="")))
    waiting = compile_routine(routine.loads(ROUTINE.format(until="until: ready")))
    assert plain.events == waiting.events and plain.waits == () and "waits_ms" not in plain.to_json()


def test_until_takes_only_ready():
    with pytest.raises(RoutineError, match=r"steps\[0\]\.until: must be ready"):
        routine.loads(ROUTINE.format(until="until: done"))


def test_the_schema_knows_until():
    text = str(routine_schema())
    assert "'until': {'enum': ['ready']" in text
