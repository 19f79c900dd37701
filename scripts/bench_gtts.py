"""Benchmark: a cold build of the built-in routine against a local fake of Google's TTS.

The fake answers every request after LATENCY_S, as a distant server would. The ideal
wall time is the sum of the requests' latencies divided by the concurrency (--jobs);
the target is to stay within 1.5x of it. Nothing leaves the machine.

    .venv/bin/python scripts/bench_gtts.py [--jobs 4] [--latency 0.3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_google import FakeGoogle, Reply  # noqa: E402

from audioguide import routine  # noqa: E402
from audioguide.build import BuildOptions, build  # noqa: E402
from audioguide.speech.voice import DEFAULT_JOBS  # noqa: E402

TARGET_RATIO = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per request")
    parser.add_argument("--routine", default="feet-and-back")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, FakeGoogle() as google:
        google.default = Reply(delay_s=args.latency)
        os.environ["AUDIOGUIDE_GTTS_URL"] = google.url
        stages: dict[str, float] = {}

        def progress(stage: str, done: int, total: int) -> None:
            stages.setdefault(f"{stage} start", time.monotonic())
            stages[f"{stage} end"] = time.monotonic()

        options = BuildOptions(
            engine="gtts", output=Path(folder), cache_dir=Path(folder) / "cache", jobs=args.jobs
        )
        start = time.monotonic()
        result = build(routine.resolve(args.routine), options, progress)
        wall = time.monotonic() - start

    requests = len(google.requests)
    ideal = requests * args.latency / args.jobs
    speech = stages.get("speech end", start) - start
    ratio = speech / ideal
    print(f"routine {args.routine}: {result.phrases} phrases, {requests} requests to the fake Google")
    print(f"latency {args.latency * 1000:.0f} ms, jobs {args.jobs}: ideal {ideal:.2f} s (latencies / jobs)")
    print(f"speech stage {speech:.2f} s = {ratio:.2f}x ideal (target <= {TARGET_RATIO}x)")
    print(f"whole build {wall:.2f} s (speech, then rendering and MP3 encoding of the track)")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
