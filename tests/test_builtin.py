"""The built-in routine keeps the article's exercises, order and numbers at every level."""

from __future__ import annotations

import pytest

from audioguide import routine
from audioguide.compiler import compile_routine
from audioguide.cues import TONE
from audioguide.estimates import upper_bound
from audioguide.routine import Count, Hold, Reps


@pytest.fixture(scope="module")
def feet():
    return routine.load_builtin("feet-and-back")


def chapter_events(script, title):
    index = [c.title for c in script.chapters].index(title)
    return [e for e in script.events if e.chapter == index]


def hold_lengths(events):
    """From each start tone to the end tone after it."""
    tones = [e for e in events if e.kind == TONE]
    return [
        next(end.start_ms for end in tones[i:] if end.text == "end") - start.start_ms
        for i, start in enumerate(tones)
        if start.text == "start"
    ]


def test_five_exercises_in_the_articles_order(feet):
    assert [e.name for e in feet.exercises] == [
        "Toe walking", "Toe pulls", "Heel raises", "Ankle circles", "Toe curls",
    ]  # fmt: skip


def test_the_model_holds_the_articles_numbers(feet):
    toe_walking, toe_pulls, heel_raises, ankle_circles, toe_curls = feet.exercises
    assert toe_walking.sets == Count.fixed(5) and toe_walking.rest_ms == 15_000
    assert [s.duration_ms for s in toe_walking.steps] == [20_000] * 3
    assert [s.then_continue for s in toe_walking.steps] == [True, True, False], "one walk, three positions"
    assert toe_pulls.sides == ("right", "left") and toe_pulls.steps[0].count == Count.fixed(10)
    assert [p.say for p in toe_pulls.steps[0].tempo] == ["pull", "hold", "release"]
    assert toe_pulls.steps[0].tempo[1].duration_ms == 2000
    assert heel_raises.sides and heel_raises.steps[0].count == Count(10, 15, 20)
    assert ankle_circles.sides and ankle_circles.steps[0].count == Count(5, 8, 10)
    curls, shake, right, left = toe_curls.steps
    assert isinstance(curls, Reps) and curls.count == Count(5, 8, 10)
    assert all(isinstance(s, Hold) and s.duration_ms == 10_000 for s in (shake, right, left))
    assert shake.countdown == 0, "nothing to time in a shake"
    assert "right foot" in right.say and "left foot" in left.say
    assert "chair" in " ".join(heel_raises.equipment) and "band" in " ".join(toe_pulls.equipment)


@pytest.mark.parametrize(
    ("level", "heel", "circles", "curls"), [("easy", 10, 5, 5), ("medium", 15, 8, 8), ("hard", 20, 10, 10)]
)
def test_each_level_in_the_cue_script(feet, level, heel, circles, curls):
    script = compile_routine(feet, level)
    walking = chapter_events(script, "Toe walking")
    assert hold_lengths(walking) == [60_000] * 5, "one walk of three 20 s positions, five rounds"
    changes = [e.start_ms for e in walking if e.text == "change"]
    starts = [e.start_ms for e in walking if e.text == "start"]
    assert [c - s for s in starts for c in changes if 0 < c - s < 60_000] == [20_000, 40_000] * 5
    assert sum(e.text == "Rest for fifteen seconds." for e in walking) == 4
    assert not [e for e in walking if e.role == "halfway"], "the changes mark the walk's progress"
    assert sum(e.role == "rep" for e in chapter_events(script, "Toe pulls")) == 2 * 10
    assert sum(e.role == "rep" for e in chapter_events(script, "Heel raises")) == 2 * heel
    assert sum(e.role == "rep" for e in chapter_events(script, "Ankle circles")) == 2 * circles
    toe_curls = chapter_events(script, "Toe curls")
    assert sum(e.role == "rep" for e in toe_curls) == curls
    assert hold_lengths(toe_curls) == [10_000] * 3
    assert "Switch to your left leg." in [e.text for e in chapter_events(script, "Toe pulls")]
    assert not script.warnings


@pytest.mark.parametrize("engine", ["pico", "espeak"])
def test_validates_for_each_offline_voice_without_dropping_anything(feet, engine):
    for level in routine.LEVELS:
        assert not compile_routine(feet, level, upper_bound(engine)).warnings


def test_levels_lengthen_the_track(feet):
    lengths = [compile_routine(feet, level).duration_ms for level in routine.LEVELS]
    assert lengths == sorted(lengths) and 14 * 60_000 < lengths[0] and lengths[-1] < 20 * 60_000


PHYSIOTHERAPY = ("feet-and-back", "achilles-heel-drops", "pelvic-floor")


@pytest.mark.parametrize(
    "name", [v for name in PHYSIOTHERAPY for v in routine.builtin_languages(name).values()]
)
def test_each_physiotherapy_routine_says_its_safety_line_after_its_title_in_its_language(name):
    loaded = routine.load_builtin(name)
    assert loaded.safety, f"{name} has no safety line"
    said = [e.text for e in compile_routine(loaded).events if e.kind == "speech"]
    assert said[1] == loaded.safety and said.count(loaded.safety) == 1


def test_the_heel_drops_safety_line_is_alfredsons():
    safety = routine.load_builtin("achilles-heel-drops").safety
    assert "pain" in safety and "expected" in safety and "disabling" in safety


@pytest.mark.parametrize(
    "version", ["feet-and-back", *(f"feet-and-back.{lang}" for lang in "de es fr it pt nl".split())]
)
def test_every_version_names_and_says_things_plainly(version):
    loaded = routine.load_builtin(version)
    words = " ".join(e.text for e in compile_routine(loaded).events).lower()
    clock_face = ("o'clock", "sechs uhr", "las doce", "midi et", "le dodici", "pelas doze", "zes uur")
    for jargon in ("tibial", "schienbeinmuskel", "scheenbeenspier", *clock_face):
        assert jargon not in words, (version, jargon)
    assert len(loaded.exercises) == 5 and loaded.exercises[1].steps[0].count == Count.fixed(10)


def test_the_toe_pulls_take_overrides_by_their_new_name():
    from audioguide.authoring import overrides

    custom = overrides.resolve("feet-and-back", overrides.from_options({"reps": ("toe-pulls=12",)}))
    assert custom.routine.exercises[1].name == "Toe pulls"
    assert custom.routine.exercises[1].steps[0].count == Count.fixed(12)
