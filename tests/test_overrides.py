"""Overrides: each changes the cue script exactly as asked; bad ones say what is wrong and what to do."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import SMALL_ROUTINE

from audioguide import routine
from audioguide.authoring import overrides
from audioguide.compiler import compile_routine
from audioguide.errors import OverrideError
from audioguide.routine import Count, Routine

TEXT = SMALL_ROUTINE.read_text()


def custom(*asked: tuple[str, str]) -> overrides.Customized:
    return overrides.customize(TEXT, "small.yaml", [overrides.parse(kind, text) for kind, text in asked])


def error(*asked: tuple[str, str]) -> list[str]:
    with pytest.raises(OverrideError) as caught:
        custom(*asked)
    return caught.value.problems


def with_exercise(base: Routine, index: int, **changes) -> Routine:
    exercises = list(base.exercises)
    exercises[index] = replace(exercises[index], **changes)
    return replace(base, exercises=tuple(exercises))


def same_script(got: Routine, expected: Routine, level: str = "medium") -> bool:
    return compile_routine(got, level) == compile_routine(expected, level)


def test_no_overrides_is_the_routine_itself(small_routine):
    result = custom()
    assert result.routine == small_routine and result.changes == () and result.description == ""


@pytest.mark.parametrize("target", ["calf-raise", "Calf raise", "calf raise", "2"])
def test_reps_by_slug_name_or_number(small_routine, target):
    result = custom(("reps", f"{target}=6"))
    calf = small_routine.exercises[1]
    expected = with_exercise(small_routine, 1, steps=(replace(calf.steps[0], count=Count.fixed(6)),))
    assert same_script(result.routine, expected)
    reps = [e.text for e in compile_routine(result.routine).events if e.role == "rep"]
    assert reps.count("Last one. Up.") == 2 and "Five. Up." in reps and "Six. Up." not in reps
    assert result.changes == ("calf-raise reps 6",), "named by slug whatever the user typed"


def test_a_range_still_spreads_over_levels(small_routine):
    routine = custom(("reps", "calf-raise=4-8")).routine
    assert routine.exercises[1].steps[0].count == Count(4, 6, 8)


def test_sets_hold_and_rest(small_routine):
    result = custom(("sets", "wall-sit=3"), ("hold", "wall-sit=25s"), ("rest", "wall-sit=20s"))
    wall = small_routine.exercises[0]
    steps = (
        replace(wall.steps[0], duration_ms=25_000),
        wall.steps[1],
        replace(wall.steps[2], duration_ms=25_000),
    )
    expected = with_exercise(small_routine, 0, sets=Count.fixed(3), steps=steps, rest_ms=20_000)
    assert same_script(result.routine, expected)
    script = compile_routine(result.routine)
    starts = [e.start_ms for e in script.events if e.text == "start"]
    ends = [e.start_ms for e in script.events if e.text == "end"]
    assert [end - start for start, end in zip(starts, ends, strict=False)][:6] == [25_000] * 6
    assert "Round three of three." in script.phrases()
    assert result.description == "wall-sit sets 3, wall-sit hold 25s, wall-sit rest 20s"


def test_hold_of_one_step_leaves_the_others(small_routine):
    routine = custom(("hold", "wall-sit.3=8s")).routine
    assert [s.duration_ms for s in routine.exercises[0].steps if hasattr(s, "duration_ms")] == [20_000, 8000]


def test_set_reaches_any_key_and_inherited_cues(small_routine):
    routine = custom(
        ("set", "cues.countdown=2"), ("set", "rest_between=9s"), ("set", "calf-raise.rest_after=7s")
    ).routine
    assert routine.cues.countdown == 2 and routine.exercises[0].cues.countdown == 2
    assert routine.rest_between_ms == 9000 and routine.exercises[1].rest_after_ms == 7000
    indexed = custom(("set", "exercises[0].steps[1].say=Shake it out.")).routine
    assert indexed.exercises[0].steps[1].say == "Shake it out."
    listed = custom(("set", "calf-raise.sides=[left, right]")).routine
    assert listed.exercises[1].sides == ("left", "right")


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        (
            ("reps", "calf-rise=6"),
            "--reps calf-rise=6: no exercise 'calf-rise' in Small test routine. Did you mean calf-raise? Name one by number, slug or name: 1 wall-sit, 2 calf-raise",
        ),
        (
            ("reps", "9=6"),
            "--reps 9=6: no exercise '9' in Small test routine. Name one by number, slug or name: 1 wall-sit, 2 calf-raise",
        ),
        (
            ("reps", "wall-sit=6"),
            "--reps wall-sit=6: wall-sit has no reps steps. Use --hold, or --set wall-sit.steps[N].KEY=VALUE",
        ),
        (
            ("hold", "wall-sit.2=6s"),
            "--hold wall-sit.2=6s: step 2 of wall-sit is not a hold step. Its hold steps are: 1, 3",
        ),
        (("hold", "wall-sit.7=6s"), "--hold wall-sit.7=6s: wall-sit has steps 1 to 3, not 7"),
        (
            ("reps", "calf-raise=0"),
            "--reps calf-raise=0: exercises[1].steps[0].reps: must be between 1 and 500, got 0",
        ),
        (
            ("reps", "calf-raise=many"),
            '--reps calf-raise=many: exercises[1].steps[0].reps: must be a positive whole number or a range like 10-20, got "many"',
        ),
        (
            ("rest", "calf-raise=20s"),
            "--rest calf-raise=20s: calf-raise has one round, so no rest between rounds. For the rest before the next exercise use --set calf-raise.rest_after=20s, or add rounds with --sets calf-raise=N",
        ),
        (
            ("sets", "wall-sit"),
            "--sets wall-sit: is not EXERCISE=N. Write it as EXERCISE=N, like toe-walking=3",
        ),
        (
            ("set", "cues.countdwn=2"),
            "--set cues.countdwn=2: cues.countdwn: unknown key; did you mean 'countdown'?",
        ),
        (
            ("set", "exercises[5].sets=2"),
            "--set exercises[5].sets=2: exercises[5] does not exist; exercises has 2 items",
        ),
        (
            ("set", "calf-raise=2"),
            "--set calf-raise=2: name a key of the exercise too, like calf-raise.sets=2",
        ),
        (
            ("set", "calf-raise.sides=[left]"),
            "--set calf-raise.sides=[left]: exercises[1].sides: needs two or more different sides, like [right, left]",
        ),
    ],
)
def test_bad_overrides_say_what_and_how_to_fix(asked, message):
    assert error(asked) == [message]


def test_a_path_that_is_neither_a_key_nor_an_exercise_lists_both():
    (message,) = error(("set", "colldown=2"))
    assert "no exercise 'colldown'" in message and message.endswith(
        "or start the path with one of: " + ", ".join(("title", *routine.ROUTINE_KEYS))
    )


def test_every_bad_override_is_reported_at_once():
    problems = error(("reps", "calf-raise=0"), ("set", "rest_between=-1s"))
    assert sorted(p.split(":")[0] for p in problems) == ["--reps calf-raise=0", "--set rest_between=-1s"]


def test_an_override_on_several_steps_names_each_bad_place():
    assert error(("hold", "wall-sit=forever")) == [
        f'--hold wall-sit=forever: exercises[0].steps[{i}].hold: must be a duration like 20s or 1m30s, got "forever"'
        for i in (0, 2)
    ]


def test_a_timing_problem_made_by_an_override_is_still_reported(small_routine):
    routine = custom(("set", "rest_between=3s")).routine
    warnings = " ".join(compile_routine(routine).warnings)
    assert "rest_between: counts down from" in warnings and "the 3 s rest before Calf raise" in warnings


def test_an_override_of_one_aliased_step_leaves_its_copies():
    text = """\
title: T
exercises:
  - name: Plank
    steps:
      - &hold {hold: 20s, say: Hold.}
      - *hold
"""
    routine = overrides.customize(text, "t.yaml", [overrides.parse("hold", "plank.2=30s")]).routine
    assert [step.duration_ms for step in routine.exercises[0].steps] == [20_000, 30_000]
