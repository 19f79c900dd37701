"""Settings that stay: checked when set and when read, kept in the config folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioguide import settings
from audioguide.errors import ConfigError


def test_settings_are_kept_in_the_config_folder_and_read_back(tmp_path):
    assert settings.config_path() == tmp_path / "config" / "config.yaml"  # AUDIOGUIDE_CONFIG_DIR
    assert settings.load() == {}
    assert settings.set_value("engine", "PICO") == "pico"
    assert settings.set_value("level", "Hard") == "hard"
    assert settings.set_value("lang", "en-GB") == "en-GB"
    assert settings.load() == {"engine": "pico", "lang": "en-GB", "level": "hard"}
    assert settings.unset("lang") and not settings.unset("lang")
    assert settings.load() == {"engine": "pico", "level": "hard"}


def test_an_output_folder_is_kept_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert settings.set_value("output", "tracks") == str(tmp_path / "tracks")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert settings.set_value("output", "~/Music") == str(tmp_path / "home" / "Music")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("engine", "festival", "engine: no speech engine named 'festival'; choose one of: auto,"),
        ("level", "extreme", "level: no level 'extreme'; choose one of: easy, medium, hard"),
        ("lang", "english please", "lang: 'english please' is not a language code"),
        ("output", "track.mp3", "output: 'track.mp3' names a file; output is the folder"),
        ("voice", "", "voice: give a value of 1 to 500 characters"),
        ("voice", "a\x07b", "voice: the value holds control characters"),
        ("levle", "hard", "no setting named 'levle'; did you mean level? the settings are: engine,"),
    ],
)
def test_a_bad_setting_is_refused_with_what_is_right(key, value, message):
    with pytest.raises(ConfigError) as refused:
        settings.set_value(key, value)
    assert str(refused.value).startswith(message), refused.value
    assert settings.load() == {}


def test_a_broken_config_file_is_a_located_error(tmp_path):
    path = settings.config_path()
    path.parent.mkdir(parents=True)
    path.write_text("level: extreme\n")
    with pytest.raises(ConfigError, match=f"{path}: level: no level 'extreme'.*config set level"):
        settings.load()
    settings.set_value("level", "easy")  # the way out the message gives
    assert settings.load() == {"level": "easy"}
    path.write_text("levle: hard\nengine: pico\n")
    with pytest.raises(
        ConfigError, match="no setting named 'levle'; did you mean level?.*config unset levle"
    ):
        settings.load()
    assert settings.unset("levle") and settings.load() == {"engine": "pico"}
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="is not a list of settings"):
        settings.load()


def test_the_command_line_wins_over_the_config_and_the_config_over_the_default():
    settings.set_value("engine", "espeak")
    found = settings.effective(
        {"engine": None, "level": "easy", "lang": None}, {"engine": "auto", "level": "medium"}
    )
    assert found["engine"] == settings.Setting("espeak", settings.YOUR_CONFIG)
    assert found["level"] == settings.Setting("easy", settings.COMMAND_LINE)
    assert found["lang"] == settings.Setting(None, settings.DEFAULT)


def test_a_notice_is_remembered_once_given(tmp_path):
    assert not settings.said(settings.GOOGLE_NOTICE)
    settings.remember_said(settings.GOOGLE_NOTICE)
    assert settings.said(settings.GOOGLE_NOTICE)
    assert (Path(tmp_path) / "config" / "notices" / settings.GOOGLE_NOTICE).exists()
