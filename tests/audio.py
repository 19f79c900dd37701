"""Reading built tracks back with real tools: ffmpeg's own decoder and numpy."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from audioguide import ffmpeg

ANALYSIS_RATE = 44_100


def decode(path: Path, rate: int = ANALYSIS_RATE) -> np.ndarray:
    """The MP3 as float samples in [-1, 1], decoded by ffmpeg (which honours the LAME header)."""
    pcm = subprocess.run(
        [ffmpeg.executable(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
         "-ar", str(rate), "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0


def onsets(
    samples: np.ndarray, rate: int = ANALYSIS_RATE, quiet_ms: int = 40, floor_db: float = -45.0
) -> list[float]:
    """Times (ms) where sound starts after at least `quiet_ms` of silence, to about 1 ms."""
    window = rate // 1000  # samples per analysis window, about a millisecond
    window_ms = window * 1000 / rate
    frames = len(samples) // window
    rms = np.sqrt(np.mean(samples[: frames * window].reshape(frames, window) ** 2, axis=1))
    loud = 20 * np.log10(np.maximum(rms, 1e-9)) > floor_db
    found, quiet_run = [], float("inf")  # the track starts after silence
    for index, is_loud in enumerate(loud):
        if is_loud:
            if quiet_run * window_ms >= quiet_ms:
                found.append(index * window_ms)
            quiet_run = 0
        else:
            quiet_run += 1
    return found


def nearest(times: list[float], target: float) -> float:
    return min(times, key=lambda t: abs(t - target))


def dbfs(samples: np.ndarray) -> float:
    return float(20 * np.log10(max(np.sqrt(np.mean(samples**2)), 1e-9)))
