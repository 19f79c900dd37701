"""Hands-free commands: English keyword spotting with pocketsphinx, offline, nothing kept.

pocketsphinx's wheel carries its English model. Each command is a key phrase with its own
threshold, set on the offline voices so that every word is heard and speech around it is not
taken for it (scripts/live_false_triggers.py measures the false triggers). While the coach
speaks, the microphone is not listened to: its own words never become commands.
"""

from __future__ import annotations

import os
import tempfile

from audioguide.errors import LiveError

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
        hyp = self.decoder.hyp()
        if hyp is None:
            return None
        self._reset()
        phrase = hyp.hypstr.strip().split("  ")[0].strip()
        return COMMANDS[phrase][0] if phrase in COMMANDS else None

    def _reset(self) -> None:
        self.decoder.end_utt()
        self.decoder.start_utt()
        self.fed = False
