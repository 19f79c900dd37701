"""The compiler: pure, exact, and never lets a cue talk over another."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from audioguide import routine
from audioguide.compiler import GAP_MS, TONE_MS, compile_routine, estimate_ms
from audioguide.cues import SPEECH, TONE
from audioguide.errors import TimingError

GOLDEN = Path(__file__).parent / "golden" / "small-medium.json"


def holds(script):
    """(start tone, end tone) pairs, in order."""
    tones = [e for e in script.events if e.kind == TONE]
    starts = [e for e in tones if e.text == "start"]
    return [(s, next(e for e in tones if e.text == "end" and e.start_ms > s.start_ms)) for s in starts]


def test_small_routine_matches_the_golden_cue_script(small_routine):
    script = compile_routine(small_routine, "medium", estimate_ms)
    assert script.to_json() == json.loads(GOLDEN.read_text())


def test_compiling_is_deterministic(small_routine):
    assert compile_routine(small_routine) == compile_routine(small_routine)


@pytest.mark.parametrize("ms_per_char", [20, 62, 80])  # a fast, a normal and a slow voice
def test_holds_are_exact_whatever_the_voice_speed(small_routine, ms_per_char):
    script = compile_routine(small_routine, "medium", lambda text: 100 + ms_per_char * len(text))
    pairs = holds(script)
    assert [end.start_ms - start.start_ms for start, end in pairs] == [20_000, 5000, 20_000, 5000]
    for start, end in pairs:
        countdown = [
            e for e in script.events if e.role == "countdown" and start.start_ms < e.start_ms < end.start_ms
        ]
        assert [e.text for e in countdown] == ["three", "two", "one"]
        assert [end.start_ms - e.start_ms for e in countdown] == [3000, 2000, 1000]
        instruction = max(
            (e for e in script.events if e.kind == SPEECH and e.end_ms <= start.start_ms),
            key=lambda e: e.end_ms,
        )
        assert instruction.end_ms <= start.start_ms, "the instruction is spoken before the start tone"


def test_no_event_overlaps_another(small_routine):
    for ms_per_char in (20, 62, 80):
        script = compile_routine(small_routine, "hard", lambda text, rate=ms_per_char: 100 + rate * len(text))
        for before, after in zip(script.events, script.events[1:], strict=False):
            assert before.end_ms <= after.start_ms, (before, after)


def test_halfway_cue_sits_at_half_of_long_holds_only(small_routine):
    script = compile_routine(small_routine)
    halfway = [e for e in script.events if e.role == "halfway"]
    long_holds = [(s, e) for s, e in holds(script) if e.start_ms - s.start_ms >= 20_000]
    assert [h.start_ms for h in halfway] == [s.start_ms + 10_000 for s, _ in long_holds]


def test_halfway_that_does_not_fit_is_dropped_with_a_warning(small_routine):
    slow_halfway = lambda text: 9000 if text == "Halfway." else estimate_ms(text)  # noqa: E731
    script = compile_routine(small_routine, "medium", slow_halfway)
    assert not [e for e in script.events if e.role == "halfway"]
    assert len(script.warnings) == 2 and 'dropped the "Halfway." cue' in script.warnings[0]


def test_reps_speak_the_number_at_each_rep_start_and_the_last_as_such(small_routine):
    script = compile_routine(small_routine, "hard")  # 2-4 reps: hard is 4
    calf = script.chapters[2]
    reps = [e for e in script.events if e.role == "rep" and calf.start_ms <= e.start_ms < calf.end_ms]
    assert [e.text for e in reps[:4]] == ["One. Up.", "Two. Up.", "Three. Up.", "Last one. Up."]
    assert [b.start_ms - a.start_ms for a, b in zip(reps[:4], reps[1:4], strict=False)] == [3500] * 3
    downs = [e for e in script.events if e.role == "phase" and calf.start_ms <= e.start_ms < calf.end_ms]
    assert [d.start_ms - r.start_ms for r, d in zip(reps[:4], downs[:4], strict=True)] == [2000] * 4


def test_levels_take_the_range_ends(small_routine):
    counts = {}
    for level in routine.LEVELS:
        script = compile_routine(small_routine, level)
        counts[level] = sum(1 for e in script.events if e.role == "rep")
    assert counts == {"easy": 2 * 2, "medium": 3 * 2, "hard": 4 * 2}  # two sides


def test_rest_between_rounds_is_exact_and_counts_down_into_the_next_round(small_routine):
    script = compile_routine(small_routine)
    pairs = holds(script)
    round_one_end, round_two_start = pairs[1][1], pairs[2][0]
    assert round_two_start.start_ms - round_one_end.start_ms == 12_000
    spoken = [e for e in script.events if round_one_end.start_ms < e.start_ms < round_two_start.start_ms]
    assert spoken[0].text == "Rest for twelve seconds."
    assert "Round two of two." in [e.text for e in spoken]
    assert [e.text for e in spoken[-3:]] == ["three", "two", "one"]


def test_sides_switch_with_a_cue_and_a_pause(small_routine):
    script = compile_routine(small_routine)
    texts = [e.text for e in script.events]
    switch = texts.index("Switch to your left leg.")
    assert "Rise onto your right toes." in texts[:switch]
    assert "Rise onto your left toes." in texts[switch:]


def test_chapters_cover_the_track_in_order(small_routine):
    script = compile_routine(small_routine)
    assert [c.title for c in script.chapters] == ["Introduction", "Wall sit", "Calf raise", "Finish"]
    assert script.chapters[0].start_ms == 0 and script.chapters[-1].end_ms == script.duration_ms
    for a, b in zip(script.chapters, script.chapters[1:], strict=False):
        assert a.end_ms == b.start_ms
    for event in script.events:
        chapter = script.chapters[event.chapter]
        assert chapter.start_ms <= event.start_ms < chapter.end_ms


def test_intro_states_the_length(small_routine):
    script = compile_routine(small_routine)
    minutes = round(script.duration_ms / 60_000)
    assert (
        f"Two exercises, about {['zero', 'one', 'two', 'three', 'four'][minutes]} minutes."
        in script.phrases()
    )


def test_a_rest_too_short_for_its_cues_names_the_exercise_and_cue(small_routine):
    wall = replace(small_routine.exercises[0], rest_ms=5000)
    broken = replace(small_routine, exercises=(wall, small_routine.exercises[1]))
    with pytest.raises(
        TimingError, match=r"exercise 1 \(Wall sit\): the 5 s rest between rounds is too short"
    ):
        compile_routine(broken)


def test_tones_have_their_length(small_routine):
    script = compile_routine(small_routine)
    assert {e.duration_ms for e in script.events if e.kind == TONE} == {TONE_MS}
    assert GAP_MS > 0


def test_a_pause_too_short_for_its_countdown_names_the_setting(small_routine):
    cues = replace(small_routine.exercises[1].cues, countdown=4, get_ready_ms=10_000)
    calf = replace(small_routine.exercises[1], cues=cues)
    broken = replace(small_routine, exercises=(small_routine.exercises[0], calf))
    with pytest.raises(TimingError) as caught:
        compile_routine(broken)
    assert str(caught.value) == (
        "exercise 2 (Calf raise): the 4 s pause (cues.switch_pause) is too short for a countdown of 4. "
        "Make it longer or lower cues.countdown"
    )
