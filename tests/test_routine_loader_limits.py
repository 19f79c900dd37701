"""Sane limits: a typo never becomes a day-long build, and every limit says how to fix it."""

from __future__ import annotations

import time

import pytest

from audioguide import routine
from audioguide.compiler import compile_routine
from audioguide.errors import RoutineError, SpeechError, TimingError
from audioguide.routine import MAX_SLUG_BYTES, Exercise, Hold, Routine, slugify
from audioguide.speech import PhraseCache, Voice, make_engine
from audioguide.speech.voice import MAX_PHRASE_CHARS


def problems(text: str) -> list[str]:
    with pytest.raises(RoutineError) as caught:
        routine.loads(text, source="r.yaml")
    return caught.value.problems


def one_step(step: str, *, sets: str = "1", extra: str = "") -> str:
    return f"title: T\nexercises:\n  - name: A\n    sets: {sets}\n{extra}    steps:\n      - {step}\n"


def test_a_track_longer_than_twelve_hours_is_refused_before_compiling():
    found = problems(one_step("{hold: 2h, say: Hold.}", sets="7", extra="    rest: 1m\n"))
    assert found == [
        "r.yaml: would last more than 14.1 hours at level hard; a track is at most 12 hours. "
        "Lower sets, reps or durations, or split it into several routines"
    ]


def test_the_hardest_level_decides_the_length():
    # 6 rounds of 2 h are too long; 5 (the easy end of the range) would not be.
    assert "at level hard" in problems(one_step("{hold: 2h, say: Hold.}", sets="5-6"))[0]


def test_too_many_cues_is_refused():
    tempo = "[" + ", ".join(["{say: a, for: 100ms}"] * 10) + "]"
    found = problems(one_step(f"{{reps: 500, say: Go., tempo: {tempo}}}", sets="30"))
    assert found[0].startswith("r.yaml: would need about 150,") and "at most 50,000" in found[0]


def test_the_compiler_refuses_a_track_over_twelve_hours_however_it_was_made():
    # Built in code, past the loader: seven 2-hour holds with their cues.
    exercises = tuple(
        Exercise(name=f"E{i}", steps=(Hold("Hold.", routine.MAX_DURATION_MS),)) for i in range(7)
    )
    with pytest.raises(TimingError, match=r"would last 14\.\d hours .* at most 12 hours"):
        compile_routine(Routine(title="Long", exercises=exercises))


def test_a_track_just_under_the_limit_compiles():
    exercises = tuple(
        Exercise(name=f"E{i}", steps=(Hold("Hold.", routine.MAX_DURATION_MS),)) for i in range(5)
    )
    script = compile_routine(Routine(title="Long", exercises=exercises))
    assert 10 * 3600_000 < script.duration_ms <= routine.MAX_TRACK_MS


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("{reps: 501, say: Go., tempo: [{say: up, for: 1s}]}", "reps: must be between 1 and 500, got 501"),
        ("{hold: 2h1s, say: Hold.}", 'hold: must be at most 2h, got "2h1s"'),
        ("{hold: .inf, say: Hold.}", "hold: must be at most 2h, got inf"),
        ("{hold: -.inf, say: Hold.}", "hold: must be longer than zero, got -inf"),
        ("{hold: .nan, say: Hold.}", "hold: must be a duration like 20s or 1m30s, got nan"),
        (f"{{hold: {'9' * 400}s, say: Hold.}}", 'hold: must be at most 2h, got "9999999999'),
        (f"{{reps: 1-{'9' * 5000}, say: Go., tempo: [{{say: up, for: 1s}}]}}", "reps: a range must go"),
        (f"{{hold: 5s, say: {'word ' * 130}}}", "say: is too long (649 characters); keep it under 600"),
        ('{hold: 5s, say: "bell\\x07"}', "say: contains control characters; remove them"),
        ('{hold: 5s, say: "del\\x7f"}', "say: contains control characters; remove them"),
    ],
)
def test_limits_on_values_are_located_and_clear(step, message):
    (found,) = problems(one_step(step))
    assert found.startswith("r.yaml:6: exercises[0].steps[0].") and message in found
    assert len(found) < 300, "a message quotes at most a short part of a huge value"


def test_sets_limit():
    (found,) = problems(one_step("{hold: 5s, say: Hold.}", sets="501"))
    assert found == "r.yaml:4: exercises[0].sets: must be between 1 and 500, got 501"


def test_file_size_limit(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("title: T\n" + "# padding\n" * (routine.MAX_FILE_BYTES // 10 + 1))
    with pytest.raises(
        RoutineError, match=r"big\.yaml: is 1,000,0\d\d bytes; a routine file is at most 1 MB"
    ):
        routine.load(big)


def test_the_format_guide_states_the_limits():
    from test_docs import ROOT

    guide = (ROOT / "docs" / "routine-format.md").read_text()
    for limit in ("12 hours", "500", "600 characters", "1 MB", "50,000"):
        assert limit in guide, limit


# Limits cannot be bypassed: no phrase grows past what is said at once, no name costs
# quadratic time.


def test_equipment_items_together_are_held_to_the_text_limit():
    items = "\n".join(f"      - {'band ' * 100}{n}" for n in range(40))  # each item under the limit
    text = f"title: T\nexercises:\n  - name: A\n    equipment:\n{items}\n    steps: [{{hold: 5s}}]\n"
    with pytest.raises(RoutineError, match=r"exercises\[0\]\.equipment: is too long together"):
        routine.loads(text)


def test_a_phrase_that_grew_past_the_limit_is_refused_before_any_synthesis(fake_engine, tmp_path):
    voice = Voice(make_engine("fake"), PhraseCache(tmp_path), 44_100)
    with pytest.raises(SpeechError, match="at most 2,000 are said at once"):
        voice.load(["Short.", "lift your leg " * (MAX_PHRASE_CHARS // 10)])
    assert fake_engine.calls == []


def test_a_long_name_is_slugged_in_linear_time():
    name = "é" * 20_000 + " x" * 20_000
    started = time.perf_counter()
    slug = slugify(name)
    assert time.perf_counter() - started < 0.5
    assert len(slug.encode("utf-8")) <= MAX_SLUG_BYTES and slug == "e" * MAX_SLUG_BYTES
