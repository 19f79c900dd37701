"""First-run polish: counts that agree with their numbers, and choices matched without case."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from pydub import AudioSegment

from audioguide.cli import cli
from audioguide.estimates import counted, rough_length
from audioguide.speech import PhraseCache

ONE_EXERCISE = """\
title: One wall sit
exercises:
  - name: Wall sit
    steps:
      - hold: 20s
        say: Slide down and hold.
"""
# "1 phrases", "1 tracks", "1 exercises": a count of one followed by a plural noun.
ONE_WITH_PLURAL = re.compile(r"(?<![\d.])1 (phrases|tracks|exercises|problems|files)\b")


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def one_exercise(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(ONE_EXERCISE)
    return path


def test_counts_agree_with_their_numbers():
    assert [counted(n, "phrase") for n in (0, 1, 2)] == ["0 phrases", "1 phrase", "2 phrases"]
    assert rough_length(41_000) == "41 s" and rough_length(400) == "1 s" and rough_length(90_000) == "2 min"


def test_one_phrase_synthesized_is_singular(run, fake_engine, tmp_path):
    assert run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path).exit_code == 0
    fake_engine.calls.clear()
    # Medium calf raises are three; four adds one phrase, "Three. Up.", the rest is cached.
    again = run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path, "--reps", "calf-raise=4")
    assert fake_engine.calls == ["Three. Up."]
    assert ": 1 phrase synthesized, " in again.output, again.output
    assert not ONE_WITH_PLURAL.search(again.output)


def test_one_track_written_and_one_exercise_listed(run, fake_engine, tmp_path, one_exercise):
    result = run("build", one_exercise, "--engine", "fake", "--split", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote 1 track and ")
    checked = run("validate", one_exercise)
    assert checked.exit_code == 0
    assert re.fullmatch(
        rf"ok: {re.escape(str(one_exercise))}: One wall sit, 1 exercise, about \d+ s at most\n",
        checked.output,
    )


def test_no_estimate_says_zero_minutes(run, one_exercise):
    checked = run("validate", one_exercise).output
    assert "0 min" not in checked and re.search(r"about \d+ s at most", checked)
    builtin = run("validate", "audioguide/routines/feet-and-back.yaml").output
    assert re.search(r"5 exercises, about (1\d|2\d) min at most", builtin), builtin


def test_a_cache_of_one_phrase_is_counted_as_one(run, tmp_path):
    cache = tmp_path / "c"
    PhraseCache(cache).put(PhraseCache.key("fake", "en", "Up."), AudioSegment.silent(300, 22_050), "fake")
    text = run("cache", "info", "--cache-dir", cache).output
    assert f"{cache}: 1 phrase, " in text and "  fake: 1 phrase, " in text, text
    assert run("cache", "clear", "--cache-dir", cache).output.startswith("Removed 1 phrase, ")


def test_one_problem_in_one_file_reads_naturally(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(ONE_EXERCISE.replace("20s", "20x"))
    result = run("validate", bad)
    assert result.exit_code == 1
    assert f"error: validate: 1 problem in {bad}. Fix each" in result.output
    assert not ONE_WITH_PLURAL.search(result.output)


@pytest.mark.parametrize("command", ["build", "script"])
def test_level_is_matched_without_case(run, fake_engine, tmp_path, command):
    args = ["--engine", "fake", "-o", tmp_path, "--dry-run"] if command == "build" else ["--json"]
    result = run(command, SMALL_ROUTINE, "--level", "Hard", *args)
    assert result.exit_code == 0, result.output
    if command == "script":
        assert json.loads(result.output)["level"] == "hard"


def test_engine_and_builtin_routine_are_matched_without_case(run, fake_engine, tmp_path):
    result = run("build", SMALL_ROUTINE, "--engine", "FAKE", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert "with voice fake (en)" in result.output
    listed = run("script", "Feet-And-Back", "--level", "EASY", "--json")
    assert listed.exit_code == 0 and json.loads(listed.output)["title"] == "Feet and back"
    copied = run("init", "FEET-AND-BACK", tmp_path / "mine.yaml")
    assert copied.exit_code == 0 and (tmp_path / "mine.yaml").exists()


def test_a_missing_place_counts_the_items_there(run):
    result = run("script", SMALL_ROUTINE, "--set", "exercises[1].steps[1].say=Again.")
    assert result.exit_code == 1
    assert result.output.endswith("exercises[1].steps[1] does not exist; exercises[1].steps has 1 item\n")
