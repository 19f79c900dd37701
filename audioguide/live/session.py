"""A live session: the built track played block by block, with commands that change its course.

With nobody intervening, the blocks are the built track's samples in order. The clock is the
output's: the frames it has taken, never the wall clock. After each block the session reads
as much of the microphone and the keyboard, and acts on a command before the next block:

- pause: silence until resume (or ready, or space); inside timed work the position is kept
  to the sample, and "three, two, one" and the start tone lead back in, so the hold's
  remaining time is exact; outside it a sentence cut off is said again whole;
- next: the work under way ends with its end tone, and the next part's announcement follows;
  back: the start of this part (or of the one before, within its first seconds);
- repeat: the last instruction again; how long: the time left in the part and the session;
- at the end of an `until: ready` hold, "Say ready when you are." and silence until ready;
- stop (or Ctrl-C): the session ends, logged as stopped where it was.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from audioguide import render
from audioguide.cues import SPEECH
from audioguide.live.devices import Input, Output
from audioguide.live.listen import Listener
from audioguide.live.track import Track
from audioguide.phrases import Phrasebook

BLOCK_MS = 50  # a block of output between two looks at the microphone and the keyboard
MUTE_TAIL_MS = 300  # the coach's last words still echo in the room this long
BACK_GRACE_MS = 5000  # "back" in a part's first seconds goes to the part before
COUNT_IN = 3  # "three, two, one" back into a hold after a pause
STATUS_EVERY_MS = 500

SayFor = Callable[[str], bytes]  # a phrase -> its PCM at the track's rate


@dataclass
class Report:
    completed: bool = False
    stopped_at: str = ""  # the part's title where the session stopped
    interrupted: bool = False  # Ctrl-C
    pauses: int = 0
    skips: int = 0  # next and back
    heard: list[tuple[int, str, str]] = field(default_factory=list)  # (output frame, command, from)
    frames: int = 0  # samples written


@dataclass(frozen=True)
class Status:
    part: str
    following: str
    part_left_ms: int
    total_left_ms: int
    state: str  # playing, paused or waiting


class Session:
    def __init__(
        self,
        track: Track,
        output: Output,
        microphone: Input,
        say: SayFor,
        book: Phrasebook,
        listener: Listener | None = None,
        keys: queue.SimpleQueue[str] | None = None,
        on_status: Callable[[Status], None] | None = None,
    ) -> None:
        self.track, self.output, self.microphone, self.say = track, output, microphone, say
        self.book, self.listener, self.keys, self.on_status = book, listener, keys, on_status
        self.rate = track.rate
        self.block = self.rate * BLOCK_MS // 1000
        self.pos = 0  # where in the track
        self.inserts = bytearray()  # said or sounded before the track goes on
        self.overlay = b""  # mixed into the track's next samples: the start tone back into a hold
        self.paused = self.waiting = self.stopped = False
        self.waited: set[int] = set()
        self.quiet_from = 0  # output frame from which everything written was silence
        self.report = Report()
        self.ready_phrase = say(book.say("say_ready"))
        self.count_in = self._count_in()

    def run(self) -> Report:
        shown = -STATUS_EVERY_MS
        try:
            while not self.stopped and (self.pos < self.track.length or self.inserts):
                block = self._next_block()
                self.output.write(block)
                self.report.frames += len(block) // 2
                if np.frombuffer(block, dtype=np.int16).any():
                    self.quiet_from = self.report.frames
                self._listen(len(block) // 2)
                now_ms = self.report.frames * 1000 // self.rate
                if self.on_status and now_ms - shown >= STATUS_EVERY_MS:
                    shown = now_ms
                    self.on_status(self.status())
        except KeyboardInterrupt:
            self.stopped = self.report.interrupted = True
        self.report.completed = not self.stopped
        if self.stopped:
            self.report.stopped_at = self.track.titles[self.track.part_at(self.pos)]
        return self.report

    # --- what is played ------------------------------------------------------------------

    def _next_block(self) -> bytes:
        if self.inserts:
            block = bytes(self.inserts[: 2 * self.block])
            del self.inserts[: 2 * self.block]
            return block
        if self.paused or self.waiting:
            if self.microphone.ended and self.keys is None:
                self.stopped = True  # a file that has said all it will: nobody is left to resume
            return bytes(2 * self.block)
        wait = self.track.next_wait(self.pos)
        if wait == self.pos and wait not in self.waited:
            self.waited.add(wait)
            self.waiting = True
            self.inserts += self.ready_phrase
            return self._next_block()
        end = min(self.pos + self.block, self.track.length)
        if wait is not None and wait not in self.waited and self.pos < wait < end:
            end = wait
        block = self.track.pcm(self.pos, end)
        self.pos = end
        if self.overlay:
            block, self.overlay = _mixed(block, self.overlay)
        return block

    def _count_in(self) -> bytes:
        """ "Three, two, one", a second each: the way back into a hold after a pause."""
        second = self.rate
        out = bytearray()
        for n in range(COUNT_IN, 0, -1):
            word = self.say(self.book.say("countdown", n=n))
            out += word + bytes(max(0, 2 * second - len(word)))
        return bytes(out)

    def _tone(self, kind: str) -> bytes:
        return render.tone(kind, self.rate).raw_data

    # --- what is heard ---------------------------------------------------------------------

    def _listen(self, frames: int) -> None:
        heard = self.microphone.read(frames / self.rate)
        mute = self.rate * MUTE_TAIL_MS // 1000 + self.output.latency + self.block
        muted = self.report.frames - self.quiet_from < mute
        commands = []
        if self.listener is not None and heard:
            command = self.listener.hear(heard, muted)
            commands += [(command, "voice")] if command else []
        while self.keys is not None and not self.keys.empty():
            commands.append((self.keys.get_nowait(), "keyboard"))
        for command, source in commands:
            self.report.heard.append((self.report.frames, command, source))
            self.apply(command)

    def apply(self, command: str) -> None:
        """Act on a command: pause, resume, ready, toggle (space), next, back, repeat, how_long, stop."""
        if command == "toggle":
            command = "resume" if self.paused or self.waiting else "pause"
        work = self.track.work_at(self.pos)
        if command == "pause" and not self.paused:
            self.paused = True
            self.report.pauses += 1
            self.inserts.clear()
            sound = self.track.sound_at(self.pos)
            if work is None and sound is not None and sound.kind == SPEECH:
                self.pos = sound.start  # said again whole after the pause
        elif command in ("resume", "ready") and self.paused:
            self.paused = False
            if work is not None and not self.waiting:
                self.inserts += self.count_in
                self.overlay = self._tone("start")
        elif command in ("resume", "ready") and self.waiting:
            self.waiting = False
            self.inserts.clear()
        elif command in ("next", "back"):
            self.report.skips += 1
            ending = work is not None or self.waiting
            self.paused = self.waiting = False
            self.inserts = bytearray(self._tone("end") if ending else b"")
            self.overlay = b""
            if command == "next":
                self.pos = self.track.next_announcement(self.pos)
            else:
                self.pos = self.track.previous_start(self.pos, self.rate * BACK_GRACE_MS // 1000)
                self.waited = {w for w in self.waited if w < self.pos}
        elif command == "repeat":
            said = self.track.instruction_before(self.pos)
            if said is not None:
                self.inserts += render.sound(said, self.track.clip_for, self.rate).raw_data
        elif command == "how_long":
            self.inserts += self.say(self.time_left())
        elif command == "stop":
            self.stopped = True

    # --- what is shown and said about it -----------------------------------------------------

    def time_left(self) -> str:
        status = self.status()
        return self.book.say(
            "time_left",
            exercise=self.book.duration(_whole_seconds(status.part_left_ms)),
            session=self.book.duration(_whole_seconds(status.total_left_ms)),
        )

    def status(self) -> Status:
        track, index = self.track, self.track.part_at(self.pos)
        following = track.titles[index + 1] if index + 1 < len(track.titles) else ""
        state = "paused" if self.paused else "waiting for ready" if self.waiting else "playing"
        return Status(
            track.titles[index],
            following,
            (track.part_end(index) - self.pos) * 1000 // self.rate,
            (track.length - self.pos) * 1000 // self.rate,
            state,
        )


def _whole_seconds(ms: int) -> int:
    return max(1000, round(ms / 1000) * 1000)


def _mixed(block: bytes, overlay: bytes) -> tuple[bytes, bytes]:
    """`overlay`'s first samples added into `block`, and what is left of it."""
    n = min(len(block), len(overlay))
    a = np.frombuffer(block, dtype=np.int16).astype(np.int32)
    a[: n // 2] += np.frombuffer(overlay[:n], dtype=np.int16)
    return np.clip(a, -32768, 32767).astype(np.int16).tobytes(), overlay[n:]


__all__ = ["Report", "Session", "Status"]
