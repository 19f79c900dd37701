"""Builds asked for from the page: music picked from the folder set on the computer, by id only."""

from __future__ import annotations

import pytest
from conftest import SMALL_ROUTINE

from audioguide import settings
from audioguide.errors import ConfigError, ServeError
from audioguide.web.app import _build_request
from audioguide.web.builds import Builder, BuildRequest, Settings, music_choices


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
