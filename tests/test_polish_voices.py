"""`voices --check` says whether Google answers now; `build --dry-run` names the voice and why."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from fake_google import Reply

from audioguide import speech
from audioguide.build import BuildOptions
from audioguide.cli import cli
from audioguide.dryrun import check_google, plan
from audioguide.routine import load
from audioguide.speech import google as google_engine

SHORT_PROBE_S = 0.3


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


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
