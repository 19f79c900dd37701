"""The command line: one error boundary, clear messages, exit codes, help for every command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import SMALL_ROUTINE

from audioguide.cli import cli


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_build_writes_the_track_and_reports_the_voice(run, fake_engine, tmp_path):
    result = run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "small-test-routine.mp3").stat().st_size > 10_000
    assert "with voice fake (en)" in result.output and "phrases synthesized" in result.output
    again = run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path)
    assert "0 phrases synthesized" in again.output


def test_level_goes_into_the_file_name(run, fake_engine, tmp_path):
    result = run("build", SMALL_ROUTINE, "--engine", "fake", "--level", "hard", "-o", tmp_path)
    assert result.exit_code == 0 and (tmp_path / "small-test-routine-hard.mp3").exists()


def test_routine_errors_are_one_clean_message(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: T\nexercises:\n  - name: A\n    stesp: []\n")
    result = run("build", bad)
    assert result.exit_code == 1
    assert result.output == f"error: {bad}:4: exercises[0].stesp: unknown key; did you mean 'steps'?\n"
    assert "Traceback" not in result.output


def test_several_problems_are_listed_together(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: T\nexercises:\n  - name: A\n    sets: 0\n    steps: [{hold: 2x, say: hi}]\n")
    result = run("script", bad)
    assert result.exit_code == 1
    assert result.output.startswith("error: 2 problems in the routine:\n  ")
    assert f"{bad}:4: exercises[0].sets: must be between 1 and 500, got 0" in result.output


def test_unknown_routine_and_engine(run):
    assert run("build", "feet-and-bak").output.startswith(
        "error: feet-and-bak: no such file or built-in routine"
    )
    result = run("build", "--engine", "festival")
    assert result.exit_code == 1 and "no speech engine named 'festival'" in result.output


def test_usage_mistakes_exit_2(run):
    assert run("build", "--level", "extreme").exit_code == 2


def test_unwritable_output_is_a_clear_error(run, fake_engine, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("build", SMALL_ROUTINE, "--engine", "fake", "-o", blocker / "sub")
    assert result.exit_code == 1 and result.output.startswith(
        f"error: cannot create the output folder {blocker / 'sub'}"
    )


def test_script_prints_estimates_and_synthesizes_nothing(run, fake_engine):
    result = run("script", SMALL_ROUTINE)
    assert result.exit_code == 0 and result.output.startswith("Times are estimates")
    assert "0:00  == Introduction ==" in result.output and fake_engine.calls == []
    as_json = json.loads(run("script", SMALL_ROUTINE, "--json").output)
    assert as_json["estimated"] is True and as_json["events"][0]["text"] == "Small test routine."


def test_list_shows_builtins_with_lengths(run):
    output = run("list").output
    assert "\nfeet-and-back: Feet and back, 5 exercises (easy " in output


@pytest.mark.parametrize("command", ["build", "script", "list"])
def test_every_command_has_help(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0 and len(result.output.splitlines()) > 3
