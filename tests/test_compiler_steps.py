"""Steps (audioguide/compiler/steps.py): an exercise's sets, sides and steps, laid out."""

from __future__ import annotations

from audioguide import routine
from audioguide.compiler import compile_routine
from audioguide.cues import TONE

PER_SET = """\
title: Circuit per-set list
exercises:
  - name: Long list
    sets: 2
    rest: 20s
    steps:
      - {reps: [6, 4, 2], say: Squat., tempo: [{say: down, for: 2s}, {say: up, for: 2s}]}
  - circuit: Pyramid
    rounds: 3
    exercises:
      - name: In circuit
        steps:
          - {reps: [6, 4, 2], say: Squat., tempo: [{say: down, for: 2s}, {say: up, for: 2s}]}
          - {hold: [10s, 20s, 30s], say: Hold.}
"""


def test_per_set_lists_in_a_circuit_go_on_counting_round_after_round():
    script = compile_routine(routine.loads(PER_SET, source="r.yaml"))
    chapters = [c.title for c in script.chapters]
    for round_number, (reps, hold_ms) in enumerate([(6, 10_000), (4, 20_000), (2, 30_000)], start=1):
        title = "In circuit" if round_number == 1 else f"In circuit, round {round_number}"
        index = chapters.index(title)
        events = [e for e in script.events if e.chapter == index]
        assert len([e for e in events if e.role == "rep"]) == reps, title
        tones = [e for e in events if e.kind == TONE]
        start = next(t for t in tones if t.text == "start")
        end = next(t for t in tones if t.text == "end" and t.start_ms > start.start_ms)
        assert end.start_ms - start.start_ms == hold_ms, title


def test_a_per_set_list_longer_than_the_sets_done_says_so_at_its_line():
    script = compile_routine(routine.loads(PER_SET, source="r.yaml"))
    assert script.warnings == (
        "r.yaml:7: exercises[0].steps[0].reps: lists 3 values, one per set, but 2 sets are done: "
        "the last value is never used",
    )
