"""Live sessions on the file devices: the built track to the sample, and what each command changes."""

from __future__ import annotations

import queue

import numpy as np
import pytest
from conftest import HERE, SMALL_ROUTINE, FakeEngine
from live_audio import find, microphone, samples, spoken

from audioguide import live, render, routine, speech
from audioguide.build import lay_out
from audioguide.live.listen import Listener
from audioguide.live.session import BLOCK_MS, COUNT_IN, Session

LIVE_ROUTINE = HERE / "routines" / "live.yaml"  # Wall sit: a 40 s hold, until: ready; Heel raises
RATE = 48_000
HOLD = 40 * RATE


def run(tmp_path, engine="fake", path=LIVE_ROUTINE, words=None, length_s=None, keys=None):
    """A session at --fast; the microphone says `words` ({seconds: word}). Returns what it played."""
    options = live.CoachOptions(engine=engine, output=f"wav:{tmp_path / 'out.wav'}", input="none", fast=True)
    if words is not None:
        microphone(tmp_path / "in.wav", words, length_s)
        options = live.CoachOptions(
            engine=engine, output=f"wav:{tmp_path / 'out.wav'}", input=f"wav:{tmp_path / 'in.wav'}", fast=True
        )
    prepared = live.prepare(routine.load(path), options)
    report = live.coach(prepared, options, keys)
    return prepared, report, samples(tmp_path / "out.wav")


def tone(kind):
    return render.tone(kind, RATE).raw_data


def test_a_session_nobody_interrupts_plays_the_built_track_to_the_sample(tmp_path, fake_engine):
    _, report, played = run(tmp_path, path=SMALL_ROUTINE)
    voice = speech.Voice(FakeEngine(), speech.PhraseCache(), RATE)  # as build lays it out
    script = lay_out(routine.load(SMALL_ROUTINE), "medium", voice)
    built = b"".join(render.pcm_chunks(script, voice.clip, RATE))
    assert report.completed and report.heard == [] and report.pauses == report.skips == 0
    assert played.tobytes() == built


def test_pause_at_25_s_and_resume_at_35_s_keeps_the_hold_exact(tmp_path, fake_engine):
    prepared, report, played = run(tmp_path, words={25: "pause", 35: "resume", 70: "ready"})
    (paused, *_), (resumed, *_) = report.heard[:2]
    assert [c for _, c, _ in report.heard] == ["pause", "resume", "ready"]
    for (frame, command, _), (said_at, word) in zip(report.heard[:2], [(25, "pause"), (35, "resume")], strict=True):
        # the reaction within a second of the word's end (the input is read in step with the output)
        late = frame / RATE - (said_at + len(spoken(word)) / 1000) + BLOCK_MS / 1000
        assert late <= 1.0, (command, late)
    quiet = played[paused:resumed]
    assert not quiet.any() and abs(len(quiet) / RATE - 10) <= 1.5
    first_start = find(played, tone("start"))
    back_in = find(played, tone("start"), resumed)  # after "three, two, one"
    assert back_in - resumed == COUNT_IN * RATE and played[resumed:back_in].any()
    end = find(played, prepared.say(prepared.book.say("say_ready")), back_in)  # until: ready
    assert (paused - first_start) + (end - back_in) == HOLD  # the hold's remaining time, to the sample


def test_next_ends_the_hold_with_its_end_tone_and_goes_to_the_next_announcement(tmp_path, fake_engine):
    prepared, report, played = run(tmp_path, words={20: "next"})
    (heard, command, _), *_ = report.heard
    assert command == "next" and report.skips == 1
    assert find(played, tone("end"), heard) == heard  # at once, with the end tone
    announced = render.sound(
        next(s for s in prepared.track.sounds if s.text == "Next up: Heel raises."), prepared.track.clip_for, RATE
    )
    after = heard + len(tone("end")) // 2
    assert find(played, announced.raw_data, after) == after  # "Rest for ten seconds." skipped
    assert report.completed and len(played) < prepared.track.length


def test_until_ready_waits_for_ready(tmp_path, fake_engine):
    prepared, report, played = run(tmp_path, words={80: "ready"})
    wait = prepared.track.waits[0]
    asked = prepared.say(prepared.book.say("say_ready"))
    assert find(played, asked, wait) == wait  # "Say ready when you are." where the hold ends
    (heard, command, _), *_ = report.heard
    end = find(played, tone("end"), wait)
    assert command == "ready" and end == heard and not played[wait + len(asked) // 2 : end].any()
    assert report.completed


def test_without_ready_the_coach_waits_until_the_input_ends(tmp_path, fake_engine):
    prepared, report, played = run(tmp_path, words={}, length_s=120)
    assert not report.completed and report.stopped_at == "Wall sit"
    assert len(played) >= prepared.track.waits[0] + 60 * RATE  # still waiting at 1:53


def test_the_coachs_own_voice_fed_back_triggers_nothing(tmp_path):
    _, first, played = run(tmp_path, engine="pico", path=SMALL_ROUTINE)
    fed_back = tmp_path / "fed-back.wav"
    (tmp_path / "out.wav").rename(fed_back)
    listener, raw = Listener(), render.AudioSegment.from_wav(fed_back).set_frame_rate(16_000).raw_data
    unmuted = [listener.hear(raw[at : at + 1600]) for at in range(0, len(raw), 1600)]
    assert any(unmuted)  # unmuted, its own words would be commands ("Next up", "Stand up"...)
    options = live.CoachOptions(
        engine="pico", output=f"wav:{tmp_path / 'out.wav'}", input=f"wav:{fed_back}", fast=True
    )
    report = live.coach(live.prepare(routine.load(SMALL_ROUTINE), options), options)
    assert report.heard == [] and report.completed
    assert samples(tmp_path / "out.wav").tobytes() == played.tobytes()


class KeysAt(live.devices.Output):
    """A file output that types keys when the session reaches given seconds."""

    def __init__(self, inner, keys, at):
        self.inner, self.keys, self.at, self.rate, self.frames = inner, keys, dict(at), inner.rate, 0

    def write(self, pcm):
        self.inner.write(pcm)
        self.frames += len(pcm) // 2
        for seconds in [s for s in self.at if s * self.rate <= self.frames]:
            self.keys.put(self.at.pop(seconds))

    def close(self):
        self.inner.close()


@pytest.mark.parametrize("key", ["how_long", "repeat"])
def test_keys_ask_how_long_and_repeat(tmp_path, fake_engine, key):
    options = live.CoachOptions(engine="fake", rate=RATE)
    prepared = live.prepare(routine.load(LIVE_ROUTINE), options)
    keys = queue.SimpleQueue()
    out = KeysAt(live.devices.WavOutput(tmp_path / "out.wav", RATE, fast=True), keys, {20: key, 60: "toggle"})
    session = Session(prepared.track, out, live.devices.NoInput(), prepared.say, prepared.book, keys=keys)
    report = session.run()
    out.close()
    played = samples(tmp_path / "out.wav")
    at = report.heard[0][0]
    if key == "how_long":
        track, book = prepared.track, prepared.book
        part_left = track.part_end(track.part_at(at)) - at
        left = book.say(
            "time_left",
            exercise=book.duration(round(part_left / RATE) * 1000),
            session=book.duration(round((track.length - at) / RATE) * 1000),
        )
        assert left == "Thirty seconds left in this exercise, fifty-three seconds in the session."
        expected = prepared.say(left)
    else:
        expected = prepared.say("Slide down and hold.")
    assert find(played, expected, at) == at
    assert [c for _, c, _ in report.heard] == [key, "toggle"] and report.completed


def test_a_keyboard_pause_in_a_rest_says_the_cut_sentence_again_whole(tmp_path, fake_engine):
    options = live.CoachOptions(engine="fake", rate=RATE)
    prepared = live.prepare(routine.load(LIVE_ROUTINE), options)
    sentence = next(s for s in prepared.track.sounds if s.text == "Next up: Heel raises.")
    keys = queue.SimpleQueue()
    middle = (sentence.start + sentence.length // 2) / RATE
    out = KeysAt(
        live.devices.WavOutput(tmp_path / "out.wav", RATE, fast=True), keys,
        {middle: "toggle", middle + 5: "toggle", 120: "toggle"},
    )
    Session(prepared.track, out, live.devices.NoInput(), prepared.say, prepared.book, keys=keys).run()
    out.close()
    played = samples(tmp_path / "out.wav")
    whole = render.sound(sentence, prepared.track.clip_for, RATE).raw_data
    assert find(played, whole, int(middle * RATE)) > int(middle * RATE)  # said whole after the pause
    assert np.count_nonzero(played) > 0
