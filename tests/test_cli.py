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


# --- settings that stay -----------------------------------------------------------------


@pytest.fixture
def run_apart():
    """The command line with its stderr apart from its stdout."""
    runner = CliRunner(mix_stderr=False)
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_config_set_get_list_unset(run):
    assert run("config", "set", "engine", "pico").output.startswith("engine = pico (in ")
    assert run("config", "get", "engine").output == "pico\n"
    listed = run("config", "list").output.splitlines()
    assert listed[0].startswith("# ") and listed[0].endswith("config.yaml")
    assert "engine  pico" in listed and any(line.startswith("level   (not set: ") for line in listed)
    assert run("config", "unset", "engine").output == "engine is no longer set\n"
    missing = run("config", "get", "engine")
    assert missing.exit_code == 1 and missing.output == ""
    refused = run("config", "set", "level", "extreme")
    assert refused.exit_code == 1 and refused.output.startswith("error: level: no level 'extreme'")


def test_settings_are_a_builds_defaults_and_the_command_line_wins(run, fake_engine, tmp_path):
    out = tmp_path / "kept"
    for key, value in (("engine", "fake"), ("level", "hard"), ("output", out)):
        assert run("config", "set", key, value).exit_code == 0
    result = run("build", SMALL_ROUTINE)
    assert result.exit_code == 0, result.output
    assert (out / "small-test-routine-hard.mp3").exists() and "with voice fake (en)" in result.output
    easy = run("build", SMALL_ROUTINE, "--level", "easy", "-o", tmp_path / "given")
    assert (tmp_path / "given" / "small-test-routine-easy.mp3").exists(), easy.output
    script = json.loads(run("script", SMALL_ROUTINE, "--json").output)
    assert script["level"] == "hard"
    assert json.loads(run("script", SMALL_ROUTINE, "--json", "--level", "easy").output)["level"] == "easy"


def test_a_voice_in_the_config_is_for_the_engines_that_have_voices(run, tmp_path):
    run("config", "set", "voice", "en-us+f3")
    offline = run("build", SMALL_ROUTINE, "--dry-run", "--engine", "pico")
    assert offline.exit_code == 0 and "Voice: pico (en-US)" in offline.output, offline.output
    espeak = run("build", SMALL_ROUTINE, "--dry-run", "--engine", "espeak")
    assert "Voice: espeak (en-us/en-us+f3/x1)" in espeak.output, espeak.output


def test_a_language_in_the_config_leaves_a_routine_that_names_its_own(run, tmp_path):
    run("config", "set", "lang", "en-GB")
    german = tmp_path / "kurz.yaml"
    german.write_text(
        "title: Kurz\nlang: de\nexercises:\n  - name: A\n    steps: [{hold: 5s, say: Halten.}]\n"
    )
    kept = run("build", german, "--dry-run", "--engine", "pico").output
    assert "Voice: pico (de-DE)" in kept and "the routine's own, not your config's en-GB" in kept, kept
    assert "Voice: pico (en-GB)" in run("build", SMALL_ROUTINE, "--dry-run", "--engine", "pico").output
    assert (
        "Voice: pico (en-GB)"
        in run("build", german, "--dry-run", "--engine", "pico", "--lang", "en-GB").output
    )
    assert json.loads(run("script", "--json").output)["title"] == "Feet and back"
    run("config", "set", "lang", "de")
    assert json.loads(run("script", "--json").output)["title"] == "Füße und Rücken"


def test_the_dry_run_shows_each_setting_and_where_it_came_from(run, fake_engine, tmp_path):
    run("config", "set", "engine", "fake")
    lines = run("build", SMALL_ROUTINE, "--dry-run", "--level", "easy").output.splitlines()
    assert lines[1].startswith("Voice: fake (en), as chosen with engine fake in your config (")
    settings_at = next(i for i, line in enumerate(lines) if line.startswith("Settings ("))
    shown = [line.split() for line in lines[settings_at + 1 : settings_at + 6]]
    assert shown[0] == ["engine", "fake", "your", "config"]
    assert shown[3] == ["level", "easy", "command", "line"]
    assert shown[4] == ["output", "(output/)", "default"]


def test_engine_pico_in_the_config_keeps_every_build_offline(run, google, tmp_path):
    run("config", "set", "engine", "pico")
    result = run("build", SMALL_ROUTINE, "-o", tmp_path)
    assert result.exit_code == 0 and "with voice pico" in result.output
    assert google.requests == [], "not even asked whether it answers"


def test_the_first_build_that_sends_text_to_google_says_so_once(run_apart, google, tmp_path):
    first = run_apart("build", SMALL_ROUTINE, "-o", tmp_path)
    assert first.exit_code == 0 and "with voice gtts" in first.stdout
    assert "sent the routine's words to Google" in first.stderr
    assert "audioguide config set engine pico" in first.stderr
    second = run_apart("build", SMALL_ROUTINE, "-o", tmp_path / "other", "--level", "hard")
    assert "with voice gtts" in second.stdout and "Google" not in second.stderr
