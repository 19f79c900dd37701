"""What the track says about time is what the decoded MP3 does: rests, transitions, changes."""

from __future__ import annotations

import re

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
SECONDS = {phrasebook("en").number(n): n * 1000 for n in range(1, 60)}


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
