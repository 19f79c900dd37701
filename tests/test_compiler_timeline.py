"""Real programmes, each shape compiled and timed on the script: circuits, intervals, ranges..."""

from __future__ import annotations

import pytest

from audioguide import routine
from audioguide.compiler import compile_routine, estimate_ms
from audioguide.cues import SPEECH, TONE
from audioguide.errors import RoutineError, TimingError
from audioguide.estimates import upper_bound


def compiled(text, level="medium", duration_of=estimate_ms):
    return compile_routine(routine.loads(text, source="r.yaml"), level, duration_of)


def tones(script, *kinds):
    return [e for e in script.events if e.kind == TONE and (not kinds or e.text in kinds)]


def texts(script):
    return [e.text for e in script.events if e.kind == SPEECH]


TABATA = """\
title: Tabata
exercises:
  - name: Squat jumps
    sets: 8
    rest: 10s
    steps: [{hold: 20s, say: Squat jumps. Go hard.}]
"""


@pytest.mark.parametrize("voice", ["estimate", "pico", "espeak"])
def test_tabata_is_230_seconds_with_a_round_counter(voice):
    script = compiled(TABATA, duration_of=estimate_ms if voice == "estimate" else upper_bound(voice))
    starts, ends = tones(script, "start"), tones(script, "end")
    assert ends[-1].start_ms - starts[0].start_ms == 8 * 20_000 + 7 * 10_000
    assert [e.start_ms - s.start_ms for s, e in zip(starts, ends, strict=True)] == [20_000] * 8
    assert [s.start_ms - e.start_ms for e, s in zip(ends, starts[1:], strict=False)] == [10_000] * 7
    rounds = [t for t in texts(script) if t.startswith("Round ")]
    assert rounds == [
        f"Round {n} of eight." for n in ("one", "two", "three", "four", "five", "six", "seven", "eight")
    ]


CIRCUIT = """\
title: Circuit
rest_between: 10s
exercises:
  - circuit: Full body
    rounds: 3
    rest: 60s
    exercises:
      - name: Jumping jacks
        equipment: a mat
        steps: [{hold: 30s, say: "Jump, arms overhead."}]
      - name: Squats
        steps: [{hold: 30s, say: Squat low.}]
      - name: Plank
        steps: [{hold: 30s, say: Hold a plank.}]
  - name: Stretch
    steps: [{hold: 30s, say: Stretch gently.}]
"""


def test_a_circuit_repeats_its_exercises_round_after_round():
    script = compiled(CIRCUIT)
    chapters = [c.title for c in script.chapters]
    assert chapters == [
        "Introduction", "Jumping jacks", "Squats", "Plank",
        "Jumping jacks, round 2", "Squats, round 2", "Plank, round 2",
        "Jumping jacks, round 3", "Squats, round 3", "Plank, round 3", "Stretch", "Finish",
    ]  # fmt: skip
    starts, ends = tones(script, "start"), tones(script, "end")
    gaps = [s.start_ms - e.start_ms for e, s in zip(ends, starts[1:], strict=False)]
    assert gaps == [10_000, 10_000, 60_000, 10_000, 10_000, 60_000, 10_000, 10_000, 10_000]
    said = texts(script)
    assert "Full body: three rounds of three exercises." in said
    assert said.count("Round two of three.") == 1 and said.count("Round three of three.") == 1
    assert said.count("You will need a mat.") == 1, "set up once, in the first round"


def test_a_circuit_of_twelve_30s_exercises_with_10s_rests_is_470s():
    moves = "".join(f"      - {{name: Move {n}, steps: [{{hold: 30s, say: Go.}}]}}\n" for n in range(12))
    text = f"title: C\nexercises:\n  - circuit: Twelve\n    rest_between: 10s\n    exercises:\n{moves}"
    script = compiled(text)
    assert tones(script)[-1].start_ms - tones(script)[0].start_ms == 470_000


EMOM = """\
title: EMOM
exercises:
  - name: Burpees
    sets: 5
    rest: 0
    steps: [{hold: 1m, say: "Ten burpees, then rest until the minute."}]
"""


def test_emom_starts_every_minute_on_the_minute_with_no_rest():
    script = compiled(EMOM)
    marks = tones(script)
    assert [t.text for t in marks] == ["start"] + ["change"] * 4 + ["end"]
    assert [b.start_ms - a.start_ms for a, b in zip(marks, marks[1:], strict=False)] == [60_000] * 5
    for n, change in zip(("two", "three", "four", "five"), marks[1:5], strict=True):
        said = next(e for e in script.events if e.text == f"Round {n} of five.")
        assert change.start_ms - 60_000 < said.start_ms and said.end_ms < change.start_ms - 3000


def test_no_rest_after_reps_is_refused_with_its_place():
    text = (
        "title: T\nexercises:\n  - name: A\n    sets: 2\n    rest: 0\n    steps:\n"
        "      - {reps: 3, say: Lift., tempo: [{say: up, for: 2s}]}\n"
    )
    with pytest.raises(
        TimingError, match=r"r.yaml:5: exercises\[0\].rest: the 0 s rest between rounds needs a hold"
    ):
        compiled(text)


def test_a_duration_range_becomes_levels():
    text = "title: T\nexercises:\n  - name: Plank\n    steps: [{hold: 15-30s, say: Hold.}]\n"
    lengths = {}
    for level in routine.LEVELS:
        start, end = tones(compiled(text, level))
        lengths[level] = end.start_ms - start.start_ms
    assert lengths == {"easy": 15_000, "medium": 23_000, "hard": 30_000}


def test_alternating_sides_take_turns_set_by_set_and_each_round_is_named_once():
    text = """\
title: T
exercises:
  - name: Lunge
    sides: [right, left]
    alternate: true
    sets: 2
    rest: 20s
    switch: Now your {side} leg.
    steps:
      - hold: 10s
        say: Lunge on your {side} leg.
"""
    said = texts(compiled(text))
    order = [t for t in said if t.startswith(("Lunge on", "Now your", "Round"))]
    assert order == [
        "Round one of two.", "Lunge on your right leg.", "Now your left leg.",
        "Lunge on your left leg.", "Now your right leg.", "Round two of two.", "Lunge on your right leg.",
        "Now your left leg.", "Lunge on your left leg.",
    ]  # fmt: skip


FAST = """\
title: T
exercises:
  - name: Quick squeezes
    steps:
      - reps: 10
        say: Quick squeezes, one a second.
        count: COUNT
        tempo: [{say: squeeze and let go, for: 1s}]
"""


def test_fast_reps_are_counted_with_tones_on_the_second():
    script = compiled(FAST.replace("COUNT", "tones"))
    ticks = tones(script, "tick")
    assert [b.start_ms - a.start_ms for a, b in zip(ticks, ticks[1:], strict=False)] == [1000] * 9
    assert tones(script, "end")[0].start_ms - ticks[0].start_ms == 10_000
    assert not [e for e in script.events if e.role in ("rep", "phase")]


def test_fast_reps_are_counted_automatically_with_what_fits():
    script = compiled(FAST.replace("COUNT", "auto"))
    reps = [e for e in script.events if e.role == "rep"]
    assert [e.text for e in reps][:3] == ["One.", "Two.", "Three."]
    assert any("reps counted with numbers" in w for w in script.warnings)
    slow_numbers = lambda text: 1500 if len(text) < 8 and text.endswith(".") else estimate_ms(text)  # noqa: E731
    slow = compiled(FAST.replace("COUNT", "auto"), duration_of=slow_numbers)
    assert len(tones(slow, "tick")) == 10


BOX = """\
title: Box breathing
exercises:
  - name: Box breathing
    steps:
      - reps: 2
        say: Breathe through your nose.
        count: words
        tempo:
          - {say: breathe in, for: 4s, count: seconds}
          - {say: hold, for: 4s, count: seconds}
"""


def test_seconds_are_counted_inside_a_phase():
    script = compiled(BOX, duration_of=lambda text: 600)
    first = next(e for e in script.events if e.role == "rep")
    counted = [(e.text, e.start_ms - first.start_ms) for e in script.events if e.role == "count"][:6]
    assert counted == [
        ("two", 1000),
        ("three", 2000),
        ("four", 3000),
        ("two", 5000),
        ("three", 6000),
        ("four", 7000),
    ]


def test_a_counted_hold_says_its_seconds_instead_of_a_countdown():
    text = "title: T\nexercises:\n  - name: A\n    steps: [{hold: 5s, say: Squeeze., count: seconds}]\n"
    script = compiled(text, duration_of=lambda text: 500)
    start = tones(script, "start")[0].start_ms
    counted = [e for e in script.events if e.role in ("count", "countdown") and e.start_ms > start]
    assert [(e.text, e.start_ms - start) for e in counted] == [
        ("two", 1000), ("three", 2000), ("four", 3000), ("five", 4000),
    ]  # fmt: skip


def test_each_set_may_differ_a_ladder_and_its_rests():
    text = """\
title: T
exercises:
  - name: Squats
    sets: 3
    rest: [30s, 60s]
    steps: [{reps: [5, 10, 15], say: Squat., tempo: [{say: down, for: 2s}, {say: up, for: 2s}]}]
"""
    script = compiled(text)
    ends = tones(script, "end")
    reps = [e for e in script.events if e.role == "rep"]
    firsts = [e for e in reps if e.text.startswith("One.")]
    assert len(reps) == 5 + 10 + 15
    assert [f.start_ms - e.start_ms for e, f in zip(ends, firsts[1:], strict=False)] == [30_000, 60_000]
    assert "Three rounds." in texts(script), "no one rest to name"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("hold: 30-15s", "a range must go from a shorter to a longer time"),
        ("hold: []", "is empty"),
        ("rest: -3s", "cannot be negative"),
        ("count: loud", "must be one of seconds, none"),
    ],
)
def test_new_values_are_checked_and_located(change, says):
    text = "title: T\nexercises:\n  - name: A\n    sets: 2\n    rest: 10s\n    steps:\n      - hold: 20s\n        say: Go.\n"
    key = change.split(":")[0]
    text = text.replace(f"    {key}: 10s\n", f"    {change}\n") if key == "rest" else text
    text = text.replace("      - hold: 20s\n", f"      - {change}\n") if key == "hold" else text
    text = (
        text.replace("        say: Go.\n", f"        say: Go.\n        {change}\n")
        if key == "count"
        else text
    )
    with pytest.raises(RoutineError) as caught:
        routine.loads(text, source="r.yaml")
    assert caught.value.problems[0].startswith("r.yaml:") and says in caught.value.problems[0]


def test_overrides_reach_an_exercise_inside_a_circuit(tmp_path):
    import json

    from click.testing import CliRunner

    from audioguide.cli import cli

    path = tmp_path / "circuit.yaml"
    path.write_text(CIRCUIT)
    result = CliRunner().invoke(cli, ["script", str(path), "--json", "--hold", "squats=20s"])
    assert result.exit_code == 0, result.output
    script = json.loads(result.output)
    squats = [i for i, c in enumerate(script["chapters"]) if c["title"].startswith("Squats")]
    marks = [e["start_ms"] for e in script["events"] if e["kind"] == "tone" and e["chapter"] in squats]
    assert [b - a for a, b in zip(marks[::2], marks[1::2], strict=True)] == [20_000] * 3


def test_sides_with_no_pause_switch_on_the_second():
    text = """\
title: Cool-down
exercises:
  - name: Hamstring stretch
    sides: [right, left]
    cues: {switch_pause: 0}
    switch: Now your {side} leg.
    steps:
      - hold: 30s
        say: Stretch your {side} hamstring, gently.
"""
    script = compiled(text)
    marks = tones(script)
    assert [t.text for t in marks] == ["start", "change", "end"]
    assert [b.start_ms - a.start_ms for a, b in zip(marks, marks[1:], strict=False)] == [30_000, 30_000]
    switch = next(e for e in script.events if e.text.startswith("On the tone: Now your left leg."))
    assert marks[0].start_ms < switch.start_ms and switch.end_ms < marks[1].start_ms - 3000


def test_a_timing_message_never_shows_two_different_times_as_one_figure():
    text = "title: T\nexercises:\n  - name: A\n    steps: [{hold: 2.04s, say: Hold., countdown: 2}]\n"
    with pytest.raises(TimingError) as caught:
        compiled(text)
    assert 'the cue "start tone" lasts 0.18 s but only 0.04 s are free before "two"' in str(caught.value)
