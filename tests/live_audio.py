"""Helpers for live-session tests: a microphone file with words said at given times (by the offline
Pico voice), and what a session wrote, read back."""

from __future__ import annotations

import wave
from functools import cache
from pathlib import Path

import numpy as np
from pydub import AudioSegment

from audioguide import speech
from audioguide.live.devices import LISTEN_RATE


@cache
def spoken(text: str) -> AudioSegment:
    """`text` in the offline Pico voice, mono 16 kHz, its padding trimmed."""
    audio = speech.make_engine("pico", "en").synthesize(text).set_channels(1).set_frame_rate(LISTEN_RATE)
    samples = np.abs(np.frombuffer(audio.set_sample_width(2).raw_data, dtype=np.int16))
    loud = np.flatnonzero(samples > 30)
    return audio[loud[0] * 1000 // LISTEN_RATE : loud[-1] * 1000 // LISTEN_RATE + 1]


def microphone(path: Path, words: dict[float, str], length_s: float | None = None) -> dict[str, float]:
    """A WAV file of silence with each word said at its time; returns when each word ends (s)."""
    total = length_s or max(words, default=0) + 3
    audio = AudioSegment.silent(int(total * 1000), frame_rate=LISTEN_RATE)
    ends = {}
    for at, text in words.items():
        audio = audio.overlay(spoken(text), position=int(at * 1000))
        ends[text] = at + len(spoken(text)) / 1000
    audio.export(path, format="wav")
    return ends


def samples(path: Path) -> np.ndarray:
    with wave.open(str(path)) as file:
        return np.frombuffer(file.readframes(file.getnframes()), dtype=np.int16)


def find(haystack: np.ndarray, needle: bytes, start: int = 0) -> int:
    """The first sample at or after `start` where `needle`'s samples are, exactly; -1 if nowhere."""
    wanted = np.frombuffer(needle, dtype=np.int16)
    hay = haystack.tobytes()
    at = hay.find(wanted.tobytes(), 2 * start)
    while at != -1 and at % 2:
        at = hay.find(wanted.tobytes(), at + 1)
    return at // 2 if at != -1 else -1
