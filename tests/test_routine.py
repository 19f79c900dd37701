"""The routine loader: strict, located, and complete in what it reports."""

from __future__ import annotations

import textwrap

import pytest

from audioguide import routine
from audioguide.errors import RoutineError
from audioguide.routine import Count, Hold, Reps, Say


def problems(text: str) -> list[str]:
    with pytest.raises(RoutineError) as caught:
        routine.loads(textwrap.dedent(text), source="r.yaml")
    return caught.value.problems


def test_small_routine_loads_every_feature(small_routine):
    wall, calf = small_routine.exercises
    assert small_routine.rest_between_ms == 10_000
    assert small_routine.cues.get_ready_ms == 6000
    assert wall.sets == Count.fixed(2) and wall.rest_ms == 12_000
    assert wall.equipment == ("a wall",)
    assert [type(s) for s in wall.steps] == [Hold, Say, Hold]
    assert wall.steps[0].duration_ms == 20_000 and wall.steps[1].pause_ms == 1000
    assert calf.sides == ("right", "left")
    assert calf.cues.countdown == 2 and calf.cues.get_ready_ms == 4000
    assert calf.cues.switch_pause_ms == 4000  # inherited from the routine
    reps = calf.steps[0]
    assert isinstance(reps, Reps) and reps.count == Count(2, 3, 4)
    assert [p.duration_ms for p in reps.tempo] == [2000, 1500]


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("20s", 20_000),
        ("1m30s", 90_000),
        ("1.5s", 1500),
        ("500ms", 500),
        (12, 12_000),
        ("2m", 120_000),
        ("1h", 3_600_000),
    ],
)
def test_durations(text, ms):
    assert routine.parse_duration(text) == ms


@pytest.mark.parametrize(
    ("text", "count"), [(5, Count(5, 5, 5)), ("10-20", Count(10, 15, 20)), ("5-10", Count(5, 8, 10))]
)
def test_counts_and_ranges(text, count):
    assert routine.parse_count(text) == count


def test_unknown_key_suggests_the_near_miss_with_its_line():
    found = problems(
        """\
        title: T
        exercises:
          - name: A
            steps:
              - hold: 20s
                say: Hold it.
            sest: 3
        """
    )
    assert found == ["r.yaml:7: exercises[0].sest: unknown key; did you mean 'sets'?"]


def test_every_problem_is_reported_at_once_with_place_and_line():
    found = problems(
        """\
        title: T
        exercises:
          - name: A
            sets: five
            rest: -5s
            steps:
              - hold: 0s
                say: Hold it.
              - reps: 10
                say: Go.
                tempo: [{say: up, fro: 2s}]
          - name: B
            steps: []
        """
    )
    assert found == [
        'r.yaml:4: exercises[0].sets: must be a positive whole number or a range like 10-20, got "five"',
        'r.yaml:5: exercises[0].rest: cannot be negative, got "-5s"; durations have no minus sign: write 5s',
        'r.yaml:7: exercises[0].steps[0].hold: must be longer than zero, got "0s"',
        "r.yaml:11: exercises[0].steps[1].tempo[0].fro: unknown key; did you mean 'for'?",
        "r.yaml:13: exercises[1].steps: is empty; add a hold, reps or say step",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "r.yaml: is empty; a routine needs a title and exercises"),
        ("title: T\nexercises: []\n", "r.yaml:2: exercises: is empty; add at least one exercise"),
        (
            "title: [a, b]\nexercises: [{name: A, steps: [{say: x}]}]\n",
            "r.yaml:1: title: must be a single value, got a list",
        ),
        ("title: T\nexercises: 3\n", "r.yaml:2: exercises: must be a list, got 3"),
        ("title: T\n  bad: indent\n", "r.yaml:2: not valid YAML: mapping values are not allowed here"),
        ("- just\n- a list\n", "r.yaml:1: must be a mapping of keys to values, got a list"),
        (
            "title: T\nexercises:\n  - name: A\n    steps:\n      - {hold: 5s, reps: 3, say: x}\n",
            "r.yaml:5: exercises[0].steps[0]: has both 'hold' and 'reps'; a step is one of hold: 20s, reps: 10 or say: text",
        ),
        (
            "title: T\nexercises:\n  - name: A\n    steps:\n      - {reps: 10-5, say: x, tempo: [{say: up, for: 1s}]}\n",
            "r.yaml:5: exercises[0].steps[0].reps: a range must go from a low to a higher count within 1-500, got '10-5'",
        ),
        (
            "title: T\nexercises:\n  - name: A\n    setup: Lift your {side} leg.\n    steps: [{hold: 5s, say: x}]\n",
            "r.yaml:3: exercises[0]: '{side}' needs 'sides', like sides: [right, left]",
        ),
        (
            "title: T\nexercises:\n  - name: A\n    sides: [right, left]\n    purpose: Eases the {side} hip.\n"
            "    steps: [{hold: 5s, say: x}]\n",
            "r.yaml:5: exercises[0].purpose: '{side}' is not filled in here; "
            "name the side in setup, switch or a step's say",
        ),
        (
            "title: T\nintro: Start on your {other} side.\nexercises: [{name: A, steps: [{say: x}]}]\n",
            "r.yaml:2: intro: '{other}' is not filled in here; name the side in setup, switch or a step's say",
        ),
        (
            "title: T\nexercises:\n  - name: A\n    sides: [right, left]\n    equipment: ['a {side} band']\n"
            "    steps: [{hold: 5s, say: x}]\n",
            "r.yaml:5: exercises[0].equipment: '{side}' is not filled in here; "
            "name the side in setup, switch or a step's say",
        ),
        (
            "title: T\ntitle: U\nexercises: [{name: A, steps: [{say: x}]}]\n",
            "r.yaml:2: title: appears twice; keep one",
        ),
        (
            "title: T\nexercises:\n  - {name: A, steps: [{say: x}]}\n  - {name: a, steps: [{say: y}]}\n",
            "r.yaml:4: exercises[1].name: is used by another exercise; names must differ",
        ),
    ],
)
def test_broken_files_get_located_messages(text, expected):
    assert problems(text) == [expected]


def test_missing_file_and_non_utf8_file(tmp_path):
    with pytest.raises(RoutineError, match="no such file"):
        routine.load(tmp_path / "nope.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(RoutineError, match="not UTF-8"):
        routine.load(bad)


def test_alias_bomb_is_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join(['*' + chr(96 + i)] * 10)}]\n"
    assert problems(bomb) == ["r.yaml: is too large to be a routine (are YAML aliases repeating a block?)"]


def test_resolve_finds_files_and_builtins(tmp_path):
    assert routine.resolve(None).title == "Feet and back"
    assert routine.resolve("feet-and-back").title == "Feet and back"
    with pytest.raises(RoutineError, match="Built-in: .*feet-and-back"):
        routine.resolve("feet-and-bak")
