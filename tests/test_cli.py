"""The command line: one error boundary, clear messages, exit codes, help for every command."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydub import AudioSegment
from test_docs import ROOT

from audioguide.cli import EXIT_INTERRUPTED, EXIT_TERMINATED, cli
from audioguide.cues import counted
from audioguide.estimates import rough_length
from audioguide.speech import PhraseCache


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
    assert again.output.startswith("Up to date: ") and "with voice fake (en)" in again.output
    forced = run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path, "--force")
    assert "0 phrases synthesized" in forced.output


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


# First-run polish: counts that agree with their numbers, and choices matched without case.

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


# The command line itself, fuzzed: every option and every text field with hostile values.
#
# Hypothesis runs `audioguide` commands (in this process, through click's runner) with
# values that broke it before or are of the same kinds: lone surrogates, control and NUL
# characters, emoji, numbers of hundreds of digits, non-ASCII digits (`²`, `٣`), NaN and
# infinities, deep nesting, path-like and overlong names, pipes and devices where files
# belong. Every run must end as a usage error (2), an explained error (1) or success (0):
# never a traceback, never a hang. Paths stay inside the test's own folder.

# CI runs the fixed examples; AUDIOGUIDE_FUZZ_EXAMPLES raises the count for a soak.
EXAMPLES = int(os.environ.get("AUDIOGUIDE_FUZZ_EXAMPLES", "120"))
BUILDS = max(8, EXAMPLES // 8)  # real builds encode audio: fewer of them
HOSTILE = [
    "",
    " ",
    "-",
    "=",
    "a=b=c",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "1e400",
    "-1",
    "0",
    "9" * 60,
    "9" * 5000,
    "²",
    "٣",
    "¹=5s",
    "²=5",
    "1=٣",
    "\ud800",
    "x\udcffy",
    "\x00",
    "a\x00b",
    "\x1b[2J",
    "\u202e",
    "💪🦶",
    "{side}",
    "{other}{side}" * 50,
    "<genfile file='x.wav'>hi</genfile>",
    "[[ h @ l oU ]]",
    "../../etc/passwd",
    "CON",
    "x" * 300,
    "[" * 2000 + "]" * 2000,
    "{a: " * 200 + "1" + "}" * 200,
    "*alias",
    "&anchor x",
    "!!python/object:os.system",
    "1-" + "9" * 5000,
    "20-10",
    "toe-walking=3",
    "heel-raises=12",
    "toe-curls.2=15s",
    "toe-curls.99999999999999999999=1s",
    "cues.countdown=[[[[[[1]]]]]]",
    "exercises[0].sets=3",
    "exercises[99999999999999999999999].sets=3",
    "title=\ud800",
    "rest_between=1e400s",
]
values = st.sampled_from(HOSTILE) | st.text(max_size=12)
# Text a routine accepts but that is hostile to what comes after the loader: engines, file names, tags.
SPEAKABLE = [
    "💪🦶 now",
    "{side}",
    "<genfile file='x.wav'>hi</genfile>",
    "<speed level='400'>fast</speed>",
    "[[ h @ l oU ]]",
    "9" * 60,
    "1234567 and 20s",
    "² ³ ٣",
    "../../etc/passwd",
    "CON",
    "x" * 590,
    "Ω" * 300,
    "\u202eevil",
    "&amp; &lt;",
]
speakable = st.sampled_from(SPEAKABLE) | st.text(
    st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=30
).filter(str.strip)
fields = st.integers(1, 5).flatmap(lambda n: values if n == 1 else speakable)  # mostly accepted text
# A command line cannot hold a NUL (argv strings end at one); text in a file can. Bytes that
# are not UTF-8 reach Python's argv as lone surrogates, which click's test runner cannot print:
# test_hardening_cli runs those through the real entry point, whose streams escape them.
arguments = values.map(lambda text: "".join(c for c in text if c != "\x00" and not "\ud800" <= c <= "\udfff"))
OVERRIDES = ("--reps", "--sets", "--hold", "--rest", "--set")
BUILD_OPTIONS = (
    "--level",
    "--engine",
    "--lang",
    "--tld",
    "--voice",
    "--rate",
    "--jobs",
    "--bitrate",
    "--sample-rate",
)
FILES = (
    "missing.yaml",
    "pipe",
    "/dev/zero",
    "/dev/urandom",
    "folder",
    "hostile.yaml",
    "empty.yaml",
    "x" * 300,
)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=20),  # generous on a busy machine; a hang is far longer
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize="AUDIOGUIDE_FUZZ_EXAMPLES" not in os.environ,
)


@pytest.fixture
def place(tmp_path, monkeypatch) -> Path:
    """A working folder holding a pipe, a folder, an empty and a hostile routine file."""
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    (tmp_path / "empty.yaml").write_text("")
    return tmp_path


def hostile_routine(title: str, name: str, say: str, equipment: list[str]) -> str:
    """A routine whose text fields hold hostile values, written as YAML escapes where needed."""

    def quoted(text: str) -> str:
        escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in text)
        return f'"{escaped}"'

    items = ", ".join(quoted(item) for item in equipment) or quoted("a wall")
    return (
        f"title: {quoted(title)}\nintro: {quoted(say)}\nrest_between: 2s\nexercises:\n"
        f"  - name: {quoted(name)}\n    equipment: [{items}]\n    sides: [right, left]\n"
        f"    switch: {quoted(say)}\n    steps:\n      - hold: 3s\n        say: {quoted(say)}\n"
        f"  - name: {quoted(name + ' 2')}\n    steps: [{{reps: 2, say: {quoted(say)}, tempo: [{{say: up, for: 1s}}]}}]\n"
    )


def invoke(args: list[str]):
    result = CliRunner().invoke(cli, args)
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"{args!r} crashed: {result.exception!r}\n{result.output}"
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    assert "Traceback" not in result.output, (args, result.output)
    return result


def write_routine(place: Path, data: st.DataObject) -> None:
    (place / "hostile.yaml").write_text(
        hostile_routine(
            data.draw(fields, "title"),
            data.draw(fields, "name"),
            data.draw(fields, "say"),
            data.draw(st.lists(fields, max_size=3) | st.lists(values, max_size=60), "equipment"),
        ),
        encoding="utf-8",
    )


PLAUSIBLE = [
    "1=3",
    "2=2",
    "1=5s",
    "2=4s",
    "1.1=4s",
    "title=💪 x",
    "cues.countdown=2",
    "rest_between=3s",
    "1.rest_after=2s",
]


def overrides(data: st.DataObject) -> list[str]:
    chosen = data.draw(st.lists(st.sampled_from(OVERRIDES), max_size=2), "overrides")
    value = st.sampled_from(PLAUSIBLE) | arguments
    return [part for option in chosen for part in (option, data.draw(value, option))]


@FUZZ
@given(data=st.data())
def test_script_and_validate_never_crash(place, data):
    write_routine(place, data)
    routine = data.draw(st.sampled_from(("hostile.yaml",) * 4 + (*FILES, "feet-and-back", None)), "routine")
    spec = [routine] if routine else []
    invoke(["script", *spec, *overrides(data), *(["--json"] if data.draw(st.booleans()) else [])])
    invoke(["validate", data.draw(st.sampled_from(FILES), "file"), "hostile.yaml"])


@FUZZ
@given(data=st.data())
def test_a_dry_run_with_any_option_never_crashes(place, data, fake_engine):
    write_routine(place, data)
    options = data.draw(st.lists(st.sampled_from(BUILD_OPTIONS), max_size=2, unique=True), "options")
    args = [part for option in options for part in (option, data.draw(arguments, option))]
    routine = data.draw(st.sampled_from(("hostile.yaml",) * 4 + FILES), "routine")
    invoke(["build", routine, "--dry-run", "--cache-dir", "cache", *args, *overrides(data)])


@settings(FUZZ, max_examples=BUILDS)
@given(data=st.data())
def test_a_build_with_hostile_text_and_paths_never_crashes(place, data, fake_engine):
    write_routine(place, data)
    output = data.draw(st.sampled_from(["out", "out", "out/x.mp3", "folder", "pipe", "x" * 300 + ".mp3"]))
    covers = [[], [], [], ["--cover", "pipe"], ["--cover", "/dev/urandom"], ["--cover", "folder"]]
    cover = data.draw(st.sampled_from(covers))
    split = data.draw(st.sampled_from([[], ["--split"]]))
    invoke(
        ["build", "hostile.yaml", "--engine", "fake", "--cache-dir", "cache", "-o", output, *cover, *split]
    )


@FUZZ
@given(data=st.data())
def test_cache_commands_never_crash(place, data):
    folder = data.draw(st.sampled_from(["cache", "pipe", "folder", "hostile.yaml", "x" * 300]), "dir")
    command = data.draw(
        st.sampled_from(
            [
                ["info"],
                ["info", "--json"],
                ["clear"],
                ["prune", "--max-size", data.draw(arguments, "size")],
                ["prune", "--older-than", data.draw(arguments, "age")],
            ]
        ),
        "command",
    )
    invoke(["cache", *command, "--cache-dir", folder])


# Exit codes are documented where users look, and stay stable.


def test_exit_codes_are_stable_and_documented():
    assert (EXIT_INTERRUPTED, EXIT_TERMINATED) == (130, 143)
    help_text = CliRunner().invoke(cli, ["--help"]).output
    assert "0 ok, 1 error (explained), 2 usage, 130 interrupted, 143 terminated (SIGTERM)." in " ".join(
        help_text.split()
    )
    readme = (ROOT / "README.md").read_text()
    assert "130 interrupted with Ctrl-C (SIGINT); 143 stopped by SIGTERM" in readme
