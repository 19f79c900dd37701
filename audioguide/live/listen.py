"""Hands-free commands: English keyword spotting with pocketsphinx, offline, nothing kept.

pocketsphinx's wheel carries its English model. Each command is a key phrase with its own
threshold, set on the offline voices so that every word is heard and speech around it is not
taken for it (scripts/live_false_triggers.py measures the false triggers). While the coach
speaks, the microphone is not listened to: its own words never become commands.
"""

from __future__ import annotations

import os
import tempfile
from collections import deque

import numpy as np

from audioguide.errors import LiveError
from audioguide.live.devices import LISTEN_RATE

# What is said -> the command. Thresholds: a smaller number hears more (and mishears more).
COMMANDS = {
    "pause": ("pause", 1e-15),
    "resume": ("resume", 1e-10),
    "continue": ("resume", 1e-10),
    "next": ("next", 1e-10),
    "back": ("back", 1e-10),
    "repeat": ("repeat", 1e-10),
    "how long": ("how_long", 1e-10),
    "ready": ("ready", 1e-10),
    "stop": ("stop", 1e-10),
}
SPOKEN = tuple(COMMANDS)  # the words a user may say, for help texts
# A command must stand out from what the room sounds like: its loudest moment at least GATE_DB
# over the quieter part (QUIET_PERCENTILE) of the last few seconds. Music's own swells rarely do.
GATE_DB = 12.0
ROOM_S = 4.0  # the last seconds that tell how loud the room is
WORD_S = 0.8  # the last seconds that hold the word just heard
QUIET_PERCENTILE = 25
SILENCE_DBFS = -70.0  # digital silence counts as this quiet


class Listener:
    """Hears a command in a stream of 16 kHz mono PCM; muted stretches are never heard."""

    def __init__(self) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError:
            raise LiveError(
                "voice commands need pocketsphinx, which is not installed: pip install pocketsphinx"
            ) from None
        lines = "".join(f"{phrase} /{threshold:g}/\n" for phrase, (_, threshold) in COMMANDS.items())
        handle, path = tempfile.mkstemp(suffix=".kws", text=True)
        try:
            with os.fdopen(handle, "w") as keywords:
                keywords.write(lines)
            self.decoder = Decoder(kws=path, loglevel="FATAL")
        finally:
            os.unlink(path)
        self.decoder.start_utt()
        self.fed = False  # anything heard since the last reset
        self.levels: deque[tuple[float, float]] = deque()  # (seconds of audio, dBFS) per chunk heard

    def hear(self, pcm: bytes, muted: bool = False) -> str | None:
        """The command heard at the end of `pcm`, if any. Muted audio resets what was half heard."""
        if muted:
            if self.fed:
                self._reset()
            return None
        if not pcm:
            return None
        self.decoder.process_raw(pcm, False, False)
        self.fed = True
        self._measure(pcm)
        hyp = self.decoder.hyp()
        if hyp is None:
            return None
        self._reset()
        phrase = hyp.hypstr.strip().split("  ")[0].strip()
        if phrase not in COMMANDS or not self._stands_out():
            return None
        return COMMANDS[phrase][0]

    def _measure(self, pcm: bytes) -> None:
        samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype=np.int16).astype(np.float64)
        rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
        level = max(SILENCE_DBFS, 20 * np.log10(rms / 32768)) if rms else SILENCE_DBFS
        self.levels.append((samples.size / LISTEN_RATE, level))
        while sum(seconds for seconds, _ in self.levels) > ROOM_S and len(self.levels) > 1:
            self.levels.popleft()

    def _stands_out(self) -> bool:
        """Whether the word just heard was louder than the room: music and murmur are not commands."""
        room = np.percentile([level for _, level in self.levels], QUIET_PERCENTILE)
        recent, seconds = [], 0.0
        for length, level in reversed(self.levels):
            if seconds >= WORD_S:
                break
            recent.append(level)
            seconds += length
        return max(recent) - room >= GATE_DB

    def _reset(self) -> None:
        self.decoder.end_utt()
        self.decoder.start_utt()
        self.fed = False
