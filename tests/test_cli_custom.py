"""The customize loop through the command line: init, edit, build; overrides; estimates."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import pytest
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from mutagen.id3 import ID3

from audioguide import routine
from audioguide.authoring.starter import SCHEMA_FILE
from audioguide.cli import cli


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_init_writes_a_commented_copy_that_builds_after_an_edit(run, fake_engine, tmp_path):
    copy = tmp_path / "mine.yaml"
    result = run("init", "feet-and-back", copy)
    assert result.exit_code == 0 and f"audioguide build {copy}" in result.output
    text = copy.read_text()
    assert text.startswith(f"# yaml-language-server: $schema={SCHEMA_FILE}\n")
    assert f"#     audioguide build {copy}" in text
    comments = [line for line in routine.builtin_text("feet-and-back").splitlines() if line.startswith("#")]
    assert all(line in text for line in comments), "the built-in's own comments are kept"
    assert json.loads((tmp_path / SCHEMA_FILE).read_text())["title"] == "audioguide routine"
    # The same routine under a title of its own, so that its track never replaces the built-in's.
    assert routine.load(copy) == replace(
        routine.load_builtin("feet-and-back"), title="Feet and back, my copy"
    )

    # The user's edit: heel raises from a 10-20 range to a fixed 12.
    copy.write_text(text.replace("- reps: 10-20", "- reps: 12"))
    script = run("script", copy, "--json")
    reps = [e["text"] for e in json.loads(script.output)["events"] if e["role"] == "rep"]
    assert "Twelve. Up." not in reps and reps.count("Last one. Up.") == 2 and "Eleven. Up." in reps
    assert run("validate", copy).exit_code == 0
    built = run("build", copy, "--engine", "fake", "-o", tmp_path / "out")
    assert built.exit_code == 0, built.output
    timeline = json.loads((tmp_path / "out" / "feet-and-back-my-copy.timeline.json").read_text())
    assert [e["text"] for e in timeline["events"] if e["role"] == "rep"] == reps


def test_init_never_overwrites_without_force(run, tmp_path):
    copy = tmp_path / "mine.yaml"
    copy.write_text("my edits")
    result = run("init", "feet-and-back", copy)
    assert result.exit_code == 1 and result.output.startswith(f"error: {copy}: already exists;")
    assert copy.read_text() == "my edits"
    assert run("init", "feet-and-back", copy, "--force").exit_code == 0
    assert run("init", "no-such", tmp_path / "x.yaml").output.startswith(
        "error: no-such: no such file or built-in"
    )


def test_init_into_a_folder_uses_the_routines_name(run, tmp_path):
    assert run("init", "feet-and-back", tmp_path).exit_code == 0
    assert routine.load(tmp_path / "feet-and-back.yaml").title == "Feet and back, my copy"
    assert run("init", "builtin:feet-and-back.de", tmp_path).exit_code == 0
    assert routine.load(tmp_path / "feet-and-back.de.yaml").title == "Füße und Rücken, meine Kopie"


def test_your_copy_is_built_by_the_builtins_name_and_never_replaces_its_track(
    fake_engine, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(mix_stderr=False)

    def run(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    assert run("build", "tabata", "--engine", "fake", "--level", "easy").exit_code == 0
    assert run("init", "tabata").exit_code == 0
    copy = tmp_path / "tabata.yaml"
    copy.write_text(copy.read_text().replace("    sets: 8", "    sets: 2"))
    result = run("build", "tabata", "--engine", "fake", "--level", "easy")
    assert result.exit_code == 0, result.output + result.stderr
    assert "note: using your file tabata.yaml, not the built-in routine tabata" in result.stderr
    assert "builtin:tabata" in result.stderr
    assert sorted(p.name for p in (tmp_path / "output").glob("*.mp3")) == [
        "tabata-easy.mp3", "tabata-my-copy-easy.mp3",
    ]  # fmt: skip
    mine = json.loads((tmp_path / "output" / "tabata-my-copy-easy.timeline.json").read_text())
    assert sum(e["text"].startswith("Round ") for e in mine["events"]) == 2
    builtin = run("script", "builtin:tabata", "--json")
    assert builtin.exit_code == 0 and "note:" not in builtin.stderr
    assert json.loads(builtin.output)["title"] == "Tabata"
    assert run("validate", "tabata").exit_code == 0
    refused = run("validate", "box-breathing")
    assert refused.exit_code == 1 and "audioguide init box-breathing" in refused.output


def test_a_customized_track_says_so_in_its_name_and_title(run, fake_engine, tmp_path):
    plain = run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path)
    custom = run(
        "build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path, "--reps", "2=6", "--level", "hard"
    )
    assert plain.exit_code == 0 and custom.exit_code == 0, custom.output
    names = sorted(p.name for p in tmp_path.glob("*.mp3"))
    assert names == ["small-test-routine-hard-calf-raise-reps-6.mp3", "small-test-routine.mp3"]
    tags = ID3(tmp_path / names[0])
    assert tags["TIT2"].text == ["Small test routine (hard; calf-raise reps 6)"]
    assert tags["TALB"].text == ["Small test routine (hard)"], "the album groups a level's versions"
    assert ID3(tmp_path / names[1])["TIT2"].text == ["Small test routine"]
    assert tags.getall("COMM")[0].text == ["level hard; engine fake; voice en; changed: calf-raise reps 6"]
    timeline = json.loads((tmp_path / names[0]).with_suffix(".timeline.json").read_text())
    assert timeline["changed"] == "calf-raise reps 6"


def test_a_long_customization_is_named_by_a_digest(run, fake_engine, tmp_path):
    intro = "A much longer introduction than the routine had before, for this test."
    result = run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path, "--set", f"intro={intro}")
    assert result.exit_code == 0, result.output
    (mp3,) = tmp_path.glob("*.mp3")
    assert (
        mp3.name.startswith("small-test-routine-custom-")
        and len(mp3.stem) == len("small-test-routine-custom-") + 6
    )
    assert ID3(mp3)["TIT2"].text == [f"Small test routine (intro={intro})"]


def test_a_rep_count_change_synthesizes_only_the_new_phrases(run, fake_engine, tmp_path):
    first = run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path)
    assert first.exit_code == 0
    fake_engine.calls.clear()
    again = run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path, "--reps", "calf-raise=5")
    assert again.exit_code == 0, again.output
    # Medium was three reps (one, two, last one); five adds the counts three and four, and
    # perhaps the intro's statement of the track's length.
    assert set(fake_engine.calls) - {c for c in fake_engine.calls if c.startswith("Two exercises")} == {
        "Three. Up.",
        "Four. Up.",
    }
    assert f"{len(fake_engine.calls)} phrases synthesized" in again.output


def test_bad_overrides_are_one_clean_error(run):
    result = run("script", SMALL_ROUTINE, "--reps", "calf=5")
    assert result.exit_code == 1
    assert result.output.startswith("error: --reps calf=5: no exercise 'calf' in Small test routine.")
    several = run("script", SMALL_ROUTINE, "--reps", "calf-raise=0", "--hold", "wall-sit=0s")
    assert several.exit_code == 1 and several.output.startswith("error: 3 problems in the routine:")


def test_script_shows_each_exercises_estimated_length(run, fake_engine):
    result = run("script", SMALL_ROUTINE)
    lines = result.output.splitlines()
    table = lines[lines.index("Estimated lengths:") + 1 : lines.index("Estimated lengths:") + 6]
    assert [line.split("  ")[1].strip() for line in table] == [
        "Introduction", "1. Wall sit (wall-sit)", "2. Calf raise (calf-raise)", "Finish", "Whole track",
    ]  # fmt: skip
    assert table[-1].endswith("2:29") and fake_engine.calls == []


def test_script_json_gives_the_estimates(run):
    plain = json.loads(run("script", SMALL_ROUTINE, "--json").output)
    parts = plain["estimates"]["parts"]
    assert plain["estimated"] is True and plain["estimates"]["duration_ms"] == plain["duration_ms"]
    assert [(p["number"], p["slug"]) for p in parts] == [(0, ""), (1, "wall-sit"), (2, "calf-raise"), (0, "")]
    assert sum(p["length_ms"] for p in parts) == plain["duration_ms"]
    assert [p["start_ms"] for p in parts] == [c["start_ms"] for c in plain["chapters"]]
    longer = json.loads(run("script", SMALL_ROUTINE, "--json", "--sets", "wall-sit=3").output)
    wall = longer["estimates"]["parts"][1]["length_ms"] - parts[1]["length_ms"]
    # One more round: its hold, pause and hold plus the 12 s rest before it, and their cues.
    assert 20_000 + 1000 + 5000 + 12_000 <= wall <= 20_000 + 1000 + 5000 + 12_000 + 10_000


@pytest.mark.parametrize("command", ["init", "validate", "schema"])
def test_new_commands_have_help(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0 and len(result.output.splitlines()) > 3


def test_init_never_replaces_a_pipe_or_a_link_even_with_force(run, tmp_path):
    fifo = tmp_path / "mine.yaml"
    os.mkfifo(fifo)
    result = run("init", "feet-and-back", fifo, "--force")
    assert result.exit_code == 1 and result.output.startswith(f"error: {fifo}: is a named pipe (FIFO);")
    assert fifo.is_fifo()
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / SCHEMA_FILE).symlink_to(tmp_path / "elsewhere.json")  # the schema beside it too
    result = run("init", "feet-and-back", folder / "mine.yaml")
    assert result.exit_code == 1 and "is a symbolic link" in result.output
    assert not (tmp_path / "elsewhere.json").exists() and not (folder / "mine.yaml").exists()
