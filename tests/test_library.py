"""The built-in library: each routine a faithful, exactly timed rendering of a known programme."""

from __future__ import annotations

import pytest
from audio import decode, nearest, onsets
from click.testing import CliRunner

from audioguide import routine
from audioguide.authoring import overrides
from audioguide.build import BuildOptions, build
from audioguide.cli import cli
from audioguide.compiler import compile_routine
from audioguide.cues import TONE
from audioguide.errors import RoutineError
from audioguide.estimates import upper_bound

LIBRARY = [
    "achilles-heel-drops",
    "box-breathing",
    "feet-and-back",
    "pelvic-floor",
    "seven-minute-workout",
    "tabata",
]


def test_list_shows_every_builtin_routine():
    assert routine.builtin_names() == LIBRARY
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 0 and all(name in result.output for name in LIBRARY)


@pytest.mark.parametrize("name", LIBRARY)
def test_each_builtin_states_its_source_and_validates_for_each_offline_voice(name):
    text = routine.builtin_text(name)
    assert "Source:" in text and "Judgment calls" in text
    loaded = routine.load_builtin(name)
    for engine in ("pico", "espeak"):
        for level in routine.LEVELS:
            warnings = compile_routine(loaded, level, upper_bound(engine)).warnings
            # A voice's upper bound may not fit a counted phase's word into its first second; the
            # real voices do (the decoded-MP3 test builds each built-in with no warning).
            assert not [w for w in warnings if "without it" not in w], (engine, level, warnings)


def chapter_tones(script, *titles):
    indexes = {i for i, c in enumerate(script.chapters) if c.title in titles}
    return [e for e in script.events if e.kind == TONE and e.chapter in indexes]


def test_tabata_is_eight_rounds_in_230_seconds():
    script = compile_routine(routine.load_builtin("tabata"))
    marks = chapter_tones(script, "Tabata")
    assert marks[-1].start_ms - marks[0].start_ms == 8 * 20_000 + 7 * 10_000
    assert sum(1 for e in script.events if e.text.startswith("Round ") and "of eight" in e.text) == 8


def test_one_round_of_the_seven_minute_workout_is_470_seconds():
    script = compile_routine(routine.load_builtin("seven-minute-workout"), "easy")
    marks = [e for e in script.events if e.kind == TONE]
    assert marks[-1].start_ms - marks[0].start_ms == 12 * 30_000 + 11 * 10_000
    assert [c.title for c in script.chapters][1:4] == ["Jumping jacks", "Wall sit", "Push-ups"]


def test_the_achilles_protocol_keeps_its_numbers():
    straight, bent = routine.load_builtin("achilles-heel-drops").exercises
    for exercise in (straight, bent):
        reps = exercise.steps[0]
        assert exercise.sets.at("medium") == 3 and reps.count.at("medium") == 15
        assert [p.duration_ms for p in reps.tempo] == [3000, 2000] and reps.tempo[0].count_seconds


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("library-cache")


@pytest.mark.parametrize("name", LIBRARY)
def test_each_builtin_built_lands_every_tone_and_interval_within_10ms(name, cache, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOGUIDE_CACHE_DIR", str(cache))
    options = BuildOptions(engine="pico", level="easy", output=tmp_path, cache_dir=cache)
    result = build(routine.load_builtin(name), options)
    audio = decode(result.written.mp3)
    heard = onsets(audio)
    marks = [e for e in result.script.events if e.kind == TONE]
    at = [nearest(heard, e.start_ms) for e in marks]
    errors = [abs(measured - e.start_ms) for measured, e in zip(at, marks, strict=True)]
    assert max(errors) <= 10, (name, max(errors))
    # every hold and every rest between tones is its planned length, as heard
    planned = [b.start_ms - a.start_ms for a, b in zip(marks, marks[1:], strict=False)]
    measured = [b - a for a, b in zip(at, at[1:], strict=False)]
    assert max((abs(p - m) for p, m in zip(planned, measured, strict=True)), default=0) <= 10
    # counted reps and seconds start on their beat too
    # (a rep's words right after its tick, `count: tones`, are on the beat of that tick, measured above)
    ticked = {e.end_ms for e in marks}
    beats = [e for e in result.script.events if e.role in ("rep", "count") and e.start_ms not in ticked]
    spoken = onsets(audio, quiet_ms=30, floor_db=-55)
    late = [abs(nearest(spoken, e.start_ms) - e.start_ms) for e in beats]
    assert max(late, default=0) <= 10, (name, max(late, default=0))


def test_the_seven_minute_workout_lasts_about_seven_minutes_at_the_default_level():
    loaded = routine.load_builtin("seven-minute-workout")
    script = compile_routine(loaded, routine.DEFAULT_LEVEL)
    marks = [e for e in script.events if e.kind == TONE]
    assert marks[-1].start_ms - marks[0].start_ms == 12 * 30_000 + 11 * 10_000, "one round"
    assert script.duration_ms < 9 * 60_000
    said = " ".join(e.text for e in script.events)
    assert "Seven minutes:" not in said and "two rounds" not in said
    three = compile_routine(
        overrides.resolve(
            "seven-minute-workout", overrides.from_options({"set": ("exercises[0].rounds=3",)})
        ).routine
    )
    assert "The circuit: three rounds of twelve exercises." in [e.text for e in three.events]


# --- what a typed ROUTINE names: your file first --------------------------------------

ONE_HOLD = "title: {title}\nexercises:\n  - name: A\n    steps: [{{hold: 3s, say: Hold.}}]\n"


@pytest.mark.parametrize("name", ["tabata.yaml", "tabata.yml", "tabata"])
def test_a_file_in_the_folder_comes_before_the_builtin_of_its_name(tmp_path, name):
    (tmp_path / name).write_text(ONE_HOLD.format(title="Mine"))
    choice = routine.choose("tabata", tmp_path)
    assert choice.spec == str(tmp_path / name)
    assert routine.resolve(choice.spec).title == "Mine"
    assert "your file" in choice.note and "builtin:tabata" in choice.note


def test_a_builtin_is_taken_by_its_name_or_asked_for_beside_a_file(tmp_path):
    assert routine.choose("Tabata", tmp_path) == routine.Choice("tabata")
    (tmp_path / "tabata.yaml").write_text(ONE_HOLD.format(title="Mine"))
    assert routine.choose("builtin:tabata", tmp_path) == routine.Choice("tabata")
    (tmp_path / "morning.yaml").write_text(ONE_HOLD.format(title="Morning"))
    assert routine.choose("morning", tmp_path) == routine.Choice(str(tmp_path / "morning.yaml"))


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("morning-knes", "morning-knees.yaml"),
        ("morning-knes.yaml", "morning-knees.yaml"),
        ("feet-and-bak", "feet-and-back"),
        ("builtin:tabbata", "tabata"),
    ],
)
def test_no_such_routine_suggests_the_near_names_it_sees(tmp_path, monkeypatch, typed, suggested):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "morning-knees.yaml").write_text(ONE_HOLD.format(title="Knees"))
    with pytest.raises(RoutineError) as caught:
        routine.choose(typed)
    assert f"Did you mean {suggested}" in str(caught.value), caught.value


def test_no_such_file_in_another_folder_suggests_that_folders_files(tmp_path):
    (tmp_path / "morning-knees.yaml").write_text(ONE_HOLD.format(title="Knees"))
    with pytest.raises(RoutineError, match=f"no such file. Did you mean {tmp_path / 'morning-knees.yaml'}"):
        routine.choose(str(tmp_path / "morning-knes.yaml"))
