"""The music's level around one cue, measured on built tracks: figures and a small SVG plot.

Builds a routine twice with the offline voice, with and without a bed of one steady tone,
decodes both with ffmpeg and follows the tone's level in the difference (the music alone,
as the listener gets it) around the first cue that has quiet on both sides:

    .venv/bin/python scripts/music_level.py [ROUTINE] [--svg docs/music-ducking.svg]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

from audioguide import ffmpeg

RATE = 48_000
HZ = 1500.0  # whole cycles in an MP3 frame, so loops and part starts stay in phase
WINDOW = RATE // 50  # 20 ms, Hann-windowed
HOP = RATE // 200  # every 5 ms
BEFORE_S, AFTER_S = 1.0, 1.5
CLOSE_MS = 900  # cues closer than the lead and recovery (200 + 700 ms) are one dip


def tone_wav(path: Path, seconds: int = 60) -> Path:
    t = np.arange(seconds * RATE) / RATE
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(RATE)
        file.writeframes((0.3 * 32767 * np.sin(2 * np.pi * HZ * t)).astype("<i2").tobytes())
    return path


def decode(path: Path) -> np.ndarray:
    pcm = subprocess.run([ffmpeg.executable(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(RATE), "-"], check=True, capture_output=True).stdout  # fmt: skip
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768


def level_db(samples: np.ndarray, start: int) -> float:
    piece = samples[start : start + WINDOW] * np.hanning(WINDOW)
    phase = np.exp(-2j * np.pi * HZ * np.arange(start, start + WINDOW) / RATE)
    return float(20 * np.log10(max(2 * abs(np.sum(piece * phase)) / np.sum(np.hanning(WINDOW)), 1e-9)))


def svg(times: list[float], levels: list[float], cues: list[tuple[float, float]], text: str) -> str:
    width, height, left, top = 640, 300, 50, 20
    low, high = min(-18.0, min(levels) - 1), 2.0
    t0, t1 = times[0], times[-1]

    def x(t: float) -> float:
        return left + (t - t0) / (t1 - t0) * (width - left - 20)

    def y(db: float) -> float:
        return top + (high - db) / (high - low) * (height - top - 40)

    points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(times, levels, strict=True))
    grid = "".join(
        f'<line x1="{left}" x2="{width - 20}" y1="{y(db):.1f}" y2="{y(db):.1f}" stroke="#ddd"/>'
        f'<text x="{left - 6}" y="{y(db) + 4:.1f}" text-anchor="end">{db:g}</text>'
        for db in range(0, int(low) - 1, -3)
    )
    ticks = "".join(
        f'<text x="{x(t):.1f}" y="{height - 22}" text-anchor="middle">{t:g}</text>'
        for t in np.arange(np.ceil(t0 * 2) / 2, t1, 0.5)
    )
    shaded = "".join(
        f'<rect x="{x(a):.1f}" y="{top}" width="{x(b) - x(a):.1f}" height="{height - top - 40}" fill="#def"/>'
        for a, b in cues
    )
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            'font-family="sans-serif" font-size="11">',
            '<rect width="100%" height="100%" fill="white"/>',
            shaded,
            grid + ticks,
            f'<polyline points="{points}" fill="none" stroke="#c33" stroke-width="1.5"/>',
            f'<text x="{x(cues[0][0]) + 4:.1f}" y="{top + 14}">cues (shaded): {text}</text>',
            f'<text x="{width / 2}" y="{height - 6}" text-anchor="middle">seconds from the cue</text>',
            f'<text x="12" y="{height / 2}" transform="rotate(-90 12 {height / 2})" text-anchor="middle">'
            "music, dB against its level away from cues</text>",
            "</svg>",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("routine", nargs="?", default="tests/routines/small.yaml")
    parser.add_argument("--svg", type=Path, help="write the plot here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="audioguide-music-") as folder:
        work = Path(folder)
        bed = tone_wav(work / "bed.wav")
        build = [sys.executable, "-m", "audioguide", "build", args.routine, "--engine", "pico"]
        subprocess.run([*build, "-o", str(work / "plain.mp3")], check=True, capture_output=True)
        subprocess.run(
            [*build, "--music", str(bed), "-o", str(work / "bed.mp3")], check=True, capture_output=True
        )
        plain = decode(work / "plain.mp3")
        music = decode(work / "bed.mp3") - plain
        loudness = subprocess.run(
            [ffmpeg.executable(), "-hide_banner", "-nostats", "-i", str(work / "bed.mp3"),
             "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
            check=True, capture_output=True, text=True,
        ).stderr  # fmt: skip
        events = json.loads((work / "bed.timeline.json").read_text())["events"]
    # the first cue after the longest quiet, and the cues that follow it closely (one dip)
    index = max(range(1, len(events)), key=lambda i: events[i]["start_ms"] - events[i - 1]["end_ms"])
    chain = [events[index]]
    for event in events[index + 1 :]:
        if event["start_ms"] - chain[-1]["end_ms"] > CLOSE_MS:
            break
        chain.append(event)
    start = chain[0]["start_ms"] * RATE // 1000
    end = chain[-1]["end_ms"] * RATE // 1000
    up = float(np.median([level_db(music, at) for at in range(start - 2 * RATE, start - 3 * RATE // 2, HOP)]))
    offsets = range(start - int(BEFORE_S * RATE), end + int(AFTER_S * RATE), HOP)
    times = [(at + WINDOW / 2 - start) / RATE for at in offsets]
    levels = [level_db(music, at) - up for at in offsets]
    spans = [
        ((e["start_ms"] * RATE // 1000 - start) / RATE, (e["end_ms"] * RATE // 1000 - start) / RATE)
        for e in chain
    ]
    first_down = next(t for t, v in zip(times, levels, strict=True) if v < -1)
    during = [
        v for t, v in zip(times, levels, strict=True) if any(a + 0.02 <= t <= b - 0.02 for a, b in spans)
    ]
    back = next(t for t, v in zip(times, levels, strict=True) if t > spans[-1][1] and v > -1)
    words = " / ".join(e["text"] for e in chain)
    print(f"cues {words!r} from {chain[0]['start_ms'] / 1000:.2f} s to {chain[-1]['end_ms'] / 1000:.2f} s")
    print(
        f"music 1 dB down {-first_down * 1000:.0f} ms before the first cue; during the cues "
        f"{max(during):.1f} dB at most (median {np.median(during):.1f} dB); back within 1 dB "
        f"{(back - spans[-1][1]) * 1000:.0f} ms after the last one ends"
    )

    def rms_db(samples: np.ndarray) -> float:
        return float(20 * np.log10(max(np.sqrt(np.mean(samples**2)), 1e-9)))

    margins = [
        rms_db(plain[e["start_ms"] * RATE // 1000 : e["end_ms"] * RATE // 1000])
        - rms_db(music[e["start_ms"] * RATE // 1000 : e["end_ms"] * RATE // 1000])
        for e in events
        if e["kind"] == "speech"
    ]
    print(f"voice over music during each of {len(margins)} speech events: at least {min(margins):.1f} dB "
          f"(median {np.median(margins):.1f} dB), by RMS over the event")  # fmt: skip
    summary = loudness[loudness.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1]
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)[1]
    print(f"the mix: {integrated} LUFS integrated, true peak {peak} dBTP (ffmpeg's EBU R128 meter)")
    if args.svg:
        args.svg.write_text(svg(times, levels, spans, words))
        print(f"wrote {args.svg}")


if __name__ == "__main__":
    main()
