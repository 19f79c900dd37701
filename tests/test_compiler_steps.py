"""Steps (audioguide/compiler/steps.py): an exercise's sets, sides and steps, laid out."""

from __future__ import annotations

import pytest

from audioguide import routine
from audioguide.compiler import compile_routine
from audioguide.cues import TONE
from audioguide.errors import RoutineError

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


def compiled(text: str, level: str = "medium"):
    return compile_routine(routine.loads(text, source="r.yaml"), level)


def said(script) -> list[str]:
    return [e.text for e in script.events if e.kind != TONE]


RUN_WALK = """\
title: Run walk
exercises:
  - name: Intervals
    sets: 3
    rest: 90s
    steps:
      - hold: 60s
        say: Run {round} of {rounds}.
        say_last: "Last run: give it everything."
"""


def test_a_step_says_its_round_in_words_and_its_say_last_in_the_last_round():
    lines = said(compiled(RUN_WALK))
    assert "Run one of three." in lines and "Run two of three." in lines
    assert "Last run: give it everything." in lines
    assert "Run three of three." not in lines
    assert lines.index("Run two of three.") < lines.index("Last run: give it everything.")


def test_round_words_follow_the_tracks_language():
    lines = said(compiled(RUN_WALK.replace("title: Run walk", "title: Laufen\nlang: de")))
    assert "Run zwei of drei." in lines


def test_rounds_in_a_circuit_count_through_its_rounds():
    text = """\
title: T
exercises:
  - circuit: Block
    rounds: 3
    rest: 30s
    exercises:
      - name: Relax
        steps: [{hold: 20s, say: "Breath {round} of {rounds}: let go.", say_last: Last breath.}]
"""
    lines = said(compiled(text))
    assert [t for t in lines if t.startswith(("Breath", "Last breath"))] == [
        "Breath one of three: let go.", "Breath two of three: let go.", "Last breath.",
    ]  # fmt: skip


def test_an_exercise_names_its_own_rounds_without_renaming_another_exercises():
    text = """\
title: T
exercises:
  - name: Breathing
    sets: 2
    rest: 10s
    phrases: {round: "Breath {n} of {total}."}
    steps: [{hold: 10s, say: In.}]
  - name: Squats
    sets: 2
    rest: 10s
    steps: [{hold: 10s, say: Squat.}]
"""
    lines = said(compiled(text))
    assert "Breath one of two." in lines and "Breath two of two." in lines
    assert "Round one of two." in lines and "Round two of two." in lines
    assert lines.index("Breath two of two.") < lines.index("Round one of two.")


HOLD_END = """\
title: T
exercises:
  - name: Relax
    sets: 2
    rest: 10s
    steps:
      - {hold: 5s, say: Tense., then: continue}
      - {hold: 10s, say: Release., end_tone: false}
"""


def test_end_tone_false_drops_the_end_tone_and_keeps_the_rest_exact():
    script = compiled(HOLD_END)
    kinds = [(e.text, e.start_ms) for e in script.events if e.kind == TONE]
    starts = [ms for text, ms in kinds if text == "start"]
    changes = [ms for text, ms in kinds if text == "change"]
    assert not [text for text, _ in kinds if text == "end"]
    assert len(starts) == 2 and len(changes) == 2
    assert starts[1] - (changes[0] + 10_000) == 10_000  # the rest is its length from where the hold ends


def test_end_tone_false_on_the_last_phase_ends_reps_without_a_tone():
    text = """\
title: T
exercises:
  - name: Tense and release
    steps:
      - {reps: 2, say: Fists., tempo: [{say: squeeze, for: 5s}, {say: release, for: 10s, end_tone: false}]}
"""
    script = compiled(text)
    assert not [e for e in script.events if e.kind == TONE and e.text == "end"]


def test_end_tone_false_belongs_on_the_last_phase_only():
    text = """\
title: T
exercises:
  - name: A
    steps:
      - {reps: 2, say: Go., tempo: [{say: up, for: 2s, end_tone: false}, {say: down, for: 2s}]}
"""
    with pytest.raises(RoutineError) as caught:
        routine.loads(text, source="r.yaml")
    assert caught.value.problems == [
        "r.yaml:5: exercises[0].steps[0].tempo[0].end_tone: only the last phase of a rep ends the reps on a "
        "tone; remove it here"
    ]


PUSH_UPS = """\
title: Push-up progression
exercises:
  - name: Push-ups
    sets: 4
    rest: {easy: 90s, medium: 60s, hard: 45s}
    steps:
      - reps: {easy: [6, 6, 4, 4], medium: [8, 8, 6, 6], hard: [10, 10, 8, 8]}
        say: Push up.
        tempo:
          - {say: down, for: {easy: 3s, medium: 2s, hard: 2s}}
          - {say: up, for: 1s}
"""


@pytest.mark.parametrize(
    ("level", "reps", "rest", "down"),
    [("easy", [6, 6, 4, 4], 90_000, 3000), ("medium", [8, 8, 6, 6], 60_000, 2000), ("hard", [10, 10, 8, 8], 45_000, 2000)],
)
def test_levels_written_by_value_give_each_level_its_own_numbers(level, reps, rest, down):
    script = compiled(PUSH_UPS, level)
    ends = [e.start_ms for e in script.events if e.kind == TONE and e.text == "end"]
    firsts = [e for e in script.events if e.role == "rep"]
    counts, run = [], 0
    for a, b in zip(firsts, firsts[1:] + [None], strict=True):
        run += 1
        if b is None or b.start_ms - a.start_ms != down + 1000:
            counts.append(run)
            run = 0
    assert counts == reps
    starts = [firsts[0].start_ms] + [e.start_ms for a, e in zip(firsts, firsts[1:], strict=False) if e.start_ms - a.start_ms != down + 1000]
    assert [s - e for e, s in zip(ends, starts[1:], strict=False)] == [rest] * 3


def test_a_ladder_of_ranges_gives_each_level_its_end_of_every_range():
    text = "title: T\nexercises:\n  - name: A\n    sets: 2\n    steps:\n      - {reps: [6-10, 4-8], say: Go., tempo: [{say: up, for: 3s}]}\n"
    loaded = routine.loads(text)
    step = loaded.exercises[0].steps[0]
    assert [step.reps(level, 0) for level in routine.LEVELS] == [6, 8, 10]
    assert [step.reps(level, 1) for level in routine.LEVELS] == [4, 6, 8]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("{easy: 6, medium: 8}", "r.yaml:5: exercises[0].steps[0].reps: missing 'hard'"),
        ("{easy: 6, medium: 8-10, hard: 12}", "r.yaml:5: exercises[0].steps[0].reps.medium: is a range; give one value for each level"),
        ("{easy: 6, medium: 8, hrad: 12}", "r.yaml:5: exercises[0].steps[0].reps.hrad: unknown key; did you mean 'hard'?"),
    ],
)
def test_levels_by_value_are_checked_and_located(value, says):
    text = f"title: T\nexercises:\n  - name: A\n    steps:\n      - {{reps: {value}, say: Go., tempo: [{{say: up, for: 3s}}]}}\n"
    with pytest.raises(RoutineError) as caught:
        routine.loads(text, source="r.yaml")
    assert says in caught.value.problems


def test_a_circuit_names_its_own_rounds_and_leaves_the_rest_of_the_routine_alone():
    text = """\
title: T
exercises:
  - circuit: Block A
    rounds: 2
    rest: 20s
    phrases: {round: "Block {n} of {total}."}
    exercises:
      - {name: Squat, steps: [{hold: 10s, say: Squat.}]}
  - name: Plank
    sets: 2
    rest: 10s
    steps: [{hold: 10s, say: Plank.}]
"""
    lines = said(compiled(text))
    assert "Block two of two." in lines
    assert "Round one of two." in lines and "Round two of two." in lines
    assert "Block one of two." not in lines[lines.index("Plank.") - 2 :]
