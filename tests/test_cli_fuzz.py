"""The command line itself, fuzzed: every option and every text field with hostile values.

Hypothesis runs `audioguide` commands (in this process, through click's runner) with
values that broke it before or are of the same kinds: lone surrogates, control and NUL
characters, emoji, numbers of hundreds of digits, non-ASCII digits (`²`, `٣`), NaN and
infinities, deep nesting, path-like and overlong names, pipes and devices where files
belong. Every run must end as a usage error (2), an explained error (1) or success (0):
never a traceback, never a hang. Paths stay inside the test's own folder.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audioguide.cli import cli

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
