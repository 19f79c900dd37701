"""Interrupted builds lose nothing: real `audioguide build` processes killed at random moments.

Two versions of one routine (same title, so the same file names, different content) are
built in turn into one folder, and every build but the verifying ones is stopped with
SIGINT (to the whole process group, as Ctrl-C does), SIGTERM or SIGKILL while it
synthesizes phrases, while it renders and encodes, or at a random time. After each kill:

- the folder holds the previous complete track and sidecars, or the new complete ones,
  or nothing, never a mix or a truncated file;
- the cache holds no damaged entry;
- Ctrl-C and SIGTERM print one line, exit 130 or 143 and leave no temporary file; after
  SIGKILL, any temporary file is a hidden `.tmp` that is never taken for output;
- the next build succeeds and is byte-identical to an uninterrupted one.
Two lanes run side by side, each with its own folder and cache, to use both CPU cores.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import random
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from builds import ROUTINES, cache_entries, cli_build, damaged_cache_entries, leftovers, outputs, run_build

from audioguide import routine
from audioguide.build import BuildOptions, build
from audioguide.files import is_leftover

VERSIONS = {"a": ROUTINES / "interrupt.yaml", "b": ROUTINES / "interrupt-b.yaml"}
TRACK = "interrupt-test.mp3"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
MESSAGES = {signal.SIGINT: "interrupted: ", signal.SIGTERM: "terminated: "}
POLL_S = 0.002  # how often a lane looks for the moment to kill (polling, not a timing assertion)
GIVE_UP_S = 60.0  # a build that neither reaches the moment nor ends is hung
MAX_ATTEMPTS = 200  # per lane: a build that always finishes first must not loop forever
RANDOM_KILL_WITHIN_S = 1.2  # about a warm build's length here: most random kills land inside one
SEED = int(os.environ.get("AUDIOGUIDE_KILL_SEED", "20240606"))


@dataclass(frozen=True)
class Kill:
    signal: signal.Signals
    stage: str  # "synthesis", "render/export" or "random"


def plan(per_signal_and_stage: int, random_kills: int) -> list[Kill]:
    """Each signal in synthesis and in render/export; SIGKILL alone at random times.

    Random times may fall before Python has set up its handlers, where Ctrl-C cannot be
    clean in any Python program; only SIGKILL has the same meaning at every moment.
    """
    kills = [
        Kill(sig, stage)
        for _ in range(per_signal_and_stage)
        for sig in SIGNALS
        for stage in ("synthesis", "render/export")
    ]
    return kills + [Kill(signal.SIGKILL, "random")] * random_kills


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """Each version built once, uninterrupted, with its own cache: what every build must equal."""
    root = tmp_path_factory.mktemp("reference")
    built = {}
    for name, path in VERSIONS.items():
        run_build(path, root / name, root / f"cache-{name}")
        built[name] = outputs(root / name)
    assert built["a"][TRACK] != built["b"][TRACK]
    return built


def wait_for_moment(
    process: subprocess.Popen, kill: Kill, cache: Path, out: Path, rng: random.Random, final_size: int
) -> None:
    """Return when the build is at the planned kind of moment (or has ended)."""
    started = time.monotonic()
    if kill.stage == "random":
        time.sleep(rng.uniform(0.0, RANDOM_KILL_WITHIN_S))
        return
    phrases_before_kill = rng.randint(1, 15)
    bytes_before_kill = rng.randint(0, final_size * 9 // 10)
    abandoned = set(out.glob(f".{TRACK}.*.tmp"))  # left by an earlier SIGKILL, not this build's
    while process.poll() is None and time.monotonic() - started < GIVE_UP_S:
        if kill.stage == "synthesis" and cache_entries(cache) >= phrases_before_kill:
            return
        if kill.stage == "render/export":
            for temp in set(out.glob(f".{TRACK}.*.tmp")) - abandoned:
                with contextlib.suppress(FileNotFoundError):  # renamed into place meanwhile
                    if temp.stat().st_size >= bytes_before_kill:
                        return
        time.sleep(POLL_S)


def describe(files: dict[str, bytes], before: dict[str, bytes], reference) -> dict[str, str]:
    """Which build each file comes from, for a failure message."""
    known = {"before": before, **{f"version {v}": built for v, built in reference.items()}}
    return {
        name: next(
            (label for label, built in known.items() if built.get(name) == data),
            f"unknown, {len(data)} bytes",
        )
        for name, data in files.items()
    }


def send(process: subprocess.Popen, sig: signal.Signals) -> None:
    if sig == signal.SIGTERM:
        process.send_signal(sig)  # `kill <pid>`: only audioguide itself
    else:
        os.killpg(process.pid, sig)  # Ctrl-C and a hard kill reach ffmpeg too


_IN_PROCESS = threading.Lock()


def rebuild(path: Path, out: Path, cache: Path) -> None:
    """The build after a kill, run in this process to save an interpreter start per kill.

    One at a time: the offline voice is not known to be safe in two threads at once.
    """
    with _IN_PROCESS:
        build(routine.load(path), BuildOptions(engine="pico", output=out, cache_dir=cache))


def lane(root: Path, todo: queue.Queue[Kill], reference: dict[str, dict[str, bytes]], seed: int) -> list[str]:
    """Take kills from the queue until it is empty; return a line per kill that landed.

    A kill that finds its build already finished did not happen: it goes back in the queue.
    """
    rng = random.Random(seed)
    out, cache = root / "out", root / "cache"
    final_size = len(reference["a"][TRACK])
    report: list[str] = []
    for index in itertools.count():
        try:
            kill = todo.get_nowait()
        except queue.Empty:
            return report
        version = "ab"[index % 2]
        if kill.stage == "synthesis":
            shutil.rmtree(cache, ignore_errors=True)  # a cold cache: every phrase is synthesized
        before, left_before = outputs(out), set(leftovers(out, cache))
        # Named on the command line: versions a and b take turns at one track (from another
        # routine file, a folder as -o would give the track a name of its own).
        process = cli_build(VERSIONS[version], out / TRACK, cache)
        wait_for_moment(process, kill, cache, out, rng, final_size)
        landed = process.poll() is None
        if landed:
            send(process, kill.signal)
        _, stderr = process.communicate(timeout=GIVE_UP_S)
        landed = landed and process.returncode != 0
        where = f"kill {index} ({kill.signal.name} in {kill.stage}, version {version}, seed {seed})"

        after = outputs(out)
        assert after in (before, reference[version]), (
            f"{where}: the folder holds a mix: {describe(after, before, reference)}"
        )
        assert damaged_cache_entries(cache) == [], where
        left = leftovers(out, cache)
        assert all(is_leftover(p.name) for p in left), f"{where}: {left}"
        if landed and kill.signal in EXIT_CODES:
            lines = stderr.decode().splitlines()
            assert process.returncode == EXIT_CODES[kill.signal], f"{where}: {stderr.decode()}"
            assert len(lines) == 1 and lines[0].startswith(MESSAGES[kill.signal]), f"{where}: {lines}"
            assert set(left) <= left_before, f"{where}: temporary files left: {set(left) - left_before}"

        rebuild(VERSIONS[version], out / TRACK, cache)  # the next build succeeds...
        assert outputs(out) == reference[version], f"{where}: the rebuild differs"  # ...byte for byte
        if landed:
            report.append(f"{kill.signal.name} {kill.stage}")
        elif index < MAX_ATTEMPTS:
            todo.put(kill)
    return report


def run_kills(tmp_path: Path, reference, kills: list[Kill], lanes: int = 2) -> list[str]:
    """Share the kills out over `lanes` folders built side by side; every kill that landed."""
    random.Random(SEED).shuffle(kills)
    todo: queue.Queue[Kill] = queue.Queue()
    for kill in kills:
        todo.put(kill)
    with ThreadPoolExecutor(lanes) as pool:
        futures = [pool.submit(lane, tmp_path / f"lane{i}", todo, reference, SEED + i) for i in range(lanes)]
        return [line for future in futures for line in future.result()]


def test_thirty_kills_lose_nothing(tmp_path, reference):
    killed = run_kills(tmp_path, reference, plan(per_signal_and_stage=4, random_kills=6))
    assert len(killed) >= 30, killed
    for sig in SIGNALS:
        for stage in ("synthesis", "render/export"):
            assert f"{sig.name} {stage}" in killed, (sig.name, stage, killed)


@pytest.mark.slow
def test_soak_hundreds_of_kills_lose_nothing(tmp_path, reference):
    rounds = int(os.environ.get("AUDIOGUIDE_SOAK_KILLS", "150")) // 30 + 1
    killed = run_kills(tmp_path, reference, plan(per_signal_and_stage=4 * rounds, random_kills=6 * rounds))
    assert len(killed) >= 30 * rounds


def test_two_builds_of_one_routine_are_byte_identical(tmp_path, reference):
    run_build(VERSIONS["a"], tmp_path / "out", tmp_path / "cache")
    assert outputs(tmp_path / "out") == reference["a"]
