"""Nothing to do, nothing done: a build whose fingerprint is the track's in place writes nothing."""

from __future__ import annotations

import json
import os
from dataclasses import replace

from click.testing import CliRunner
from conftest import SMALL_ROUTINE

from audioguide import fingerprint
from audioguide.build import BuildOptions, build
from audioguide.cli import cli
from audioguide.cues import CueScript
from audioguide.routine import Count
from audioguide.speech.cache import PhraseCache


def snapshot(folder):
    """Every file in the folder with its bytes and modification time."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_a_build_with_nothing_changed_writes_nothing_and_says_so(small_routine, fake_engine, tmp_path):
    out = tmp_path / "out"
    options = BuildOptions(engine="fake", output=out, cache_dir=tmp_path / "cache")
    first = build(small_routine, options)
    before = snapshot(out)
    fake_engine.calls.clear()
    second = build(small_routine, options)
    assert second.up_to_date and not first.up_to_date
    assert snapshot(out) == before and fake_engine.calls == []
    assert second.written.mp3 == first.written.mp3 and second.written.timeline == first.written.timeline
    assert second.script == first.script and (second.engine, second.voice) == (first.engine, first.voice)
    assert second.phrases == first.phrases and second.synthesized == 0
    forced = build(small_routine, replace(options, force=True))
    assert not forced.up_to_date and snapshot(out) != before


def test_any_change_of_what_shapes_the_track_builds_it_again(small_routine, fake_engine, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    options = BuildOptions(engine="fake", output=out, cache_dir=cache)
    first = build(small_routine, options)
    calf = small_routine.exercises[1]
    more_reps = replace(calf, steps=(replace(calf.steps[0], count=Count.fixed(6)),))
    stronger = replace(small_routine, exercises=(small_routine.exercises[0], more_reps))
    assert not build(stronger, options).up_to_date  # the routine (same track name)
    assert not build(small_routine, options).up_to_date  # and back
    assert not build(small_routine, replace(options, bitrate="96k")).up_to_date  # an option
    assert not build(small_routine, options).up_to_date
    assert build(small_routine, options).up_to_date

    # A phrase's cache entry now holds other samples: the track would sound otherwise.
    phrases = PhraseCache(cache)
    key = json.loads(first.written.timeline.read_text())["build"]["phrases"][0]
    entry = phrases.get(key)
    phrases.put(key, entry.apply_gain(-3), "fake")
    assert not build(small_routine, options).up_to_date
    assert build(small_routine, options).up_to_date

    # A file of the track edited, or gone.
    with first.written.mp3.open("r+b") as mp3:
        mp3.seek(-10, os.SEEK_END)
        mp3.write(b"x" * 10)
    assert not build(small_routine, options).up_to_date
    first.written.lyrics[0].unlink()
    assert not build(small_routine, options).up_to_date
    assert build(small_routine, options).up_to_date


def test_a_split_build_is_up_to_date_too(small_routine, fake_engine, tmp_path):
    options = BuildOptions(engine="fake", output=tmp_path / "out", cache_dir=tmp_path / "cache", split=True)
    first = build(small_routine, options)
    second = build(small_routine, options)
    assert second.up_to_date and second.written == first.written


def test_the_timeline_records_the_fingerprint_and_the_files(small_routine, fake_engine, tmp_path):
    result = build(small_routine, BuildOptions(engine="fake", output=tmp_path, cache_dir=tmp_path / "c"))
    written = result.written
    data = json.loads(written.timeline.read_text())
    record = fingerprint.Record.from_json(data["build"])
    assert CueScript.from_json(data) == result.script
    assert set(record.files) == {p.name for p in (written.mp3, written.cues, *written.lyrics)}
    assert record.files[written.mp3.name][0] == written.mp3.stat().st_size
    assert len(record.fingerprint) == 64 and record.intact(tmp_path)
    assert fingerprint.Record.from_json({"fingerprint": "x"}) is None


def test_the_fingerprint_joins_named_inputs():
    base = {"routine": "r", "voice": ["pico", "en-US"]}
    assert fingerprint.fingerprint(base) == fingerprint.fingerprint(dict(reversed(base.items())))
    assert fingerprint.fingerprint({**base, "music": ["bed.mp3", "ab12"]}) != fingerprint.fingerprint(base)


def test_the_command_says_up_to_date_and_force_builds(fake_engine, tmp_path):
    args = ["build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(tmp_path), "--cache-dir", str(tmp_path / "c")]
    assert CliRunner().invoke(cli, args).output.startswith("Wrote ")
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and again.output.startswith("Up to date: ") and "nothing written" in again.output
    forced = CliRunner().invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0 and forced.output.startswith("Wrote ")
