"""`validate`: every mistake in every file at once, each with its file, line and place."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner
from conftest import SMALL_ROUTINE

from audioguide.authoring import validate
from audioguide.cli import cli

GOOD = """\
title: T
cues: {countdown: 3}
exercises:
  - name: Wall sit
    sets: 2
    rest: 15s
    steps:
      - hold: 20s
        say: Hold.
  - name: Calf raise
    sides: [right, left]
    steps:
      - reps: 5
        say: Rise on your {side} toes.
        tempo: [{say: up, for: 2s}]
"""

# (what is wrong, the text's replacement, where it should be reported, what it should say)
MISTAKES = [
    (
        "unknown key",
        ("    rest: 15s", "    rest: 15s\n    purpse: Legs."),
        "7: exercises[0].purpse",
        "did you mean 'purpose'?",
    ),
    (
        "reps beside the exercise's name",
        ("    rest: 15s", "    rest: 15s\n    reps: 10"),
        "7: exercises[0].reps",
        "is not a key of an exercise; it belongs in a reps step: steps: [{reps: 10, say: ...",
    ),
    (
        "sets inside a step",
        ("        say: Hold.", "        say: Hold.\n        sets: 3"),
        "10: exercises[0].steps[0].sets",
        "it belongs on an exercise: exercises: [{name: ..., sets: 3, steps: [...]}]",
    ),
    ("bad duration", ("hold: 20s", "hold: 20x"), "8: exercises[0].steps[0].hold", "must be a duration"),
    ("zero count", ("sets: 2", "sets: 0"), "5: exercises[0].sets", "must be between 1 and 500"),
    (
        "words for a count",
        ("reps: 5", "reps: five"),
        "13: exercises[1].steps[0].reps",
        "positive whole number",
    ),
    ("a countdown too long", ("countdown: 3", "countdown: 30"), "2: cues.countdown", "from 0 to 10"),
    (
        "one side",
        ("sides: [right, left]", "sides: [right]"),
        "11: exercises[1].sides",
        "two or more different sides",
    ),
    (
        "two exercises of one name",
        ("name: Calf raise", "name: Wall sit"),
        "10: exercises[1].name",
        "names must differ",
    ),
    ("a placeholder that is not one", ("{side} toes", "{leg} toes"), "10: exercises[1]", "'{leg}'"),
    (
        "a step that is both",
        ("      - hold: 20s\n", "      - hold: 20s\n        reps: 3\n"),
        "8: exercises[0].steps[0]",
        "both 'hold' and 'reps'",
    ),
    (
        "reps without a tempo",
        ("        tempo: [{say: up, for: 2s}]\n", ""),
        "13: exercises[1].steps[0]",
        "missing 'tempo'",
    ),
    ("a list where a mapping goes", ("cues: {countdown: 3}", "cues: [3]"), "2: cues", "must be a mapping"),
    ("a key twice", ("    sets: 2\n", "    sets: 2\n    sets: 3\n"), "6: exercises[0].sets", "appears twice"),
    ("broken YAML", ("title: T", "title: [T"), "1", "the list or mapping opened on this line is not closed"),
    (
        "a key indented out of line",
        ("    rest: 15s", "   rest: 15s"),
        "6",
        "this line is indented differently from the lines around it",
    ),
    (
        "a layout that cannot exist",
        ("cues: {countdown: 3}", "cues: {countdown: 3, switch_pause: 0}"),
        "10: exercises[1]",
        "the switch of sides with no pause (cues.switch_pause: 0) needs a hold before it",
    ),
]


@pytest.mark.parametrize(("what", "change", "where", "says"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_kind_of_mistake_is_located(tmp_path, what, change, where, says):
    old, new = change
    assert old in GOOD
    path = tmp_path / "r.yaml"
    path.write_text(GOOD.replace(old, new, 1))
    report = validate.check(path)
    assert not report.ok, what
    located = [p for p in report.problems if p.startswith(f"{path}:{where}")]
    assert located and says in located[0], report.problems


def test_a_good_file_is_ok_with_a_summary(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(GOOD)
    report = validate.check(path)
    assert report.ok and report.summary.startswith("T, 2 exercises, about ")


def test_cli_lists_every_problem_of_every_file_and_exits_1(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(GOOD.replace("sets: 2", "sets: 0").replace("hold: 20s", "hold: 20x"))
    second.write_text(textwrap.dedent(GOOD).replace("rest: 15s", "rest: 15s\n    purpse: Legs."))
    result = CliRunner().invoke(cli, ["validate", str(first), str(SMALL_ROUTINE), str(second)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:2] == [
        f"{first}:5: exercises[0].sets: must be between 1 and 500, got 0",
        f'{first}:8: exercises[0].steps[0].hold: must be a duration like 20s or 1m30s, got "20x"',
    ]
    assert lines[2].startswith(f"ok: {SMALL_ROUTINE}: Small test routine, 2 exercises")
    assert lines[3] == f"{second}:7: exercises[0].purpse: unknown key; did you mean 'purpose'?"
    assert lines[4] == (
        "error: validate: 3 problems in 2 of 3 files. Fix each at the place listed above, then validate again"
    )


def test_cli_passes_good_files(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(SMALL_ROUTINE)])
    assert result.exit_code == 0 and result.output.startswith("ok: ")


def test_a_missing_file_is_a_problem_too(tmp_path):
    report = validate.check(tmp_path / "nope.yaml")
    assert report.problems == (
        f"{tmp_path / 'nope.yaml'}: no such file. Run `audioguide list` for built-in routines",
    )


def test_build_locates_its_timing_errors_like_validate(tmp_path, fake_engine):
    from audioguide.build import BuildOptions, build
    from audioguide.errors import TimingError
    from audioguide.routine import load

    path = tmp_path / "r.yaml"
    path.write_text(GOOD.replace("cues: {countdown: 3}", "cues: {countdown: 3, switch_pause: 0}"))
    with pytest.raises(TimingError) as caught:
        build(load(path), BuildOptions(engine="fake", output=tmp_path / "out"))
    assert str(caught.value).startswith(f"{path}:10: exercises[1]: the switch of sides with no pause")


def test_one_run_lists_every_layout_that_cannot_exist_whatever_the_voice(tmp_path):
    path = tmp_path / "r.yaml"
    two = GOOD.replace("cues: {countdown: 3}", "cues: {countdown: 3, switch_pause: 0}")
    two += "  - name: Toe raise\n    sides: [right, left]\n    steps: [{reps: 5, say: Up., tempo: [{say: up, for: 2s}]}]\n"
    path.write_text(two)
    reports = [validate.check(path, engine) for engine in (None, "pico", "espeak")]
    assert [p.split(": ", 2)[:2] for p in reports[0].problems] == [
        [f"{path}:10", "exercises[1]"],
        [f"{path}:16", "exercises[2]"],
    ]
    assert reports[1].problems == reports[0].problems == reports[2].problems


def test_a_published_programme_whose_talk_does_not_fit_validates_with_warnings(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(GOOD.replace("title: T\n", "title: T\nrest_between: 3s\n"))
    report = validate.check(path)
    assert report.ok and any(w.startswith(f"{path}:2: rest_between: ") for w in report.warnings)


def test_a_missing_cover_is_found_before_building(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(GOOD.replace("title: T\n", "title: T\ncover: art/knees.png\n"))
    report = validate.check(path)
    assert report.problems == (
        f"{path}:2: cover: no such picture: {tmp_path / 'art' / 'knees.png'}. "
        "Put the picture beside the routine file, or fix its name",
    )


def test_missing_music_is_found_before_building(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(GOOD.replace("title: T\n", "title: T\nmusic: songs/\n"))
    assert validate.check(path).problems == (
        f"{path}:2: music: no such file or folder: {tmp_path / 'songs'}. "
        "Put the music beside the routine file, or fix its name",
    )
    (tmp_path / "songs").mkdir()
    assert validate.check(path).ok


def test_the_docs_complete_example_validates_and_each_voice_bound_is_used(tmp_path):
    import re
    from pathlib import Path

    guide = (Path(__file__).parent.parent / "docs" / "routine-format.md").read_text()
    path = tmp_path / "example.yaml"
    path.write_text(re.findall(r"```yaml\n(.*?)```", guide, flags=re.S)[0])
    for engine in (None, "pico", "espeak"):
        assert validate.check(path, engine).ok, engine


def test_validate_warns_of_what_a_build_would_drop(tmp_path):
    path = tmp_path / "r.yaml"
    long_purpose = "A very long purpose that says a great deal about why calves matter to everyone."
    path.write_text(
        GOOD.replace("title: T\n", "title: T\nrest_between: 9s\n").replace(
            "  - name: Calf raise\n", f"  - name: Calf raise\n    purpose: {long_purpose}\n"
        )
    )
    report = validate.check(path, "pico")
    assert report.ok and report.warnings
    assert report.warnings[0].startswith(f"{path}:2: rest_between: dropped the purpose")
