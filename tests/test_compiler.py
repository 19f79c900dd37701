"""The compiler: pure, exact, and coaching like a physiotherapist (docs/how-it-sounds.md)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from audioguide import routine
from audioguide.compiler import GAP_MS, TONE_MS, compile_routine, estimate_ms
from audioguide.cues import SPEECH, TONE
from audioguide.errors import RoutineError
from audioguide.estimates import upper_bound

GOLDEN = Path(__file__).parent / "golden"


def holds(script):
    """(start tone, end tone) pairs, in order."""
    tones = [e for e in script.events if e.kind == TONE]
    starts = [e for e in tones if e.text == "start"]
    return [(s, next(e for e in tones if e.text == "end" and e.start_ms > s.start_ms)) for s in starts]


def spoken(script, start_ms, end_ms):
    return [e for e in script.events if e.kind == SPEECH and start_ms <= e.start_ms < end_ms]


def compiled(text, level="medium", duration_of=estimate_ms):
    return compile_routine(routine.loads(text, source="r.yaml"), level, duration_of)


def test_small_routine_matches_the_golden_cue_script(small_routine):
    script = compile_routine(replace(small_routine, source="small.yaml"), "medium", estimate_ms)
    assert script.to_json() == json.loads((GOLDEN / "small-medium.json").read_text())


def test_the_builtin_routine_matches_its_reviewed_cue_sheet():
    script = compile_routine(routine.load_builtin("feet-and-back"), "medium", estimate_ms)
    assert script.to_text() == (GOLDEN / "feet-and-back-medium.txt").read_text()


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


def test_no_event_overlaps_another(small_routine):
    for ms_per_char in (20, 62, 80):
        script = compile_routine(small_routine, "hard", lambda text, rate=ms_per_char: 100 + rate * len(text))
        for before, after in zip(script.events, script.events[1:], strict=False):
            assert before.end_ms <= after.start_ms, (before, after)


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


def test_tones_have_their_length(small_routine):
    script = compile_routine(small_routine)
    assert {e.duration_ms for e in script.events if e.kind == TONE} == {TONE_MS}
    assert GAP_MS > 0


# --- what is said is what happens ----------------------------------------------------------

CIRCUIT = "title: Circuit\nrest_between: 10s\nexercises:\n" + "".join(
    f"  - name: Move {n}\n    steps:\n      - hold: 30s\n        say: Go at your own pace.\n"
    for n in range(12)
)


@pytest.mark.parametrize("voice", ["estimate", "pico", "espeak"])
def test_twelve_30s_exercises_with_10s_transitions_last_exactly_470s(voice):
    length = estimate_ms if voice == "estimate" else upper_bound(voice)
    script = compiled(CIRCUIT, duration_of=length)
    tones = [e for e in script.events if e.kind == TONE]
    assert tones[-1].start_ms - tones[0].start_ms == 12 * 30_000 + 11 * 10_000
    pairs = holds(script)
    assert [b.start_ms - a.start_ms for a, b in pairs] == [30_000] * 12
    gaps = [b[0].start_ms - a[1].start_ms for a, b in zip(pairs, pairs[1:], strict=False)]
    assert gaps == [10_000] * 11
    # "ten seconds" is said only in a rest that lasts ten seconds from its end tone
    for event in script.events:
        if "ten seconds" in event.text:
            end = max((e for _, e in pairs if e.start_ms <= event.start_ms), key=lambda e: e.start_ms)
            following = min((s for s, _ in pairs if s.start_ms > event.start_ms), key=lambda e: e.start_ms)
            assert following.start_ms - end.start_ms == 10_000


def test_every_rest_lasts_what_it_says(small_routine):
    book_seconds = {"ten": 10_000, "twelve": 12_000}
    script = compile_routine(small_routine)
    tones = [e for e in script.events if e.kind == TONE]
    for rest in (e for e in script.events if e.role == "rest"):
        said = book_seconds[rest.text.split()[2]]
        end = max((t for t in tones if t.start_ms < rest.start_ms), key=lambda t: t.start_ms)
        # the next round or exercise starts at its start tone, or at its first rep's number
        start = min(
            (e for e in script.events if e.start_ms > rest.start_ms and (e.kind == TONE or e.role == "rep")),
            key=lambda e: e.start_ms,
        )
        assert start.start_ms - end.start_ms == said, rest.text


def test_the_next_exercise_is_set_up_during_the_rest_before_it():
    text = """\
title: T
rest_between: 30s
exercises:
  - name: Wall sit
    steps: [{hold: 20s, say: Slide down and hold.}]
  - name: Band pulls
    equipment: [an exercise band, a chair]
    setup: Loop the band around a chair leg and sit facing it.
    steps:
      - reps: 3
        say: Pull your toes up.
        tempo: [{say: pull, for: 2s}, {say: release, for: 2s}]
"""
    script = compiled(text)
    (_, wall_end), *_ = holds(script)
    first_pull = next(e for e in script.events if e.role == "rep")
    assert first_pull.start_ms - wall_end.start_ms == 30_000
    rest = [e.text for e in spoken(script, wall_end.start_ms, first_pull.start_ms)]
    assert rest[:4] == [
        "Rest for thirty seconds.",
        "Next up: Band pulls.",
        "You will need an exercise band and a chair.",
        "Loop the band around a chair leg and sit facing it.",
    ]
    assert rest[-4:] == ["Pull your toes up.", "three", "two", "one"]
    said = " ".join(e.text for e in script.events)
    assert said.count("exercise band") == 1, "equipment is named once"


def test_what_cannot_fit_a_short_rest_is_dropped_in_order_with_a_warning():
    text = """\
title: T
rest_between: 9s
exercises:
  - name: Wall sit
    steps: [{hold: 20s, say: Hold.}]
  - name: Plank
    purpose: A long purpose that tells you everything about why planks are good for you.
    setup: On your elbows and toes, body in a straight line.
    steps: [{hold: 20s, say: Hold the plank.}]
"""
    script = compiled(text)
    texts = script.phrases()
    assert "Next up: Plank." in texts and "Hold the plank." in texts
    assert not any(t.startswith("A long purpose") for t in texts)
    assert any("r.yaml:2: rest_between: dropped the purpose" in w for w in script.warnings)
    pairs = holds(script)
    assert pairs[1][0].start_ms - pairs[0][1].start_ms == 9000


def test_a_transition_too_short_for_what_is_required_moves_it_and_keeps_its_length():
    script = compiled(CIRCUIT.replace("rest_between: 10s", "rest_between: 3s"))
    pairs = holds(script)
    assert [b[0].start_ms - a[1].start_ms for a, b in zip(pairs, pairs[1:], strict=False)] == [3000] * 11
    assert [end.start_ms - start.start_ms for start, end in pairs] == [30_000] * 12
    (first_end, second_start), (_, second_end) = (pairs[0][1], pairs[1][0]), pairs[1]
    # the next exercise's name over the quiet end of the hold before, ahead of its countdown
    name = next(e for e in script.events if e.text == "Next up: Move 1.")
    countdown = [e for e in spoken(script, name.start_ms, first_end.start_ms) if e.role == "countdown"]
    assert [e.text for e in countdown] == ["three", "two", "one"] and name.end_ms < countdown[0].start_ms
    # its instruction just after the start tone, and a shorter countdown into it
    said = [e for e in spoken(script, second_start.start_ms, second_end.start_ms) if e.role == "instruction"]
    assert said[0].text == "Go at your own pace." and said[0].start_ms == second_start.end_ms + GAP_MS
    into = spoken(script, first_end.start_ms, second_start.start_ms)
    assert [e.text for e in into] == ["two", "one"]
    assert script.warnings[:4] == (
        'r.yaml:2: rest_between: dropped the brief rest ("Rest."): it does not fit the 3 s rest before Move 1',
        'r.yaml:2: rest_between: "Next up: Move 1." is said over the end of the hold before: it does not fit '
        "the 3 s rest before Move 1",
        'r.yaml:2: rest_between: "Go at your own pace." is said just after the start tone: it does not fit '
        "the 3 s rest before Move 1",
        "r.yaml:2: rest_between: counts down from 2 rather than 3: it does not fit the 3 s rest before Move 1",
    )


def test_a_transition_with_no_room_at_all_says_less_but_keeps_the_programme():
    text = "title: T\nrest_between: 1s\nexercises:\n" + "".join(
        f"  - name: Move {n}\n    steps: [{{reps: 3, say: Lift., tempo: [{{say: up, for: 2s}}]}}]\n"
        for n in range(2)
    )
    script = compiled(text)
    ends = [e for e in script.events if e.text == "end"]
    first_rep = next(e for e in script.events if e.role == "rep" and e.start_ms > ends[0].start_ms)
    assert first_rep.start_ms - ends[0].start_ms == 1000
    assert 'dropped the next ("Next up: Move 1.")' in " ".join(script.warnings)


def test_a_rest_between_rounds_shorter_than_its_announcements_is_exact_and_says_less(small_routine):
    wall = replace(small_routine.exercises[0], rest_ms=3000)
    short = replace(small_routine, exercises=(wall, small_routine.exercises[1]))
    script = compile_routine(short)
    pairs = holds(script)
    assert pairs[2][0].start_ms - pairs[1][1].start_ms == 3000
    between = [e.text for e in spoken(script, pairs[1][1].start_ms, pairs[2][0].start_ms)]
    assert "Round two of two." not in between and len(between) <= 2
    assert any("exercises[0].rest: dropped the round" in w for w in script.warnings)


def test_count_words_whose_cue_cannot_fit_its_phase_is_counted_otherwise_with_a_warning():
    text = """\
title: T
exercises:
  - name: Calf raise
    steps:
      - reps: 3
        say: Rise.
        count: words
        tempo:
          - {say: rise up slowly onto your toes, for: 1s}
          - {say: down, for: 2s}
"""
    script = compiled(text)
    assert not any("rise up slowly" in e.text.lower() for e in script.events)
    assert [e.text for e in script.events if e.role == "rep"] == ["One.", "Two.", "Three."]
    assert script.warnings == (
        "r.yaml:3: exercises[0]: reps counted with numbers: their spoken cues do not fit a 3 s rep "
        "(count: numbers says so)",
    )


def test_a_get_ready_pause_too_short_for_its_countdown_counts_down_less():
    text = "title: T\ncues: {countdown: 5, get_ready: 4s}\nexercises:\n  - name: A\n    steps: [{hold: 9s, say: Go.}]\n"
    script = compiled(text)
    ready = next(e for e in script.events if e.text == "Get into position.")
    start = next(e for e in script.events if e.text == "start")
    assert start.start_ms - ready.start_ms == 4000, "the pause is the user's length"
    assert [e.text for e in spoken(script, ready.end_ms, start.start_ms)] == ["two", "one"]
    assert script.warnings == (
        "r.yaml:2: cues.get_ready: counts down from 2 rather than 5: it does not fit the 4 s get-ready pause "
        "(cues.get_ready)",
    )


# --- flow ----------------------------------------------------------------------------------

SIDES = """\
title: T
exercises:
  - name: Band pulls
    sides: [right, left]
    switch: Switch to your {side} leg.
    sets: 2
    rest: 20s
    cues: {switch_pause: 6s}
    setup: Loop the band around a chair leg. Hook the band around your {side} foot.
    steps:
      - reps: 2
        say: Pull your toes up.
        tempo: [{say: pull, for: 2s}, {say: release, for: 2s}]
"""


def test_a_side_switch_says_only_what_changes_then_leaves_quiet_time():
    script = compiled(SIDES)
    texts = [e.text for e in script.events]
    switch = texts.index("Switch to your left leg.")
    after = texts[switch : texts.index("One. Pull.", switch)]
    assert "Hook the band around your left foot." in after
    assert not any("chair leg" in t for t in after), "what is done stays done"
    assert "Pull your toes up." not in after, "the instruction does not change with the side"
    events = script.events[switch:]
    talk_end = next(e for e in events if e.text == "Hook the band around your left foot.").end_ms
    next_talk = next(e for e in events if e.start_ms > talk_end and e.kind == SPEECH)
    assert next_talk.start_ms - talk_end >= 6000 - GAP_MS, "real quiet time to move"


def test_every_round_is_named_on_every_side():
    texts = [e.text for e in compiled(SIDES).events]
    assert texts.count("Round one of two.") == 2 and texts.count("Round two of two.") == 2


CHAIN = """\
title: T
exercises:
  - name: Toe walking
    steps:
      - {hold: 20s, say: Walk with your toes straight ahead., then: continue}
      - {hold: 20s, say: Turn your toes outward., then: continue}
      - {hold: 20s, say: Turn your toes inward.}
"""


def test_continuous_steps_are_one_walk_with_change_tones():
    script = compiled(CHAIN)
    tones = [(e.text, e.start_ms) for e in script.events if e.kind == TONE]
    assert [kind for kind, _ in tones] == ["start", "change", "change", "end"]
    start = tones[0][1]
    assert [at - start for _, at in tones] == [0, 20_000, 40_000, 60_000]
    for text, change in zip(["Turn your toes outward.", "Turn your toes inward."], tones[1:3], strict=True):
        said = next(e for e in script.events if e.text == f"On the tone: {text}")
        assert change[1] - 20_000 < said.start_ms and said.end_ms < change[1] - 3000, (
            "announced over the work, as what happens on the tone"
        )
        assert not any(e.text == text and e.start_ms < change[1] for e in script.events), (
            "never an action early"
        )


def test_then_continue_needs_a_hold_after_it():
    text = CHAIN.replace("Turn your toes inward.}", "Turn your toes inward., then: continue}")
    with pytest.raises(
        RoutineError, match=r"r.yaml:7: exercises\[0\].steps\[2\].then: continue needs a hold"
    ):
        routine.loads(text, source="r.yaml")


def test_halfway_only_in_long_holds_and_at_most_once_each():
    text = """\
title: T
exercises:
  - name: A
    steps:
      - {hold: 20s, say: Short.}
      - {hold: 40s, say: Long.}
      - {hold: 40s, say: Quiet., halfway: false}
      - {hold: 12s, say: Asked for., halfway: 10s}
"""
    script = compiled(text)
    pairs = holds(script)
    halfway = [e.start_ms for e in script.events if e.role == "halfway"]
    assert halfway == [pairs[1][0].start_ms + 20_000, pairs[3][0].start_ms + 6000]


def test_halfway_that_does_not_fit_is_dropped_with_a_warning():
    text = "title: T\nexercises:\n  - name: A\n    steps: [{hold: 40s, say: Hold.}]\n"
    slow_halfway = lambda text: 19_000 if text == "Halfway." else estimate_ms(text)  # noqa: E731
    script = compiled(text, duration_of=slow_halfway)
    assert not [e for e in script.events if e.role == "halfway"]
    assert len(script.warnings) == 1 and 'dropped the "Halfway." cue' in script.warnings[0]


def test_countdown_zero_turns_a_steps_countdown_off():
    text = """\
title: T
exercises:
  - name: A
    steps:
      - {hold: 10s, say: Shake your toes loose., countdown: 0}
      - {hold: 10s, say: Grip the towel.}
"""
    script = compiled(text)
    (shake_start, shake_end), (grip_start, grip_end) = holds(script)
    inside = lambda s, e: [x.text for x in script.events if s.start_ms < x.start_ms < e.start_ms]  # noqa: E731
    assert inside(shake_start, shake_end) == []
    assert inside(grip_start, grip_end) == ["three", "two", "one"]


def test_a_rest_between_rounds_is_at_most_half_talk():
    text = """\
title: T
exercises:
  - name: A
    sets: 3
    rest: 8s
    steps: [{hold: 20s, say: Hold this position with your back straight and your knees soft.}]
"""
    script = compiled(text)
    pairs = holds(script)
    for (_, end), (start, _) in zip(pairs, pairs[1:], strict=False):
        talk = [e for e in spoken(script, end.start_ms, start.start_ms) if e.role != "countdown"]
        assert sum(e.duration_ms for e in talk) <= 4000
        assert [e.text for e in talk][-1].startswith("Round")
    assert not script.warnings, "the instruction was said in round one: dropping its repeat is no loss"


def test_the_routine_replaces_fixed_phrases_in_one_place():
    text = """\
title: Box breathing
phrases:
  get_ready: Sit tall and let your shoulders drop.
  halfway: Half way. Keep the breath soft.
  rest: Breathe normally for {duration}.
exercises:
  - name: A
    sets: 2
    rest: 12s
    steps: [{hold: 40s, say: Breathe slowly.}]
"""
    texts = compiled(text).phrases()
    assert "Sit tall and let your shoulders drop." in texts and "Get into position." not in texts
    assert "Half way. Keep the breath soft." in texts and "Breathe normally for twelve seconds." in texts


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("{hafway: Half.}", "r.yaml:2: phrases.hafway: unknown key; did you mean 'halfway'?"),
        (
            "{rest: 'Rest {minutes}.'}",
            "r.yaml:2: phrases.rest: '{minutes}' is not known here; allowed: {duration}, {round}, {rounds}",
        ),
    ],
)
def test_a_phrase_table_is_checked_against_the_phrasebook(table, says):
    text = f"title: T\nphrases: {table}\nexercises:\n  - name: A\n    steps: [{{hold: 5s, say: Go.}}]\n"
    with pytest.raises(RoutineError) as caught:
        routine.loads(text, source="r.yaml")
    assert caught.value.problems == [says]


SAFETY = """
title: Knees
safety: Stop if the pain gets worse.
intro: Gentle work.
exercises:
  - name: Wall sit
    steps: [{hold: 20s, say: Slide down the wall.}]
"""


def test_the_first_word_comes_after_a_pre_roll_bluetooth_does_not_swallow():
    script = compiled(SAFETY)
    assert script.events[0].text == "Knees." and script.events[0].start_ms == 1500
    silent = compiled(SAFETY + "cues: {pre_roll: 0s}\n")
    assert silent.events[0].start_ms == 0
    assert script.duration_ms - silent.duration_ms == 1500
    assert [e.start_ms - 1500 for e in script.events] == [e.start_ms for e in silent.events]


def test_pre_roll_belongs_to_the_routine_not_an_exercise():
    belongs = r"exercises\[0\].cues.pre_roll: is not a key of an exercise's cues; it belongs under"
    with pytest.raises(RoutineError, match=belongs):
        compiled(SAFETY.replace("    steps:", "    cues: {pre_roll: 2s}\n    steps:"))


def test_the_safety_line_is_said_once_right_after_the_title():
    said = [e.text for e in compiled(SAFETY).events if e.kind == SPEECH]
    assert said[:3] == ["Knees.", "Stop if the pain gets worse.", "Gentle work."]
    assert said.count("Stop if the pain gets worse.") == 1
