"""Where a live session's sound goes and where its microphone comes from, behind a small interface.

An `Output` takes mono 16-bit PCM and returns once the device has room for it: the frames
written are the session's clock. An `Input` gives what the microphone heard since the last read,
as mono 16-bit PCM at `LISTEN_RATE`. The file devices here are testing aids: `wav:PATH` writes
what would be played, or reads the microphone from a file in step with the output, so a
session is the same every run; `fast` runs the clock as fast as the machine allows. The real
devices are in sound.py, loaded only when a session plays aloud.
"""

from __future__ import annotations

import time
import wave
from abc import ABC, abstractmethod
from pathlib import Path

from pydub import AudioSegment

from audioguide.errors import LiveError

LISTEN_RATE = 16_000  # what the recognizer hears: mono 16-bit at 16 kHz
FILE_SCHEME = "wav:"
PACING_LEAD_S = 0.2  # a paced file device keeps this far ahead of the wall clock


class Output(ABC):
    rate: int
    latency: int = 0  # samples between writing a sample and hearing it

    @abstractmethod
    def write(self, pcm: bytes) -> None:
        """Play `pcm`; returns when the device has taken it (so the caller keeps its time)."""

    def close(self) -> None:  # noqa: B027 - most devices have nothing to close
        """Let what was written play out, and release the device."""


class Input(ABC):
    ended = False  # a file read to its end: nothing more will ever be heard

    @abstractmethod
    def read(self, seconds: float) -> bytes:
        """What was heard since the last read (a file gives exactly `seconds` of it)."""

    def close(self) -> None:  # noqa: B027
        """Release the microphone."""


class WavOutput(Output):
    """Writes what would be played to a WAV file; paced to the wall clock unless `fast`."""

    def __init__(self, path: Path, rate: int, fast: bool) -> None:
        self.rate = rate
        self.fast = fast
        self.written = 0
        self.started = time.monotonic()
        try:
            self.file = wave.open(str(path), "wb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise LiveError(f"{path}: cannot write the output file: {exc.strerror}") from None
        self.file.setnchannels(1)
        self.file.setsampwidth(2)
        self.file.setframerate(rate)

    def write(self, pcm: bytes) -> None:
        self.file.writeframesraw(pcm)
        self.written += len(pcm) // 2
        if not self.fast:
            ahead = self.written / self.rate - (time.monotonic() - self.started) - PACING_LEAD_S
            if ahead > 0:
                time.sleep(ahead)

    def close(self) -> None:
        self.file.close()


class WavInput(Input):
    """A microphone read from an audio file, in step with the session's clock; silence after its end."""

    def __init__(self, path: Path) -> None:
        try:
            audio = AudioSegment.from_wav(path)
        except (OSError, ValueError, IndexError) as exc:
            raise LiveError(f"{path}: cannot read the input file: {exc}") from None
        self.pcm = audio.set_channels(1).set_sample_width(2).set_frame_rate(LISTEN_RATE).raw_data
        self.at = 0.0  # seconds read so far
        self.taken = 0  # bytes

    def read(self, seconds: float) -> bytes:
        self.at += seconds
        end = 2 * round(self.at * LISTEN_RATE)
        chunk = self.pcm[self.taken : end]
        chunk += bytes(max(0, end - self.taken - len(chunk)))
        self.taken = end
        self.ended = end >= len(self.pcm)
        return chunk


class NoInput(Input):
    """No microphone: the keyboard only (without one, nobody can answer a wait for "ready")."""

    ended = True

    def read(self, seconds: float) -> bytes:
        return b""


def file_path(spec: str) -> Path | None:
    """The path in `wav:PATH`, None for anything else (the sound device)."""
    return Path(spec[len(FILE_SCHEME) :]) if spec.startswith(FILE_SCHEME) else None


def open_output(spec: str | None, rate: int, fast: bool) -> Output:
    """`wav:PATH`, or None for the computer's sound output."""
    path = file_path(spec) if spec else None
    if spec and path is None:
        raise LiveError(f"--output {spec}: give wav:PATH, or leave it out to play on the sound device")
    if path is not None:
        return WavOutput(path, rate, fast)
    from audioguide.live import sound  # miniaudio, loaded only to play aloud

    return sound.SpeakerOutput(rate)


def open_input(spec: str | None) -> tuple[Input, str]:
    """`wav:PATH`, `none`, or None for the computer's microphone; with a note when there is none."""
    if spec == "none":
        return NoInput(), ""
    path = file_path(spec) if spec else None
    if spec and path is None:
        raise LiveError(f"--input {spec}: give wav:PATH or none, or leave it out to use the microphone")
    if path is not None:
        return WavInput(path), ""
    from audioguide.live import sound

    return sound.open_microphone()
