"""The computer's speaker and microphone through miniaudio (its wheels carry the native library).

miniaudio pulls samples from a thread of its own; `SpeakerOutput.write` hands it blocks
through a short queue and waits while the queue is full, so the session's clock is the
device's: the frames it has taken. The microphone's thread puts what it hears in a queue
that `read` empties.
"""

from __future__ import annotations

import queue
import time

import miniaudio

from audioguide.errors import LiveError
from audioguide.live.devices import LISTEN_RATE, Input, Output

QUEUED_BLOCKS = 4  # blocks waiting for the device: about 200 ms at 50 ms blocks
DEVICE_BUFFER_MS = 60
NULL_DEVICE = "Discard all samples"  # ALSA's null device: present where there is no sound card
BUSY_HINTS = ("busy", "in use", "access", "-16")  # EBUSY, and what the back ends say for it


class SpeakerOutput(Output):
    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.blocks: queue.Queue[bytes] = queue.Queue(QUEUED_BLOCKS)
        try:
            names = [d["name"] for d in miniaudio.Devices().get_playbacks()]
        except miniaudio.MiniaudioError:
            names = []
        if not [name for name in names if not name.startswith(NULL_DEVICE)]:
            raise LiveError(
                "no sound device: this computer has no sound output audioguide can play on. "
                "Connect speakers or headphones, or build a track instead (audioguide build)"
            )
        try:
            self.device = miniaudio.PlaybackDevice(
                miniaudio.SampleFormat.SIGNED16, 1, rate, DEVICE_BUFFER_MS, app_name="audioguide"
            )
            feed = self._feed()
            next(feed)
            self.device.start(feed)
        except miniaudio.MiniaudioError as exc:
            raise LiveError(f"the sound device cannot play: {exc}. Is another program holding it?") from None
        self.latency = rate * (DEVICE_BUFFER_MS + 50 * QUEUED_BLOCKS) // 1000

    def _feed(self):
        pending = b""
        frames = yield b""
        while True:
            need = 2 * frames
            while len(pending) < need:
                try:
                    pending += self.blocks.get_nowait()
                except queue.Empty:
                    break
            chunk, pending = pending[:need], pending[need:]
            frames = yield chunk + bytes(need - len(chunk))  # nothing written yet: silence

    def write(self, pcm: bytes) -> None:
        self.blocks.put(pcm)

    def close(self) -> None:
        while not self.blocks.empty():  # let what was written play out
            time.sleep(DEVICE_BUFFER_MS / 1000)
        time.sleep(2 * DEVICE_BUFFER_MS / 1000)
        self.device.close()


class Microphone(Input):
    def __init__(self) -> None:
        self.heard: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self.device = miniaudio.CaptureDevice(
            miniaudio.SampleFormat.SIGNED16, 1, LISTEN_RATE, DEVICE_BUFFER_MS, app_name="audioguide"
        )
        listen = self._listen()
        next(listen)
        self.device.start(listen)

    def _listen(self):
        while True:
            data = yield
            self.heard.put(bytes(data))

    def read(self, seconds: float) -> bytes:
        chunks = []
        while not self.heard.empty():
            chunks.append(self.heard.get_nowait())
        return b"".join(chunks)

    def close(self) -> None:
        self.device.close()


def open_microphone() -> tuple[Input, str]:
    """The microphone, or no input and why (the session then listens to the keyboard only)."""
    from audioguide.live.devices import NoInput

    try:
        names = [d["name"] for d in miniaudio.Devices().get_captures()]
    except miniaudio.MiniaudioError:
        names = []
    if not [name for name in names if not name.startswith(NULL_DEVICE)]:
        return NoInput(), "no microphone found: keyboard commands only"
    try:
        return Microphone(), ""
    except miniaudio.MiniaudioError as exc:
        text = str(exc).lower()
        if any(hint in text for hint in BUSY_HINTS):
            return NoInput(), "the microphone is busy (another program uses it): keyboard commands only"
        return NoInput(), f"the microphone cannot be opened ({exc}): keyboard commands only"
