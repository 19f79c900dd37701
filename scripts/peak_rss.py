"""Peak memory of a cold build whose phrases are all distinct and long: run by hand.

    .venv/bin/python scripts/peak_rss.py [--phrases 200] [--chars 500] [--engine pico] [--warm]

Writes a routine of PHRASES distinct instructions of CHARS characters each (say steps,
ten to an exercise), builds it once with an empty phrase cache as its own `audioguide
build` process, and prints the peak RSS from os.wait4: the largest of the build's and of
every process it waited for (the encoder, a ttspico worker where used). Memory must stay flat in the
number of distinct phrases; the target for 200 phrases of 500 characters is 150 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This process imports nothing of audioguide: a child's peak RSS starts from its parent's size.
TARGET_MB = 150
PER_EXERCISE = 10
WORDS = (
    "lift lower hold breathe slowly gently press reach turn knee ankle heel toe hip spine shoulder "
    "wall floor chair towel band left right forward back up down keep steady soft long tall relax "
    "feel stretch calf shin arch foot leg arm chest neck pause count even smooth quiet strong"
).split()


def instruction(rng: random.Random, number: int, chars: int) -> str:
    """A distinct sentence-like text of exactly `chars` characters."""
    words = [f"Step {number}:"]
    while len(" ".join(words)) < chars:
        words.append(rng.choice(WORDS))
    return (" ".join(words)[: chars - 1] + ".").replace("..", ". ")


def routine(phrases: int, chars: int) -> str:
    rng = random.Random(phrases * 1000 + chars)
    lines = ["title: Memory check", "rest_between: 10s", "exercises:"]
    for start in range(0, phrases, PER_EXERCISE):
        lines += [f"  - name: Part {start // PER_EXERCISE + 1}", "    steps:"]
        for number in range(start, min(start + PER_EXERCISE, phrases)):
            lines += [f'      - say: "{instruction(rng, number + 1, chars)}"', "        pause: 1s"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrases", type=int, default=200)
    parser.add_argument("--chars", type=int, default=500)
    parser.add_argument("--engine", default="pico")
    parser.add_argument("--warm", action="store_true", help="then build again from the filled cache")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        (folder / "memory.yaml").write_text(routine(args.phrases, args.chars), encoding="utf-8")
        command = [sys.executable, "-m", "audioguide", "build", str(folder / "memory.yaml")]
        command += ["--engine", args.engine, "-o", str(folder / "out"), "--cache-dir", str(folder / "cache")]
        print(f"{args.phrases} distinct phrases of {args.chars} characters, engine {args.engine}")
        for case in ("cold", "warm") if args.warm else ("cold",):
            peak_mb, seconds, text = measure(command)
            verdict = "within" if peak_mb <= TARGET_MB else "OVER"
            print(f"{case}: peak RSS {peak_mb:.0f} MB ({verdict} the {TARGET_MB} MB target), {seconds:.1f} s")
            print(f"  {text.strip().splitlines()[0]}")


def measure(command: list[str]) -> tuple[float, float, str]:
    """Peak RSS in MB (os.wait4), wall seconds and output of one build, as its own process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        output.seek(0)
        text = output.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the build failed:\n{text}")
    return usage.ru_maxrss / 1024, time.perf_counter() - start, text


if __name__ == "__main__":
    main()
