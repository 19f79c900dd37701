"""Benchmark the customize loop: run by hand, prints a table. Offline; needs nothing but the project.

    .venv/bin/python scripts/bench.py

Every build runs as its own `audioguide build` process, as a user runs it, timed from
start to exit; its peak RSS comes from os.wait4 (the larger of audioguide's and the
encoder's). Rows:

- cold offline build: the built-in routine with an empty phrase cache (pico voice);
- warm rebuild, no change: the same again, everything from the cache;
- warm rebuild after a rep-count change (--reps heel-raises=16; medium was 15), each run
  from its own copy of the warm cache so that each does the same work;
- floor: the PCM of that rebuilt track, piped from a file into the very ffmpeg command
  the build uses (captured from export.encode.encode), with nothing else;
  the best of --repeats runs of both is shown, since the machine may be busy;
- a generated 3-hour routine, built cold.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# This process imports nothing of audioguide: a child's peak RSS starts from its parent's
# size at fork, so the benchmark itself stays small to keep the builds' figures honest.

REP_CHANGE = 16  # heel raises: the built-in's medium is 15
FLOOR_TARGET = 1.3  # a warm rebuild after a rep change may take at most this times the floor
MEMORY_TARGET_MB = 80
LONG_ROUTINE_EXERCISES = 12  # about three hours
REPEATS = 3  # rebuild/floor pairs; the best of each is reported


@dataclass(frozen=True)
class Row:
    case: str
    seconds: float
    peak_mb: float
    synthesized: str
    length: str


def run(command: list[str], env: dict[str, str] | None = None, stdin=None) -> tuple[float, float, str]:
    """Run a process to its end: wall seconds, peak RSS in MB (os.wait4) and its output."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdin=stdin, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{text}")
    return seconds, usage.ru_maxrss / 1024, text


def build(args: list[str], cache: Path, out: Path) -> tuple[float, float, int, str]:
    """One `audioguide build`, as a user runs it: wall time, peak RSS, phrases synthesized, length."""
    command = [sys.executable, "-m", "audioguide", "build", *args, "--engine", "pico", "-o", str(out)]
    seconds, peak, text = run(command, {**os.environ, "AUDIOGUIDE_CACHE_DIR": str(cache)})
    synthesized = int(re.search(r"(\d+) phrases synthesized", text)[1])
    length = re.search(r"\((\d+:\d\d(?::\d\d)?), level", text)[1]
    return seconds, peak, synthesized, length


def floor(reps: list[str], cache: Path, work: Path) -> tuple[float, float]:
    """The rebuilt track's PCM, from a file, through the build's own ffmpeg command, alone."""
    pcm = work / "track.pcm"
    helper = [sys.executable, __file__, "--render-pcm", str(pcm), "--cache", str(cache), *reps]
    command = json.loads(run(helper)[2].splitlines()[-1])
    with pcm.open("rb") as source:
        seconds, peak, _ = run(command, stdin=source)
    pcm.unlink()
    return seconds, peak


def render_pcm(pcm: Path, cache: Path, reps: list[str]) -> None:
    """(A helper process.) Write the track's PCM exactly as a build streams it; print ffmpeg's argv."""
    from unittest import mock

    from audioguide import render, speech
    from audioguide.authoring import overrides
    from audioguide.build import lay_out
    from audioguide.export.encode import DEFAULT_RATE, AudioFormat, encode

    customized = overrides.resolve(None, overrides.from_options({"reps": reps}))
    voice = speech.Voice(speech.offline_engine(), speech.PhraseCache(cache), DEFAULT_RATE)
    script = lay_out(customized.routine, "medium", voice)
    with pcm.open("wb") as file:
        for chunk in render.pcm_chunks(script, voice.clip, DEFAULT_RATE):
            file.write(chunk)
    # Capture the exact argv the build's encoder gives ffmpeg, from a one-sample encode.
    real_popen, seen = subprocess.Popen, []

    def spy(command, *args, **kwargs):
        seen.append(list(command))
        return real_popen(command, *args, **kwargs)

    probe = pcm.with_suffix(".mp3")
    with mock.patch("subprocess.Popen", spy):
        encode([b"\0\0"], probe, AudioFormat())
    print(json.dumps(next(command for command in seen if "pipe:0" in command)))


def long_routine(path: Path, exercises: int) -> None:
    """About three hours: holds and counted reps in rounds, with sides, rests and countdowns."""
    lines = [
        "title: Three hour soak",
        "intro: A long generated routine for the benchmark.",
        "rest_between: 45s",
        "exercises:",
    ]
    for n in range(1, exercises + 1):
        lines += [
            f"  - name: Movement {n}",
            f"    purpose: Part {n} of the long routine.",
            "    sets: 3",
            "    rest: 30s",
            "    sides: [right, left]",
            "    steps:",
            "      - hold: 45s",
            "        say: Hold the {side} side steady.",
            "      - reps: 20",
            "        say: Lift and lower on the {side} side.",
            "        tempo:",
            "          - {say: lift, for: 2s}",
            "          - {say: lower, for: 2s}",
        ]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", type=int, default=LONG_ROUTINE_EXERCISES, help="in the long routine")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="rebuild/floor pairs")
    parser.add_argument("--render-pcm", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("reps", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render_pcm:
        render_pcm(args.render_pcm, args.cache, args.reps)
        return
    with tempfile.TemporaryDirectory(prefix="audioguide-bench-") as folder:
        work = Path(folder)
        cache, out = work / "cache", work / "out"
        rows: list[Row] = []

        def add(case: str, build_args: list[str], cache_dir: Path = cache) -> tuple[float, str]:
            seconds, peak, synthesized, length = build(build_args, cache_dir, out)
            rows.append(Row(case, seconds, peak, str(synthesized), length))
            return seconds, length

        add("(b) cold offline build, feet-and-back", [])
        add("warm rebuild, no change", [])
        # Each rebuild starts from its own copy of the warm cache, so every run does the
        # same work; the floor encodes that rebuild's PCM. Best of N: the machine may be busy.
        reps = f"heel-raises={REP_CHANGE}"
        rebuilds, floors = [], []
        for run_index in range(args.repeats):
            copy = work / f"cache-{run_index}"
            shutil.copytree(cache, copy)
            seconds, peak, synthesized, length = build(["--reps", reps], copy, out)
            rebuilds.append(Row(f"(a) warm rebuild, --reps {reps}", seconds, peak, str(synthesized), length))
            floor_s, floor_mb = floor([reps], copy, work)
            floors.append(Row("(a) floor: same PCM, same ffmpeg command", floor_s, floor_mb, "-", length))
        best_rebuild = min(rebuilds, key=lambda row: row.seconds)
        best_floor = min(floors, key=lambda row: row.seconds)
        rows += [best_rebuild, best_floor]
        routine_file = work / "long.yaml"
        long_routine(routine_file, args.exercises)
        add("(c) generated 3-hour routine, cold", [str(routine_file)], work / "long-cache")

    width = max(len(row.case) for row in rows)
    print(f"{'case':<{width}}  {'wall s':>7}  {'peak RSS MB':>11}  {'synthesized':>11}  {'track':>7}")
    for row in rows:
        print(
            f"{row.case:<{width}}  {row.seconds:>7.2f}  {row.peak_mb:>11.1f}  {row.synthesized:>11}"
            f"  {row.length:>7}"
        )
    long_peak = rows[-1].peak_mb
    ratio = best_rebuild.seconds / best_floor.seconds
    medians = statistics.median(r.seconds for r in rebuilds) / statistics.median(f.seconds for f in floors)
    print()
    print(
        f"warm rebuild after a rep change / floor: {ratio:.2f}x best of {args.repeats} "
        f"({medians:.2f}x by medians; target <= {FLOOR_TARGET}x)"
    )
    print(f"3-hour routine peak RSS: {long_peak:.1f} MB (target <= {MEMORY_TARGET_MB} MB)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}, {platform.system()} {platform.release()}")  # fmt: skip


if __name__ == "__main__":
    main()
