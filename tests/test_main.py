"""The tracebacks the attack found, each now a message, through the real entry point where
the terminal itself is the hostile part (a full disk, a Latin-1 locale, bytes that are not UTF-8)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from audioguide.cli import cli

EMOJI_ROUTINE = (
    'title: "Feet 💪"\nexercises:\n  - name: "Toes 🦶"\n'
    '    steps: [{hold: 3s, say: "Hold 💪 123456789012345678901234567890123456789012345678901234567890"}]\n'
)


def audioguide(
    *args: str, env: dict[str, str] | None = None, stdout=subprocess.PIPE
) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "audioguide", *args]
    return subprocess.run(
        command, stdout=stdout, stderr=subprocess.PIPE, timeout=120, env={**os.environ, **(env or {})}
    )


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_output_to_a_full_disk_is_a_message():
    with open("/dev/full", "w") as full:
        done = audioguide("list", stdout=full)
    assert done.returncode == 1
    assert done.stderr.decode().strip() == "error: cannot write the output: No space left on device"


def test_a_closed_stdout_is_a_quiet_exit_not_a_traceback():
    command = [sys.executable, "-m", "audioguide", "list"]
    done = subprocess.run(command, stderr=subprocess.PIPE, timeout=120, preexec_fn=lambda: os.close(1))
    assert done.returncode == 0 and done.stderr == b"", done.stderr.decode()


def test_a_latin1_terminal_shows_an_emoji_as_an_escape(tmp_path):
    (tmp_path / "r.yaml").write_text(EMOJI_ROUTINE, encoding="utf-8")
    done = audioguide("script", str(tmp_path / "r.yaml"), env={"PYTHONIOENCODING": "latin-1"})
    assert done.returncode == 0, done.stderr.decode()
    assert b"\\U0001f4aa" in done.stdout and b"Traceback" not in done.stderr


def test_bytes_that_are_not_utf8_on_the_command_line_are_a_message():
    done = subprocess.run(
        [sys.executable.encode(), b"-m", b"audioguide", b"script", b"--set", b"title=\xff\xfe"],
        capture_output=True,
        timeout=120,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr
    assert b"not UTF-8 text" in done.stderr


def test_a_lone_surrogate_in_a_routine_is_a_located_error(tmp_path):
    (tmp_path / "r.yaml").write_text(
        'title: "T \\ud800"\nexercises:\n  - name: A\n    steps: [{hold: 3s, say: Hold.}]\n'
    )
    result = run("script", str(tmp_path / "r.yaml"))
    assert result.exit_code == 1 and "r.yaml:1: title: contains a lone surrogate" in result.output


def test_a_number_of_many_digits_is_spoken_as_digits(tmp_path, fake_engine):
    (tmp_path / "r.yaml").write_text(EMOJI_ROUTINE, encoding="utf-8")
    result = run("build", str(tmp_path / "r.yaml"), "--engine", "fake", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--engine", "espeak", "--rate", "nan"], "--rate must be a number from 0.5 to 2, got nan"),
        (["script", "--reps", "²=5"], "--reps ²=5: no exercise '²'"),
        (["script", "--hold", "¹=5s"], "--hold ¹=5s: no exercise '¹'"),
        (["script", "--set", "cues.countdown=" + "[" * 3000 + "]" * 3000], "nested too deeply"),
        (["script", "--set", "cues.countdown=" + "[" * 30 + "]" * 30], "nested too deeply"),
        (["script", "--reps", "toe-curls." + "9" * 5000 + "=3"], "no exercise"),
        (["script", "--set", "exercises[" + "9" * 5000 + "].sets=3"], "does not exist"),
    ],
)
def test_hostile_option_values_are_messages(args, message, tmp_path):
    result = run(*args, *(["-o", str(tmp_path)] if args[0] == "build" else []))
    assert result.exit_code == 1 and message in result.output, result.output


@pytest.mark.parametrize("size", ["9" * 400, "1e400", "9" * 29 + "GiB"])
def test_an_overflowing_cache_size_is_a_usage_error(size, tmp_path):
    result = run("cache", "prune", "--max-size", size, "--cache-dir", str(tmp_path))
    assert result.exit_code == 2 and "--max-size" in result.output


@pytest.mark.parametrize(
    "option",
    [
        [b"--engine", b"espeak", b"--voice"],
        [b"--engine", b"gtts", b"--tld"],
        [b"--engine", b"espeak", b"--lang"],
    ],
)
def test_names_and_codes_that_are_not_utf8_are_messages(option, tmp_path):
    routine = str(tmp_path / "r.yaml").encode()
    (tmp_path / "r.yaml").write_text(EMOJI_ROUTINE, encoding="utf-8")
    command = [
        sys.executable.encode(),
        b"-m",
        b"audioguide",
        b"build",
        routine,
        b"-o",
        str(tmp_path).encode(),
    ]
    done = subprocess.run(
        [*command, *option, b"x\xff"],
        capture_output=True,
        timeout=120,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(b"error: "), done.stderr


HEAVY = ("numpy", "pydub", "lameenc", "imageio_ffmpeg", "starlette", "uvicorn", "jinja2", "yaml", "audioguide.speech")
IMPORTED = """
import sys
from audioguide.cli import main
sys.argv = ["audioguide", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("imported:", " ".join(name for name in {heavy!r} if name in sys.modules))
"""


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_version_and_help_import_none_of_the_heavy_libraries(args):
    """`--version` and `--help` start at once: no audio, engine, YAML or web library is imported."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED.format(heavy=HEAVY), *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "audioguide" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "imported:", result.stdout


# What makes a track, none of which a build with nothing to do needs.
STAGES = ("numpy", "pydub", "lameenc", "mutagen", "importlib.metadata", "audioguide.compiler",
          "audioguide.render", "audioguide.music.bed", "audioguide.export.writer", "audioguide.authoring.validate")  # fmt: skip


def test_a_build_with_nothing_to_do_imports_none_of_the_stages(tmp_path):
    """"Up to date" answers at once: the routine, the cache's headers and the timeline, no audio library."""
    from conftest import SMALL_ROUTINE

    args = ["build", str(SMALL_ROUTINE), "--engine", "pico", "--cache-dir", str(tmp_path / "cache"),
            "-o", str(tmp_path / "out")]  # fmt: skip
    assert audioguide(*args).returncode == 0
    again = subprocess.run(
        [sys.executable, "-c", IMPORTED.format(heavy=STAGES), *args], capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Up to date: "), again.stdout
    assert again.stdout.strip().splitlines()[-1] == "imported:", again.stdout


def test_a_command_loads_its_module_when_it_runs():
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED.format(heavy=HEAVY), "schema"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert '"$schema"' in result.stdout
    assert "yaml" in result.stdout.strip().splitlines()[-1].split()
