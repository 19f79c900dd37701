"""The recognizer: each command word heard, and a word no louder than the room not taken for one."""

from __future__ import annotations

import numpy as np
import pytest
from live_audio import spoken
from pydub import AudioSegment

from audioguide.live.devices import LISTEN_RATE
from audioguide.live.listen import COMMANDS, Listener


def heard(audio: AudioSegment) -> list[str]:
    listener, raw, got = Listener(), audio.raw_data, []
    for at in range(0, len(raw), 1600):  # 50 ms at a time, as a session feeds it
        command = listener.hear(raw[at : at + 1600])
        got += [command] if command else []
    return got


def said(word: str, room: AudioSegment | None = None) -> AudioSegment:
    base = room if room is not None else AudioSegment.silent(3000, frame_rate=LISTEN_RATE)
    return base.overlay(spoken(word), position=1000)


@pytest.mark.parametrize("word", list(COMMANDS))
def test_every_command_word_is_heard(word):
    assert heard(said(word)) == [COMMANDS[word][0]]


class Spotted:
    hypstr = "stop"


class Spotting:
    """A decoder that spots "stop" in whatever it hears."""

    def process_raw(self, *args):
        pass

    def hyp(self):
        return Spotted()

    def end_utt(self):
        pass

    start_utt = end_utt


def test_a_word_no_louder_than_the_room_is_not_a_command():
    """The decoder made to spot "stop" at the last chunk: taken only when that chunk stands out."""
    rng = np.random.default_rng(1)

    def chunk(level_dbfs: float) -> bytes:
        return (rng.standard_normal(800) * 32768 * 10 ** (level_dbfs / 20)).astype(np.int16).tobytes()

    def spots(room: list[bytes], word: bytes) -> str | None:
        listener = Listener()
        for piece in room:
            listener.hear(piece)
        listener.decoder = Spotting()
        return listener.hear(word)

    music = [chunk(-30 + 8 * (i % 4 == 0)) for i in range(60)]  # a beat every 200 ms
    assert spots(music, chunk(-24)) is None  # as loud as the beats: part of the music
    assert spots(music, chunk(-12)) == "stop"  # said over it
    assert spots([bytes(1600)] * 60, chunk(-40)) == "stop"  # a soft word in a quiet room


def test_muted_audio_is_never_heard():
    listener, raw = Listener(), said("stop").raw_data
    assert [listener.hear(raw[at : at + 1600], muted=True) for at in range(0, len(raw), 1600)] == [None] * 60
