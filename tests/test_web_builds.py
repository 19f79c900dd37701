"""Builds asked for from the page: music picked from the folder set on the computer, by id only;
page builds kept within a disk budget, the oldest removed, never a user's file."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from conftest import SMALL_ROUTINE

from audioguide import settings
from audioguide.errors import ConfigError, ServeError
from audioguide.export import Written
from audioguide.web import builds
from audioguide.web.app import _build_request
from audioguide.web.builds import Builder, BuildRequest, Change, Settings, music_choices

MB = 1024 * 1024


def test_the_page_offers_the_configured_music_folder_its_folders_playlists_and_files(tmp_path):
    assert music_choices() == {}, "no music set: the page offers none"
    folder = tmp_path / "workout"
    (folder / "slow").mkdir(parents=True)
    for name in ("b.mp3", "a.flac", "mix.m3u8", "notes.txt", ".hidden.mp3"):
        (folder / name).write_bytes(b"")
    settings.set_value("music", str(folder))
    assert music_choices() == {
        ".": folder,
        "a.flac": folder / "a.flac",
        "b.mp3": folder / "b.mp3",
        "mix.m3u8": folder / "mix.m3u8",
        "slow": folder / "slow",
    }
    with pytest.raises(ConfigError, match="no such folder or file"):
        settings.set_value("music", str(tmp_path / "nowhere"))


def test_a_build_request_picks_music_by_id_and_never_by_a_path_it_sends(tmp_path):
    folder = tmp_path / "workout"
    (folder / "slow").mkdir(parents=True)
    settings.set_value("music", str(folder))
    builder = Builder(Settings(tmp_path / "out", "pico"))
    asked = _build_request({"routine": "x", "level": "medium", "music": "slow"})
    assert asked == BuildRequest("x", "medium", music="slow")
    job = builder.submit(str(SMALL_ROUTINE), "Small", asked)
    assert job.options.music == folder / "slow"
    assert builder.submit(str(SMALL_ROUTINE), "Small", BuildRequest("x", "medium")).options.music is None
    for sent in ("../../etc", str(folder / "slow"), "/etc/passwd"):
        with pytest.raises(ServeError, match="no music .* in your music folder"):
            builder.submit(str(SMALL_ROUTINE), "Small", BuildRequest("x", "medium", music=sent))
    with pytest.raises(ValueError, match="every field must be text"):
        _build_request({"routine": "x", "music": 3})


def test_old_page_builds_are_removed_past_the_budget_and_a_changed_file_stays(tmp_path, monkeypatch):
    monkeypatch.setattr(builds, "PAGE_BUILDS_BYTES", 5 * MB)

    def run(routine, options, progress):  # a build of 2 MB, named by its reps
        stem = tmp_path / options.custom.replace("=", "-").replace(" ", "")
        mp3, timeline, cues = (stem.with_name(stem.name + s) for s in (".mp3", ".timeline.json", ".cues.txt"))
        mp3.write_bytes(stem.name.encode().ljust(2 * MB, b"\0"))
        timeline.write_text("{}")
        cues.write_text("cues")
        return SimpleNamespace(written=Written(mp3, timeline, cues), warnings=())

    builder = Builder(Settings(tmp_path, "pico"), run=run)
    builder.start()
    try:
        for reps in ("11", "12", "13", "14"):
            change = Change("reps", "heel-raises", reps)
            asked = BuildRequest("builtin:feet-and-back", "medium", None, (change,))
            builder.submit("feet-and-back", "Feet", asked)
            done(builder, str(int(reps) - 10))
            if reps == "11":
                [first] = tmp_path.glob("*.mp3")
                first.write_bytes(b"the user's own edit".ljust(2 * MB, b"\0"))  # no longer what was written
    finally:
        builder.stop()
    kept = sorted(p.name for p in tmp_path.glob("*.mp3"))
    assert len(kept) == 3, kept  # 4 x 2 MB written; 5 MB kept: the two oldest go, but the edited one stays
    assert first.name in kept and first.read_bytes().startswith(b"the user's own edit")
    cues = sorted(p.name for p in tmp_path.glob("*.cues.txt"))
    assert cues == [name.replace(".mp3", ".cues.txt") for name in kept]  # the edited track's set stays whole


def done(builder: Builder, job: str) -> None:
    deadline = time.monotonic() + 60
    while (builder.job(job) or {}).get("state") != builds.DONE:
        assert time.monotonic() < deadline, builder.job(job)
        time.sleep(0.02)
