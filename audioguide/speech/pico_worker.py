"""Pico's worker process: speaks phrases for audioguide, then is replaced by a fresh one.

ttspico keeps about 190 KB per phrase spoken that it never gives back, so a process that
speaks hundreds of long phrases grows by tens of megabytes. audioguide runs it here, in
a short-lived process (`pico_ttspico.py` starts it, and replaces it every few dozen
phrases), so the build's own memory stays flat in the number of distinct phrases.

Run as a script, never imported by audioguide: it needs nothing but ttspico. Protocol,
one request at a time: a JSON line {"lang", "folder", "text"} in; out, an 8-byte signed
little-endian length and the PCM (mono 16-bit at 16 kHz), or a negative length and an
error message of that many bytes less one, starting with "load:" or "speak:".
"""

from __future__ import annotations

import json
import signal
import struct
import sys

LENGTH = struct.Struct("<q")


def main() -> None:
    # Ctrl-C reaches the whole process group; audioguide decides what happens, not the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import ttspico

    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    for line in requests:  # ends when audioguide closes the pipe (or exits)
        request = json.loads(line)
        chunks: list[bytes] = []
        stage = "load"
        try:
            # The folder audioguide found, and no other of ttspico's own guesses (a damaged
            # installation is reported, not papered over). A fresh engine per phrase: its
            # audio depends on its text alone (see pico_ttspico.py).
            ttspico._LANG_DIR = request["folder"]
            engine = ttspico.TtsEngine(request["lang"], request["folder"])
            stage = "speak"
            engine.speak(request["text"], _collector(chunks))
        except Exception as exc:  # any failure of the C library is reported, not a traceback
            message = f"{stage}:{exc}".encode("utf-8", "replace")
            replies.write(LENGTH.pack(-len(message) - 1) + message)
        else:
            pcm = b"".join(chunks)
            replies.write(LENGTH.pack(len(pcm)) + pcm)
        replies.flush()


def _collector(chunks: list[bytes]):
    """ttspico's callback: keep each piece of audio, and go on (True)."""

    def collect(_format: object, audio: bytes, _final: bool) -> bool:
        chunks.append(audio)
        return True

    return collect


if __name__ == "__main__":
    main()
