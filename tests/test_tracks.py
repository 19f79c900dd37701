"""Where a track goes: a build replaces its own routine's track, never another routine's."""

from __future__ import annotations

import json

import pytest

from audioguide import routine
from audioguide.build import BuildOptions, build
from audioguide.errors import ExportError
from audioguide.tracks import previous, source_of

ONE_HOLD = "title: {title}\nexercises:\n  - name: A\n    steps: [{{hold: 3s, say: Hold.}}]\n"


def routine_file(path, title="Morning"):
    path.write_text(ONE_HOLD.format(title=title))
    return routine.load(path)


def built(loaded, out, **options):
    return build(loaded, BuildOptions(engine="fake", output=out, **options))


def test_the_timeline_records_the_routine_a_track_was_made_from(fake_engine, tmp_path):
    mine = routine_file(tmp_path / "morning.yaml")
    result = built(mine, tmp_path / "out")
    assert json.loads(result.written.timeline.read_text())["source"] == str(
        (tmp_path / "morning.yaml").resolve()
    )
    assert previous(result.written.mp3).source == source_of(mine)
    assert source_of(routine.load_builtin("feet-and-back.de")) == "builtin:feet-and-back.de"


def test_another_routine_of_the_same_title_gets_a_track_named_after_its_file(fake_engine, tmp_path):
    out = tmp_path / "out"
    first = built(routine_file(tmp_path / "morning.yaml"), out)
    before = first.written.mp3.read_bytes()
    second = built(routine_file(tmp_path / "copy.yaml"), out)
    assert first.written.mp3 == out / "morning.mp3" and second.written.mp3 == out / "copy.mp3"
    assert first.written.mp3.read_bytes() == before, "the first routine's track is untouched"
    assert any("copy.mp3" in w and "-o " in w for w in second.warnings), second.warnings
    again = built(routine_file(tmp_path / "morning.yaml", "Morning"), out)  # its own track: replaced
    assert again.written.mp3 == out / "morning.mp3" and not any("made from" in w for w in again.warnings)


def test_a_build_refuses_when_no_name_of_its_own_is_free_and_says_how_to_replace(fake_engine, tmp_path):
    out = tmp_path / "out"
    built(routine.load_builtin("tabata"), out, level="easy")
    before = (out / "tabata-easy.mp3").read_bytes()
    (tmp_path / "mine").mkdir()
    mine = routine_file(tmp_path / "mine" / "tabata.yaml", "Tabata")
    with pytest.raises(ExportError, match="made from the built-in routine tabata") as refused:
        built(mine, out, level="easy")
    assert f"-o {out / 'tabata-easy.mp3'}" in str(refused.value)
    assert (out / "tabata-easy.mp3").read_bytes() == before
    replaced = built(mine, out / "tabata-easy.mp3", level="easy")  # named on the command line: written
    assert previous(replaced.written.mp3).source == source_of(mine)


def test_a_track_from_before_sources_were_recorded_is_replaced_as_before(fake_engine, tmp_path):
    out = tmp_path / "out"
    first = built(routine_file(tmp_path / "morning.yaml"), out)
    timeline = json.loads(first.written.timeline.read_text())
    del timeline["source"]
    first.written.timeline.write_text(json.dumps(timeline))
    second = built(routine_file(tmp_path / "other.yaml"), out)
    assert second.written.mp3 == out / "morning.mp3"


def test_split_tracks_keep_to_their_own_routine_too(fake_engine, tmp_path):
    out = tmp_path / "out"
    built(routine_file(tmp_path / "morning.yaml"), out, split=True)
    second = built(routine_file(tmp_path / "copy.yaml"), out, split=True)
    assert second.written.playlist == out / "copy" / "copy.m3u8"
    assert (out / "morning" / "morning.m3u8").exists()
