"""Between parts (audioguide/compiler/transitions.py, and chains in steps.py): no action is heard
before its tone, and a programme's numbers are never refused for lack of talk time."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioguide import routine
from audioguide.compiler import compile_routine, estimate_ms
from audioguide.cues import SPEECH, TONE
from audioguide.estimates import upper_bound
from audioguide.routine import LEVELS

VOICES = {"estimate": estimate_ms, "pico": upper_bound("pico"), "espeak": upper_bound("espeak")}
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "routines"
PROGRAMMES = sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []

BRANDT_DAROFF = """\
title: Brandt-Daroff
exercises:
  - name: Right side
    steps:
      - {hold: 30s, say: Lie down on your right side., then: continue}
      - {hold: 30s, say: Sit up., then: continue}
      - {hold: 30s, say: Lie down on your left side., then: continue}
      - {hold: 30s, say: Sit up.}
"""
STRETCH = """\
title: Stretch
exercises:
  - name: Hamstring
    sides: [right, left]
    switch: Now your {side} leg.
    cues: {switch_pause: 0s}
    setup: Sit tall. Reach for your {side} foot.
    steps: [{hold: 30s, say: "Reach for your {side} foot and hold."}]
"""


def actions_before_their_tone(script, loaded) -> list[str]:
    """Chained positions and side switches said, as plain instructions, before their change tone."""
    changes = [e.start_ms for e in script.events if e.kind == TONE and e.text == "change"]
    actions = {step.say for ex in loaded.exercises for step in ex.steps[1:]}
    actions |= {f"Now your {side} leg." for ex in loaded.exercises for side in ex.sides}
    late = []
    for event in script.events:
        if event.kind != SPEECH or event.text not in actions:
            continue
        change = min((c for c in changes if c >= event.start_ms), default=None)
        before = max((c for c in changes if c <= event.start_ms), default=None)
        if change is not None and (before is None or event.start_ms - before > 1000):
            late.append(event.text)
    return late


@pytest.mark.parametrize("voice", list(VOICES))
def test_a_chain_says_the_next_position_as_what_happens_on_the_tone(voice):
    loaded = routine.loads(BRANDT_DAROFF, source="r.yaml")
    script = compile_routine(loaded, "medium", VOICES[voice])
    changes = [e for e in script.events if e.kind == TONE and e.text == "change"]
    assert len(changes) == 3
    for change, step in zip(changes, loaded.exercises[0].steps[1:], strict=True):
        ahead = max(
            (
                e
                for e in script.events
                if e.text == f"On the tone: {step.say}" and e.start_ms < change.start_ms
            ),
            key=lambda e: e.start_ms,
        )
        assert change.start_ms - 30_000 < ahead.start_ms and ahead.end_ms < change.start_ms - 3000
    assert actions_before_their_tone(script, loaded) == []


def test_a_hold_too_short_to_announce_the_next_position_says_it_just_after_the_tone():
    short = BRANDT_DAROFF.replace("hold: 30s, say: Lie down on your right side.", "hold: 4s, say: Lie down.")
    loaded = routine.loads(short, source="r.yaml")
    script = compile_routine(loaded, "medium")
    change = next(e for e in script.events if e.text == "change")
    sit = next(e for e in script.events if e.text == "Sit up.")
    assert sit.start_ms == change.end_ms + 350
    assert script.warnings[0].startswith('r.yaml:5: exercises[0].steps[0].hold: "Sit up." is said just after')


@pytest.mark.parametrize("voice", list(VOICES))
def test_a_switch_with_no_pause_is_said_as_what_happens_on_the_tone(voice):
    loaded = routine.loads(STRETCH, source="r.yaml")
    script = compile_routine(loaded, "medium", VOICES[voice])
    change = next(e for e in script.events if e.text == "change")
    ahead = next(e for e in script.events if e.text.startswith("On the tone: Now your left leg."))
    assert ahead.end_ms < change.start_ms - 3000
    assert "Reach for your left foot." in ahead.text, "the side's setup is part of what happens on the tone"
    assert actions_before_their_tone(script, loaded) == []


@pytest.mark.skipif(not PROGRAMMES, reason="../shared/corpus is not beside this checkout")
@pytest.mark.parametrize("voice", list(VOICES))
@pytest.mark.parametrize("path", PROGRAMMES, ids=[p.stem for p in PROGRAMMES])
def test_published_programmes_written_by_others_compile_unchanged(path, voice):
    loaded = routine.load(path)
    for level in LEVELS:
        script = compile_routine(loaded, level, VOICES[voice])
        for before, after in zip(script.events, script.events[1:], strict=False):
            assert before.end_ms <= after.start_ms, (before, after)
        assert actions_before_their_tone(script, loaded) == []


def test_seven_minutes_of_10s_transitions_move_the_next_name_over_the_hold_before():
    circuit = "".join(
        f"  - name: Move number {n}\n    steps: [{{hold: 30s, say: Do move {n} as fast as you can with good form"
        " and keep breathing.}]\n"
        for n in range(12)
    )
    text = f"title: Seven\nrest_between: 10s\ncues: {{get_ready: 5s}}\nexercises:\n{circuit}"
    script = compile_routine(routine.loads(text, source="r.yaml"), "medium", upper_bound("pico"))
    tones = [e for e in script.events if e.kind == TONE]
    assert tones[-1].start_ms - tones[0].start_ms == 12 * 30_000 + 11 * 10_000
    assert any("is said over the end of the hold before" in w for w in script.warnings)
    for n in range(1, 12):
        name = next(e for e in script.events if e.text == f"Next up: Move number {n}.")
        end = min((t for t in tones if t.start_ms > name.start_ms), key=lambda t: t.start_ms)
        assert end.text == "end" and name.end_ms <= end.start_ms - 3000, "before the hold's countdown"


@pytest.mark.parametrize(
    ("keys", "into", "before_end"),
    [
        ("countdown: 0", ["three", "two", "one"], []),  # no countdown before its end, still one into it
        ("countdown_in: 0", [], ["three", "two", "one"]),
        ("countdown_in: 5, countdown: 2", ["five", "four", "three", "two", "one"], ["two", "one"]),
    ],
)
def test_the_countdown_into_a_step_and_before_its_end_are_set_apart(keys, into, before_end):
    text = f"title: T\nexercises:\n  - name: Wall sit\n    steps: [{{hold: 30s, say: Sit., {keys}}}]\n"
    script = compile_routine(routine.loads(text), "medium", estimate_ms)
    start = next(e for e in script.events if e.kind == TONE and e.text == "start")
    end = next(e for e in script.events if e.kind == TONE and e.text == "end")
    counted = [e for e in script.events if e.role == "countdown"]
    assert [e.text for e in counted if e.start_ms < start.start_ms] == into
    assert [e.text for e in counted if start.start_ms < e.start_ms < end.start_ms] == before_end
    for e in counted:  # each word on its second, counting into the tone
        tone = start if e.start_ms < start.start_ms else end
        assert (tone.start_ms - e.start_ms) % 1000 == 0


def test_a_later_step_may_count_into_its_start():
    text = """\
title: T
exercises:
  - name: Step ups
    steps:
      - {hold: 10s, say: Step up.}
      - {hold: 10s, say: Other leg., countdown_in: 3}
"""
    script = compile_routine(routine.loads(text), "medium", estimate_ms)
    starts = [e for e in script.events if e.kind == TONE and e.text == "start"]
    words = [e for e in script.events if e.role == "countdown" and starts[0].start_ms < e.start_ms < starts[1].start_ms]
    assert [(e.text, starts[1].start_ms - e.start_ms) for e in words][-3:] == [("three", 3000), ("two", 2000), ("one", 1000)]
