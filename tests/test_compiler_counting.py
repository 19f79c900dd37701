"""Counting (audioguide/compiler/counting.py): every number of a count is said, on its second."""

from __future__ import annotations

import pytest

from audioguide import routine
from audioguide.compiler import compile_routine, estimate_ms
from audioguide.compiler.timeline import slots_of
from audioguide.cues import TONE
from audioguide.estimates import upper_bound
from audioguide.phrases import phrasebook
from audioguide.routine import LEVELS, Hold, Reps

VOICES = {"estimate": estimate_ms, "pico": upper_bound("pico"), "espeak": upper_bound("espeak")}
BUILTINS = [
    version for name in routine.builtin_names() for version in routine.builtin_languages(name).values()
]


def expected_counts(loaded: routine.Routine, level: str) -> int:
    """How many seconds the routine counts aloud ("two", "three"...), from its own numbers."""
    total = 0
    for slot in slots_of(loaded, level):
        exercise = loaded.exercises[slot.index]
        for round_index in range(exercise.sets.at(level)):
            for step in exercise.steps:
                if isinstance(step, Hold) and step.count_seconds:
                    seconds = step.length(level, round_index) // 1000 - 1
                elif isinstance(step, Reps) and step.counting in ("auto", "words"):
                    per_rep = sum(p.duration_ms // 1000 - 1 for p in step.tempo if p.count_seconds)
                    seconds = step.reps(level, round_index) * per_rep
                else:
                    seconds = 0
                total += seconds * max(1, len(exercise.sides))
    return total


def counted_runs(script, lang: str) -> list[list[str]]:
    """The runs of counted seconds, each a list of words said a second apart."""
    runs: list[list[str]] = []
    last = None
    for event in script.events:
        if event.role != "count":
            continue
        if last is None or event.start_ms - last != 1000:
            runs.append([])
        runs[-1].append(event.text)
        last = event.start_ms
    return runs


@pytest.mark.parametrize("voice", list(VOICES))
@pytest.mark.parametrize("name", BUILTINS)
def test_every_count_of_every_builtin_is_complete(name, voice):
    loaded = routine.load_builtin(name)
    book = phrasebook(loaded.language)
    for level in LEVELS:
        script = compile_routine(loaded, level, VOICES[voice])
        runs = counted_runs(script, loaded.language)
        for run in runs:  # every number from two, or (a voice too slow for them) a tick a second
            numbers = [book.words("count_second", n=n) for n in range(2, len(run) + 2)]
            assert run == numbers or run == ["tick"] * len(run), run
        assert sum(len(run) for run in runs) == expected_counts(loaded, level), (name, level)
        ticked = any(run[0] == "tick" for run in runs)
        assert ticked == any("counted with a tick each" in w for w in script.warnings)
        if voice == "estimate":  # a typical voice: every cue fits; the bounds of the slowest may not
            assert not ticked
            assert not any("not said" in w or "without it" in w for w in script.warnings), script.warnings


def test_a_voice_too_slow_for_a_number_in_its_second_counts_with_ticks_and_says_so():
    text = "title: T\nexercises:\n  - name: E\n    steps:\n      - {hold: 5s, say: Hold., count: seconds}\n"
    script = compiled(text, lambda phrase: 1200 if phrase == "four" else estimate_ms(phrase))
    assert counted_runs(script, "en") == [["tick"] * 4]
    assert [e.kind for e in script.events if e.role == "count"] == ["tone"] * 4
    assert script.warnings == (
        'r.yaml:5: exercises[0].steps[0]: its seconds are counted with a tick each: "four" does not fit in a '
        "second with this voice",
    )


def SLOW(text: str) -> int:
    return 200 + 80 * len(text)


def FAST(text: str) -> int:
    return 100 + 50 * len(text)


def compiled(text: str, duration_of=estimate_ms):
    return compile_routine(routine.loads(text, source="r.yaml"), "medium", duration_of)


def said(script) -> list[str]:
    return [e.text for e in script.events if e.role in ("rep", "phase", "count", "countdown")]


SHAPES = {
    "a counted hold": "- {hold: 6s, say: Hold and count., count: seconds}",
    "counted reps of one phase": "- {reps: 3, say: Squeeze., tempo: [{say: squeeze, for: 5s, count: seconds}]}",
    "a counted phase, then an uncounted one": (
        "- {reps: 4, say: Lower slowly., tempo: [{say: lower, for: 3s, count: seconds}, {say: up, for: 2s}]}"
    ),
    "every phase counted (box breathing)": (
        "- {reps: 3, say: Breathe., tempo: [{say: in, for: 4s, count: seconds}, {say: hold, for: 4s, count: seconds},"
        " {say: out, for: 4s, count: seconds}]}"
    ),
    "the Pilates hundred": (
        "- {reps: 10, say: Pump your arms., tempo: [{say: in, for: 5s, count: seconds},"
        " {say: out, for: 5s, count: seconds}]}"
    ),
    "an uncounted phase, then a counted one": (
        "- {reps: 3, say: Lift and hold., tempo: [{say: lift, for: 2s}, {say: hold, for: 6s, count: seconds}]}"
    ),
}


@pytest.mark.parametrize("voice", list(VOICES))
@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_counted_shape_says_two_to_n_complete_on_its_seconds(shape, voice):
    text = f"title: T\nexercises:\n  - name: E\n    steps:\n      {SHAPES[shape]}\n"
    loaded = routine.loads(text, source="r.yaml")
    script = compile_routine(loaded, "medium", VOICES[voice])
    runs = counted_runs(script, "en")
    assert runs and all(run == [str_n(n) for n in range(2, len(run) + 2)] for run in runs), runs
    assert sum(len(run) for run in runs) == expected_counts(loaded, "medium")
    counts = [e for e in script.events if e.role == "count"]
    for count in counts:  # each number on its second: a whole number of seconds after its cue
        cue = max(
            (
                e
                for e in script.events
                if e.role in ("rep", "phase", "start tone", "change tone") and e.start_ms < count.start_ms
            ),
            key=lambda e: e.start_ms,
        )
        assert (count.start_ms - cue.start_ms) % 1000 == 0 and cue.end_ms < count.start_ms


def str_n(n: int) -> str:
    return phrasebook("en").words("count_second", n=n)


def test_a_counted_phase_says_its_word_and_the_rep_number_goes_with_the_phase_after_it():
    text = (
        "title: T\nexercises:\n  - name: Heel drops\n    steps:\n      "
        + SHAPES["a counted phase, then an uncounted one"]
    )
    script = compiled(text, SLOW)  # "Lower." fits its first second, "One. Lower." does not
    assert said(script)[:12] == [
        "three", "two", "one",
        "Lower.", "two", "three", "Up, one.",
        "Lower.", "two", "three", "Up, two.",
        "Lower.",
    ]  # fmt: skip
    assert said(script)[-4:] == ["Lower.", "two", "three", "Up, last one."]


def test_the_countdown_into_a_counted_first_rep_is_not_followed_by_its_number():
    text = (
        "title: T\nexercises:\n  - name: E\n    steps:\n      " + SHAPES["counted reps of one phase"] + "\n"
    )
    words = said(compiled(text, FAST))  # the rep's number fits with its cue
    assert words[:5] == ["three", "two", "one", "Squeeze.", "two"], "never 'one - One. Squeeze.'"
    assert "Two. Squeeze." in words


def test_a_cue_too_long_for_its_counted_second_is_counted_from_one_with_a_located_warning():
    text = (
        "title: T\nexercises:\n  - name: E\n    steps:\n"
        "      - reps: 2\n        say: Squeeze.\n"
        "        tempo: [{say: squeeze and lift and hold it there, for: 4s, count: seconds}]\n"
    )
    script = compiled(text)
    assert said(script)[3:7] == ["one", "two", "three", "four"]
    assert script.warnings[0].startswith("r.yaml:7: exercises[0].steps[0].tempo[0].say: ")
    assert 'counted "one, two, ..." without it' in script.warnings[0]


def test_when_every_phase_counts_the_count_is_the_guide_and_reps_are_not_numbered():
    text = "title: T\nexercises:\n  - name: E\n    steps:\n      " + SHAPES["the Pilates hundred"] + "\n"
    script = compiled(text, VOICES["pico"])
    assert said(script)[3:13] == [
        "In.",
        "two",
        "three",
        "four",
        "five",
        "Out.",
        "two",
        "three",
        "four",
        "five",
    ]
    assert script.warnings == ()


@pytest.mark.parametrize("lang", ["de", "es", "fr", "it", "pt", "nl"])
def test_counts_are_complete_in_every_language(lang):
    text = (
        f"title: T\nlang: {lang}\nexercises:\n  - name: E\n    steps:\n      "
        + SHAPES["a counted phase, then an uncounted one"]
        + "\n"
    )
    loaded = routine.loads(text, source="r.yaml")
    book = phrasebook(lang)
    for voice in VOICES.values():
        script = compile_routine(loaded, "medium", voice)
        runs = counted_runs(script, lang)
        assert runs == [[book.words("count_second", n=n) for n in (2, 3)]] * 4


LIFT = """\
title: T
exercises:
  - name: Straight leg raise
    steps:
      - reps: 3
        say: Lift your leg.
        count: COUNT
        tempo:
          - {say: lift, for: 4s, count: seconds}
          - {say: down, for: 2s}
"""


def test_count_tones_puts_a_tick_where_the_number_was_and_keeps_the_words_and_the_count():
    script = compiled(LIFT.replace("COUNT", "tones"))
    ticks = [e for e in script.events if e.kind == TONE and e.text == "tick"]
    firsts = [e for e in script.events if e.role == "rep"]
    assert [e.text for e in firsts] == ["Lift."] * 3  # no number, the words stay
    assert [e.text for e in script.events if e.role == "phase"] == ["Down."] * 3
    assert [e.start_ms - 6000 * i for i, e in enumerate(ticks)] == [ticks[0].start_ms] * 3
    for tick, first in zip(ticks, firsts, strict=True):  # the tick, then the words: never before it
        assert first.start_ms == tick.end_ms
    assert counted_runs(script, "en") == [["two", "three", "four"]] * 3
    assert not script.warnings


def test_count_none_says_the_words_alone():
    script = compiled(LIFT.replace("COUNT", "none"))
    assert [e.text for e in script.events if e.role in ("rep", "phase")] == ["Lift.", "Down."] * 3
    assert not [e for e in script.events if e.kind == TONE and e.text == "tick"]
    assert counted_runs(script, "en") == [["two", "three", "four"]] * 3
    assert not script.warnings


@pytest.mark.parametrize("counting", ["tones", "none"])
def test_reps_too_quick_for_their_words_are_ticks_alone(counting):
    text = LIFT.replace("COUNT", counting).replace("for: 2s}", "for: 0.5s}")
    script = compiled(text.replace("{say: down", "{say: and now slowly all the way down"))
    assert len([e for e in script.events if e.kind == TONE and e.text == "tick"]) == 3
    assert not [e for e in script.events if e.role in ("rep", "phase")]
    # Ticks are what `count: tones` asked for; `count: none` asked for words, and hears why not.
    assert any("reps counted with tones" in w for w in script.warnings) == (counting == "none")


@pytest.mark.parametrize(
    ("own", "last"),
    [
        ("{rep: 'Rep {count}: {cue}.'}", "Rep three: lift."),
        ("{rep: 'Rep {count}: {cue}.', last_one: 'the last'}", "Rep the last: lift."),
        ("{}", "Last one. Lift."),
    ],
)
def test_a_routines_own_rep_phrase_is_said_whole_on_the_last_rep(own, last):
    text = f"""\
title: T
phrases: {own}
exercises:
  - name: A
    steps: [{{reps: 3, say: Go., tempo: [{{say: lift, for: 3s}}, {{say: lower, for: 3s}}]}}]
"""
    reps = [e.text for e in compiled(text).events if e.role == "rep"]
    assert reps[-1] == last
    assert reps[0] in ("Rep one: lift.", "One. Lift.")
