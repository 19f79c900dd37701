"""What the track says about time is what the decoded MP3 does: rests, transitions, changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from audio import decode, nearest, onsets

from audioguide import routine
from audioguide.build import BuildOptions, build
from audioguide.cues import TONE
from audioguide.phrases import phrasebook

COACH = """\
title: Coach check
rest_between: 10s
cues: {countdown: 2, get_ready: 5s}
exercises:
  - name: Squat
    sets: 2
    rest: 10s
    steps: [{hold: 5s, say: Sit back.}]
  - name: Walk
    steps:
      - {hold: 5s, say: Walk ahead., then: continue}
      - {hold: 4s, say: Walk wide.}
"""
SECONDS = {phrasebook("en").number(n): n * 1000 for n in range(1, 600)}


@pytest.fixture(scope="module")
def coach_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("coach")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIOGUIDE_CACHE_DIR", str(folder / "cache"))
        result = build(routine.loads(COACH), BuildOptions(engine="pico", output=folder / "out"))
    return result, onsets(decode(result.written.mp3))


def test_every_tone_lands_within_10ms_of_the_timeline(coach_build):
    result, heard = coach_build
    tones = [e for e in result.script.events if e.kind == TONE]
    assert [t.text for t in tones] == ["start", "end", "start", "end", "start", "change", "end"]
    errors = [abs(nearest(heard, e.start_ms) - e.start_ms) for e in tones]
    assert max(errors) <= 10, errors


def test_each_spoken_rest_is_the_measured_gap_within_50ms(coach_build):
    result, heard = coach_build
    tones = [e for e in result.script.events if e.kind == TONE]
    rests = [e for e in result.script.events if e.role == "rest"]
    assert len(rests) == 2, "between the rounds and before the next exercise"
    for rest in rests:
        said = SECONDS[re.match(r"Rest for (.+) seconds\.", rest.text)[1]]
        end = max((t for t in tones if t.start_ms < rest.start_ms), key=lambda t: t.start_ms)
        start = min((t for t in tones if t.start_ms > rest.start_ms), key=lambda t: t.start_ms)
        assert end.text == "end" and start.text == "start"
        measured = nearest(heard, start.start_ms) - nearest(heard, end.start_ms)
        assert abs(measured - said) <= 50, (rest.text, measured)


def test_a_chain_changes_without_stopping(coach_build):
    result, heard = coach_build
    tones = [e for e in result.script.events if e.kind == TONE][-3:]
    at = [nearest(heard, t.start_ms) for t in tones]
    assert abs(at[1] - at[0] - 5000) <= 10 and abs(at[2] - at[1] - 4000) <= 10


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "routines"
TRACKS = [f"builtin:{name}" for name in routine.builtin_names()]
TRACKS += [f"corpus:{p.stem}" for p in sorted(CORPUS.glob("*.yaml"))] if CORPUS.is_dir() else []
REST = re.compile(r"Rest for (.+) seconds\.")


@pytest.fixture(scope="module")
def phrase_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("phrases")


@pytest.mark.parametrize("track", TRACKS)
def test_every_builtin_and_published_programme_keeps_its_times_on_the_decoded_mp3(
    track, phrase_cache, tmp_path, monkeypatch
):
    """The easy level of each, built with Pico: tones within 10 ms, each spoken rest within 50 ms."""
    kind, name = track.split(":")
    loaded = routine.load_builtin(name) if kind == "builtin" else routine.load(CORPUS / f"{name}.yaml")
    monkeypatch.setenv("AUDIOGUIDE_CACHE_DIR", str(phrase_cache))
    result = build(loaded, BuildOptions(engine="pico", level="easy", output=tmp_path))
    if kind == "builtin":
        assert result.warnings == (), "a built-in says all it means to, with the offline voice"
    heard = onsets(decode(result.written.mp3))
    events = result.script.events
    tones = [e for e in events if e.kind == TONE]
    errors = [abs(nearest(heard, e.start_ms) - e.start_ms) for e in tones]
    assert max(errors) <= 10, max(errors)
    for index, rest in enumerate(events):
        said = REST.fullmatch(rest.text)
        if not said:
            continue
        end = max((t for t in tones if t.start_ms < rest.start_ms), key=lambda t: t.start_ms)
        start = next(e for e in events[index + 1 :] if e.kind == TONE or e.role == "rep")
        measured = nearest(heard, start.start_ms) - nearest(heard, end.start_ms)
        assert abs(measured - SECONDS[said[1]]) <= 50, (rest.text, measured)
