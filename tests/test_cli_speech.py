"""The commands about voices and the cache, and build's dry run and voice options."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from fake_google import Reply
from mutagen.id3 import ID3

from audioguide import speech
from audioguide.build import BuildOptions
from audioguide.cli import cli
from audioguide.dryrun import check_google, plan
from audioguide.routine import load
from audioguide.speech import google as google_engine


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


# `voices --check` says whether Google answers now; `build --dry-run` names the voice and why.

SHORT_PROBE_S = 0.3


def gtts_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("gtts: "))


def test_voices_does_not_ask_google_unless_told_to(run, google):
    result = run("voices")
    assert result.exit_code == 0 and google.requests == []
    assert gtts_line(result.output).endswith(
        "online. usable when Google answers (ask it now: audioguide voices --check)."
    )
    assert "answers_now" not in run("voices", "--json").output and google.requests == []


def test_voices_check_says_google_answers_now(run, google):
    result = run("voices", "--check")
    assert result.exit_code == 0
    line = gtts_line(result.output)
    assert line.startswith("gtts: ") and " usable now: Google answered in " in line and line.endswith(" s.")
    assert [r.text for r in google.requests] == ["OK"], "one short question, no retry"
    entry = next(e for e in json.loads(run("voices", "--check", "--json").output) if e["name"] == "gtts")
    assert entry["answers_now"] is True and entry["not_answering_because"] is None


def test_voices_check_says_why_google_does_not_answer(run):
    # The autouse fixture points Google at a closed local port: unreachable at once.
    result = run("voices", "--check")
    assert result.exit_code == 0
    assert gtts_line(result.output).endswith("online. not usable now: could not reach Google TTS.")
    entry = next(e for e in json.loads(run("voices", "--check", "--json").output) if e["name"] == "gtts")
    assert entry["answers_now"] is False and entry["not_answering_because"] == "could not reach Google TTS"


def test_voices_check_gives_up_after_a_short_timeout(run, google, monkeypatch):
    monkeypatch.setattr(google_engine, "PROBE_TIMEOUT_S", SHORT_PROBE_S)
    google.default = Reply(delay_s=2.0)
    started = time.monotonic()
    result = run("voices", "--check")
    assert time.monotonic() - started < 1.5, "a stalled Google does not hold the listing"
    assert gtts_line(result.output).endswith(
        f"not usable now: Google TTS did not answer within {SHORT_PROBE_S:g} s."
    )
    assert len(google.requests) == 1, "no retry"


def dry_run_lines(run, *args) -> list[str]:
    result = run("build", SMALL_ROUTINE, "--dry-run", *args)
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if not line.startswith(("  ", "Settings"))]


def test_dry_run_names_google_when_it_answers_and_the_offline_fallback(run, google, tmp_path):
    lines = dry_run_lines(run, "-o", tmp_path)
    assert lines[1].startswith("Voice: gtts (en/com/normal), because Google answered just now (in ")
    assert lines[2].startswith("gtts (en/com/normal): ") and lines[2].endswith(" 0 cached")
    assert lines[3].startswith(
        "If Google fails during the build, the whole track is made again with pico (en-US): "
    )
    assert [r.text for r in google.requests] == ["OK"], "only the question auto asks, nothing synthesized"
    assert not list(tmp_path.iterdir()), "nothing written"


def test_dry_run_names_the_offline_voice_when_google_does_not_answer(run):
    lines = dry_run_lines(run)
    assert lines[1] == (
        "Voice: pico (en-US), because Google did not answer just now (could not reach Google TTS), "
        "and pico is the first offline voice that speaks en-US."
    )
    assert lines[2].startswith("pico (en-US): ")
    assert lines[3].startswith("If Google answers when the build starts, it uses gtts (en/com/normal): ")


def test_dry_run_says_why_pico_was_passed_over(run):
    lines = dry_run_lines(run, "--lang", "pt")
    assert lines[1].startswith("Voice: espeak (pt")
    assert lines[1].endswith("and espeak is the first offline voice that speaks pt (pico does not speak pt).")


def test_dry_run_says_when_google_cannot_honour_the_options(run):
    lines = dry_run_lines(run, "--rate", "1.2")
    assert lines[1] == (
        "Voice: pico (en-US/x1.2), because Google's voice has no --voice or --rate, "
        "and pico is the first offline voice that speaks en-US."
    )
    assert len(lines) == 3, "Google is no candidate: no second plan"


def test_dry_run_with_a_chosen_engine_says_so(run, fake_engine):
    lines = dry_run_lines(run, "--engine", "fake")
    assert lines[1] == "Voice: fake (en), as chosen with --engine fake." and len(lines) == 3


@pytest.mark.parametrize("answers", [True, False])
def test_the_dry_run_picks_what_the_build_picks(google, answers):
    if not answers:
        google.default = Reply(status=503)
    planned = plan(load(SMALL_ROUTINE), BuildOptions())
    assert planned.chosen.engine == speech.make_engine(speech.AUTO).name == ("gtts" if answers else "pico")
    assert check_google().answered is answers
