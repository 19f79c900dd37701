"""Reading built files back with ffmpeg's own tools: its metadata demuxer and its loudness meter."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from audioguide import ffmpeg


@dataclass(frozen=True)
class Metadata:
    tags: dict[str, str]
    chapters: list[tuple[int, int, str]]  # (start_ms, end_ms, title) in the order ffmpeg lists them


def ffmetadata(path: Path) -> Metadata:
    """`ffmpeg -i track.mp3 -f ffmetadata -`: tags and chapters as ffmpeg's demuxer reads them."""
    out = subprocess.run(
        [ffmpeg.executable(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    head, *sections = re.split(r"^\[CHAPTER\]$", out, flags=re.M)
    # A value runs on over lines that end in a backslash (the lyrics); keep only its first line.
    lines = re.sub(r"\\\n(?:[^\n]*\\\n)*[^\n]*", "", head).splitlines()[1:]
    tags = dict(line.split("=", 1) for line in lines if "=" in line)
    chapters = []
    for section in sections:
        fields = dict(line.split("=", 1) for line in section.strip().splitlines())
        assert fields["TIMEBASE"] == "1/1000"
        chapters.append((int(fields["START"]), int(fields["END"]), fields["title"]))
    return Metadata(tags, chapters)


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float


def loudness(path: Path) -> Loudness:
    """ffmpeg's EBU R128 meter (`ebur128=peak=true`): integrated loudness and true peak."""
    report = subprocess.run(
        [ffmpeg.executable(), "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
         "-f", "null", "-"],
        check=True, capture_output=True, text=True,
    ).stderr  # fmt: skip
    summary = report[report.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert integrated and peak, summary
    return Loudness(float(integrated.group(1)), float(peak.group(1)))
