"""Environment faults: unwritable folders, a read-only or full cache, a broken offline voice, no disk.

Each ends in one clear message (`error: <what>: <why>. <fix>`) that names the path and the
fix, exit status 1, and leaves no temporary file and no half-written track behind. And a bare
machine: the install needs no C compiler, and the first build no network.
"""

from __future__ import annotations

import errno
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from audio import dbfs, decode
from builds import ROUTINES, leftovers, outputs, run_build
from click.testing import CliRunner
from conftest import SMALL_ROUTINE

from audioguide.cli import cli
from audioguide.speech import pico_nanotts

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0  # root writes through any permission
FILE_SIZE_LIMIT = 300_000  # bytes: cache entries fit, the interrupt routine's 600 kB track does not


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def refuse_writes_in(monkeypatch, folder, error=errno.EACCES) -> None:
    """Make creating any file in `folder` fail the way the operating system would."""
    original = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and os.path.abspath(dir).startswith(os.path.abspath(folder)):
            raise OSError(error, os.strerror(error), str(dir))
        return original(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def one_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1, result.output
    return result.output


def test_unwritable_output_folder(run, fake_engine, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    refuse_writes_in(monkeypatch, out)
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "fake", "-o", out))
    assert message == (
        f"error: cannot write {out / 'small-test-routine.mp3'}: Permission denied. Check that the folder "
        "is writable and the disk has space, or choose another with -o\n"
    )
    assert list(out.iterdir()) == []


@pytest.mark.skipif(AS_ROOT, reason="root can write into a read-only folder")
def test_really_read_only_output_folder(run, fake_engine, tmp_path):
    out = tmp_path / "out"
    out.mkdir(mode=0o555)
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "fake", "-o", out))
    assert message.startswith(f"error: cannot write {out / 'small-test-routine.mp3'}: Permission denied.")


def test_read_only_cache_folder(run, fake_engine, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    refuse_writes_in(monkeypatch, cache, errno.EROFS)
    message = one_line(
        run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path / "out", "--cache-dir", cache)
    )
    assert message.startswith(f"error: cannot write the phrase cache at {cache}/")
    assert message.endswith(
        ": Read-only file system. Point --cache-dir or AUDIOGUIDE_CACHE_DIR at a writable folder\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(AS_ROOT, reason="root can write into a read-only folder")
def test_really_read_only_cache_folder(run, fake_engine, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o555)
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "fake", "--cache-dir", cache))
    assert message.startswith(f"error: cannot write the phrase cache at {cache}/")


def test_full_cache_disk(run, fake_engine, tmp_path, monkeypatch):
    cache = tmp_path / "cache"

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)  # the data went to a full disk
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "fake", "--cache-dir", cache))
    assert message.startswith(f"error: cannot write the phrase cache at {cache}/")
    assert message.endswith(
        ": No space left on device. Free some space, or point --cache-dir or AUDIOGUIDE_CACHE_DIR elsewhere\n"
    )
    assert leftovers(cache) == [] and not list(cache.rglob("*.clip"))


def limit_file_size() -> None:
    """In the child: files may not grow past the limit, and writes fail instead of killing it."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def test_no_free_disk_for_the_track_keeps_the_previous_one(tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    run_build(ROUTINES / "interrupt.yaml", out, cache)
    previous = outputs(out)
    command = [sys.executable, "-m", "audioguide", "build", str(ROUTINES / "interrupt-b.yaml")]
    # Named on the command line: version b replaces version a's track (a folder as -o would
    # give the track of another routine file a name of its own).
    command += ["--engine", "pico", "-o", str(out / "interrupt-test.mp3"), "--cache-dir", str(cache)]
    done = subprocess.run(command, capture_output=True, text=True, preexec_fn=limit_file_size, timeout=120)
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    # audioguide writes the frames itself (behind its Info header), so the write fails there
    assert done.stderr.startswith(f"error: cannot write {out / 'interrupt-test.mp3'}: File too large. ")
    assert "Check that the folder is writable and the disk has space" in done.stderr
    assert outputs(out) == previous and leftovers(out) == []


def test_missing_offline_voice(run, tmp_path, monkeypatch, pico_binding):
    monkeypatch.setattr(pico_binding, "language_dir", lambda: None)
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "pico", "-o", tmp_path))
    assert message.startswith(
        f"error: the pico engine cannot run here: {pico_binding.PACKAGE}'s language files (*_ta.bin) "
        "are missing from /"
    )
    assert message.endswith(f"; reinstall it: pip install --force-reinstall {pico_binding.PACKAGE}\n")


def test_corrupt_offline_voice(run, tmp_path, monkeypatch, pico_binding):
    junk = tmp_path / "languages"
    junk.mkdir()
    for name in ("en-US_ta.bin", "en-US_lh0_sg.bin"):
        (junk / name).write_bytes(os.urandom(50_000))
    monkeypatch.setattr(pico_binding, "language_dir", lambda: junk)
    # Where each library itself reads the files from, too.
    if pico_binding is pico_nanotts:
        import py_nanotts

        monkeypatch.setattr(py_nanotts, "_default_lingware_path", lambda: str(junk))
    else:
        import ttspico

        monkeypatch.setattr(ttspico, "_LANG_DIR", str(junk))
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "pico", "-o", tmp_path / "out"))
    assert message == (
        f"error: the pico voice for en-US did not load from {junk}. Probable cause: damaged language "
        f"files; reinstall with pip install --force-reinstall {pico_binding.PACKAGE}\n"
    )


REPO = Path(__file__).parent.parent
NOT_COPIED = (".git", ".venv", "venv", "build", "dist", "output", "*.egg-info", "__pycache__", ".*_cache")
WHEEL_PLATFORMS = {("linux", "x86_64"), ("linux", "aarch64")}  # py-nanotts's Linux wheels
OFFLINE_SIGNS = ("NewConnectionError", "Failed to establish a new connection", "Temporary failure in name")
CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens: every request fails at once, on this machine
INSTALL_TIMEOUT_S = 300
DECODE_RATE = 8_000  # enough to measure the track's length and level


@pytest.mark.skipif(
    (sys.platform, platform.machine()) not in WHEEL_PLATFORMS,
    reason="py-nanotts publishes Linux wheels for x86_64 and aarch64 only; elsewhere pip compiles ttspico",
)
def test_installs_with_no_compiler_and_builds_offline_with_pico(tmp_path):
    """Quick start's `pip install -e .` on a machine with no C compiler, then a build with no network."""
    source = tmp_path / "audioguide"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=120)
    python = tmp_path / "venv" / "bin" / "python"
    bare = tmp_path / "bin"  # PATH: the new environment's Python, and no gcc, cc, c++ or ld
    bare.mkdir()
    (bare / "python3").symlink_to(python)
    no_compiler = {**os.environ, "PATH": str(bare), "CC": "false", "CXX": "false"}
    # No pip cache: a wheel compiled here earlier (ttspico's) would hide a build from source.
    install = [str(python), "-m", "pip", "install", "--no-cache-dir", "-e", str(source)]
    done = subprocess.run(install, env=no_compiler, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    if done.returncode != 0 and any(sign in done.stdout + done.stderr for sign in OFFLINE_SIGNS):
        pytest.skip("the package index cannot be reached from here")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    built = re.findall(r"Created wheel for \S+: filename=(\S+\.whl)", done.stdout)
    assert built and all(name.endswith("-none-any.whl") for name in built), f"compiled: {built}"
    bindings = (
        "import importlib.util as u; print(bool(u.find_spec('py_nanotts')), bool(u.find_spec('ttspico')))"
    )
    found = subprocess.run([str(python), "-c", bindings], capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["True", "False"], "py-nanotts's wheel, and no ttspico"

    offline = {
        **no_compiler,
        "HOME": str(tmp_path / "home"),
        "AUDIOGUIDE_GTTS_URL": f"{CLOSED_PORT}/batchexecute",
        "HTTP_PROXY": CLOSED_PORT,
        "HTTPS_PROXY": CLOSED_PORT,
        "NO_PROXY": "",
    }
    out, cache = tmp_path / "out", tmp_path / "cache"
    command = [str(tmp_path / "venv" / "bin" / "audioguide"), "build", "--engine", "pico"]
    command += ["-o", str(out), "--cache-dir", str(cache)]
    done = subprocess.run(command, env=offline, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "with voice pico (en-US)" in done.stdout, done.stdout
    timeline = json.loads((out / "feet-and-back.timeline.json").read_text())
    samples = decode(out / "feet-and-back.mp3", rate=DECODE_RATE)
    assert abs(len(samples) / DECODE_RATE * 1000 - timeline["duration_ms"]) < 100
    assert timeline["engine"] == "pico" and dbfs(samples) > -40, "a whole track with the voice in it"
