"""The commands about voices and the cache, and build's dry run and voice options."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from mutagen.id3 import ID3

from audioguide.cli import cli


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_voices_lists_engines_usability_and_languages(run):
    result = run("voices")
    assert result.exit_code == 0
    assert "pico: SVOX Pico, offline. usable." in result.output
    assert "  languages: en-US, en-GB, de-DE, es-ES, fr-FR, it-IT" in result.output
    assert "gtts: " in result.output and "usable when Google answers" in result.output
    engines = {e["name"]: e for e in json.loads(run("voices", "--json").output)}
    assert engines["espeak"]["usable"] and "pt" in engines["espeak"]["languages"]
    assert engines["gtts"]["online"] and not engines["gtts"]["rate"]


def test_dry_run_lists_cached_and_new_phrases_and_synthesizes_nothing(run, fake_engine, tmp_path):
    before = run("build", SMALL_ROUTINE, "--engine", "fake", "--dry-run", "-o", tmp_path)
    assert before.exit_code == 0 and fake_engine.calls == [] and not list(tmp_path.glob("*.mp3"))
    first = before.output.splitlines()
    assert first[0].startswith("Dry run: ") and first[2].startswith("fake (en): ")
    assert "  synthesize  Small test routine." in first and " 0 cached" in first[2]
    run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path)
    after = run("build", SMALL_ROUTINE, "--engine", "fake", "--dry-run", "-o", tmp_path).output
    assert "  cached      Small test routine." in after.splitlines()


def test_dry_run_under_auto_shows_the_offline_voice_and_google_had_it_answered(run):
    lines = run("build", SMALL_ROUTINE, "--dry-run", "--lang", "de").output.splitlines()
    plans = [line.split(": ")[0] for line in lines if not line.startswith(("  ", "Dry", "Voice", "Settings"))]
    assert plans == ["pico (de-DE)", "If Google answers when the build starts, it uses gtts (de/com/normal)"]


def test_cache_commands(run, fake_engine, tmp_path):
    cache = tmp_path / "c"
    run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path, "--cache-dir", cache)
    info = json.loads(run("cache", "info", "--json", "--cache-dir", cache).output)
    assert info["path"] == str(cache) and info["entries"] > 5
    assert info["by_engine"]["fake"]["entries"] == info["entries"]
    text = run("cache", "info", "--cache-dir", cache).output
    assert text.startswith(f"{cache}: {info['entries']} phrases, ") and "  fake: " in text
    assert run("cache", "prune", "--older-than", "90d", "--cache-dir", cache).output == (
        "Removed 0 phrases, 0 bytes.\n"
    )
    assert run("cache", "prune", "--max-size", "1kB", "--cache-dir", cache).output.startswith(
        f"Removed {info['entries']} phrases"
    )
    assert run("cache", "prune", "--cache-dir", cache).exit_code == 2
    assert run("cache", "prune", "--max-size", "lots", "--cache-dir", cache).exit_code == 2
    assert run("cache", "clear", "--cache-dir", cache).output == "Removed 0 phrases, 0 bytes.\n"


def test_build_in_a_language_pico_lacks_uses_espeak(run, tmp_path):
    result = run("build", SMALL_ROUTINE, "--lang", "pt", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert "with voice espeak (pt/pt/x1)" in result.output
    # The routine is English: the Portuguese track is named so, beside the English one.
    assert "espeak" in str(ID3(tmp_path / "small-test-routine-pt.mp3").getall("COMM"))


def test_voice_options_the_engine_lacks_are_errors(run, tmp_path):
    result = run("build", SMALL_ROUTINE, "--engine", "gtts", "--rate", "1.2", "-o", tmp_path)
    assert result.exit_code == 1
    assert result.output.startswith("error: the gtts engine has no --rate option. Use an engine")
    assert run("build", "--jobs", "0").exit_code == 2 and run("build", "--rate", "5").exit_code == 2


@pytest.mark.parametrize("command", [["voices"], ["voices", "download"], ["cache"], ["cache", "prune"]])
def test_new_commands_have_help(run, command):
    result = run(*command, "--help")
    assert result.exit_code == 0 and len(result.output.splitlines()) > 3


def test_voices_download_fails_clearly_offline(run, monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIOGUIDE_PIPER_VOICES", str(tmp_path))

    def offline(*args, **kwargs):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    result = run("voices", "download", "en_US-lessac-medium")
    assert result.exit_code == 1 and result.output.startswith(
        "error: could not download the Piper voice en_US-lessac-medium: "
    )
    assert "Probable cause: no internet connection" in result.output and not list(tmp_path.iterdir())
    assert "is not a Piper voice name" in run("voices", "download", "lessac").output
