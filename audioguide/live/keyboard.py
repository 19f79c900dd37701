"""The keyboard in a terminal: one key, one command, read by a thread of its own.

space pauses and resumes (and answers "ready"), n next, b back, r repeat, h how long, q stop.
The terminal is put in cbreak mode (keys arrive without Enter) and restored on the way out.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

KEYS = {" ": "toggle", "n": "next", "b": "back", "r": "repeat", "h": "how_long", "q": "stop"}
HELP = "space pause/resume/ready, n next, b back, r repeat, h how long, q stop"


@contextmanager
def keyboard() -> Iterator[queue.SimpleQueue[str] | None]:
    """A queue of commands typed on the terminal; None when standard input is not a terminal."""
    if not sys.stdin.isatty():
        yield None
        return
    commands: queue.SimpleQueue[str] = queue.SimpleQueue()
    if sys.platform == "win32":
        import msvcrt

        def read() -> str:
            return msvcrt.getwch()

        restore = None
    else:
        import termios
        import tty

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)

        def read() -> str:
            return sys.stdin.read(1)

        def restore() -> None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def loop() -> None:
        while True:
            key = read()
            if not key:
                return
            if key.lower() in KEYS:
                commands.put(KEYS[key.lower()])

    threading.Thread(target=loop, name="audioguide-keys", daemon=True).start()
    try:
        yield commands
    finally:
        if restore is not None:
            restore()
