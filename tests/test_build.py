"""End to end: build real MP3s and measure them, decoded by ffmpeg and read by mutagen."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from audio import ANALYSIS_RATE, dbfs, decode, nearest, onsets
from fake_google import Reply
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audioguide.build import BuildOptions, build
from audioguide.cues import TONE
from audioguide.errors import ExportError
from audioguide.routine import Count


@pytest.fixture(scope="module")
def pico_build(tmp_path_factory):
    """The small routine built once with the offline voice, for the measuring tests."""
    from conftest import SMALL_ROUTINE

    from audioguide import routine

    folder = tmp_path_factory.mktemp("build")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIOGUIDE_CACHE_DIR", str(folder / "cache"))
        result = build(routine.load(SMALL_ROUTINE), BuildOptions(engine="pico", output=folder / "out"))
    return result, decode(result.written.mp3)


def test_every_tone_is_heard_at_its_timeline_time(pico_build):
    result, audio = pico_build
    heard = onsets(audio)
    tones = [e for e in result.script.events if e.kind == TONE]
    assert len(tones) == 2 * 4 + 2  # four holds, two sets of reps
    errors = [abs(nearest(heard, e.start_ms) - e.start_ms) for e in tones]
    assert max(errors) <= 10, errors


def test_every_hold_is_exact(pico_build):
    result, audio = pico_build
    heard = onsets(audio)
    tones = [e for e in result.script.events if e.kind == TONE]
    starts = [nearest(heard, e.start_ms) for e in tones if e.text == "start"]
    ends = [nearest(heard, e.start_ms) for e in tones if e.text == "end"]
    lengths = [
        end - start for start, end in zip(starts, [e for e in ends if True][: len(starts)], strict=True)
    ]
    assert all(
        abs(measured - planned) <= 10
        for measured, planned in zip(lengths, [20_000, 5000, 20_000, 5000], strict=True)
    ), lengths


def test_speech_starts_on_time_and_never_overlaps(pico_build):
    result, audio = pico_build
    heard = onsets(audio, quiet_ms=30, floor_db=-55)  # soft consonants ("three") start quietly
    speech = [e for e in result.script.events if e.kind == "speech"]
    late = [nearest(heard, e.start_ms) - e.start_ms for e in speech]
    assert max(map(abs, late)) <= 10, late
    # Between one event's end and the next one's start there is only silence.
    for before, after in zip(result.script.events, result.script.events[1:], strict=False):
        gap = audio[
            int((before.end_ms + 15) * ANALYSIS_RATE / 1000) : int(
                (after.start_ms - 5) * ANALYSIS_RATE / 1000
            )
        ]
        if len(gap) > ANALYSIS_RATE // 100:
            assert dbfs(gap) < -60, (before.text, after.text, dbfs(gap))


def test_track_length_sidecars_and_tags(pico_build):
    result, audio = pico_build
    assert abs(len(audio) / ANALYSIS_RATE * 1000 - result.script.duration_ms) <= 30
    timeline = json.loads(result.written.timeline.read_text())
    assert timeline["duration_ms"] == result.script.duration_ms
    assert timeline["engine"] == "pico" and timeline["voice"] == "en-US"
    assert [e["start_ms"] for e in timeline["events"]] == [e.start_ms for e in result.script.events]
    assert set(timeline["events"][0]) >= {"kind", "text", "start_ms", "end_ms", "chapter"}
    cues = result.written.cues.read_text()
    assert "0:01  Small test routine." in cues and "[start tone]" in cues
    tags = ID3(result.written.mp3)
    assert tags["TIT2"].text == ["Small test routine"] and tags["TALB"].text == ["Small test routine"]
    assert tags.version[:2] == (2, 3)
    assert MP3(result.written.mp3).info.channels == 1
    assert not list(result.written.mp3.parent.glob(".*tmp")), "no temporary files left"


def test_loudness_is_even_and_tones_sit_under_the_voice(pico_build):
    result, audio = pico_build
    levels = {"speech": [], "tone": []}
    for event in result.script.events:
        part = audio[int(event.start_ms * ANALYSIS_RATE / 1000) : int(event.end_ms * ANALYSIS_RATE / 1000)]
        levels[event.kind].append(np.max(np.abs(part)))
    assert max(levels["speech"]) <= 10 ** (-1 / 20), "no clipping: peaks stay under -1 dBFS"
    assert max(levels["tone"]) < np.median(levels["speech"])


def test_second_build_synthesizes_nothing_and_a_rep_change_only_new_phrases(
    small_routine, fake_engine, tmp_path
):
    options = BuildOptions(engine="fake", output=tmp_path)
    first = build(small_routine, options)
    assert first.synthesized == len(fake_engine.calls) == first.phrases
    fake_engine.calls.clear()
    second = build(small_routine, options)
    assert second.synthesized == 0 and fake_engine.calls == []
    calf = small_routine.exercises[1]
    more_reps = replace(calf, steps=(replace(calf.steps[0], count=Count.fixed(6)),))
    stronger = replace(small_routine, exercises=(small_routine.exercises[0], more_reps))
    third = build(stronger, options)
    new = set(third.script.phrases()) - set(first.script.phrases())
    assert new >= {"Four. Up.", "Five. Up."}
    assert sorted(fake_engine.calls) == sorted(new) and third.synthesized == len(new)


def test_auto_builds_offline_and_says_so(small_routine, tmp_path):
    result = build(small_routine, BuildOptions(output=tmp_path))
    assert result.engine == "pico"


def test_auto_falls_back_to_one_offline_voice_when_google_fails_part_way(small_routine, google, tmp_path):
    google.plan = [Reply(), Reply(), Reply()]  # the probe and two phrases succeed...
    google.default = Reply(status=503)  # ...then Google breaks down
    result = build(small_routine, BuildOptions(output=tmp_path))
    assert result.engine == "pico" and result.synthesized == result.phrases, "every phrase in one voice"
    assert len(result.warnings) == 1 and "HTTP 503" in result.warnings[0]


def test_a_failed_build_keeps_the_previous_track(small_routine, fake_engine, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = build(small_routine, BuildOptions(engine="fake", output=out))
    before = first.written.mp3.read_bytes(), first.written.timeline.read_bytes()

    def broken(*args, **kwargs):
        yield b"\0\0" * 1000
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("audioguide.render.pcm_chunks", broken)
    with pytest.raises(ExportError, match="No space left on device"):
        build(small_routine, BuildOptions(engine="fake", output=out, reuse=False))  # streams pcm_chunks
    assert (first.written.mp3.read_bytes(), first.written.timeline.read_bytes()) == before
    assert sorted(p.name for p in out.iterdir()) == [
        "small-test-routine.cues.txt", "small-test-routine.lrc", "small-test-routine.mp3",
        "small-test-routine.timeline.json", "small-test-routine.vtt",
    ]  # fmt: skip


def test_a_rebuild_under_auto_keeps_its_offline_voice_when_google_answers(
    small_routine, tmp_path, monkeypatch
):
    offline = build(small_routine, BuildOptions(output=tmp_path))  # Google unreachable: pico
    assert offline.engine == "pico"
    from fake_google import FakeGoogle

    with FakeGoogle() as fake:  # now Google answers
        monkeypatch.setenv("AUDIOGUIDE_GTTS_URL", fake.url)
        again = build(replace(small_routine, intro="A new introduction."), BuildOptions(output=tmp_path))
        assert again.engine == "pico" and again.voice == offline.voice
        assert again.synthesized == 1 and fake.requests == [], "nothing was sent to Google"
        elsewhere = build(small_routine, BuildOptions(output=tmp_path / "new"))  # a new track: auto as ever
        assert elsewhere.engine == "gtts" and fake.requests


def test_a_rebuild_under_auto_keeps_googles_voice_offline_while_every_phrase_is_cached(
    small_routine, google, tmp_path, monkeypatch
):
    online = build(small_routine, BuildOptions(output=tmp_path))
    assert online.engine == "gtts"
    monkeypatch.setenv("AUDIOGUIDE_GTTS_URL", "http://127.0.0.1:9/batchexecute")  # Google gone
    again = build(small_routine, BuildOptions(output=tmp_path))
    assert (again.engine, again.voice, again.synthesized) == ("gtts", online.voice, 0)
    changed = build(replace(small_routine, intro="A new introduction."), BuildOptions(output=tmp_path))
    assert changed.engine == "pico", "a phrase Google would have to speak: auto decides as ever"
