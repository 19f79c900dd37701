"""Building in every language: the offline voice that speaks it, audible speech, exact timing, and
file names that keep a track in one language from replacing a track in another."""

from __future__ import annotations

import json

import pytest
from audio import ANALYSIS_RATE, dbfs, decode, nearest, onsets
from click.testing import CliRunner
from conftest import SMALL_ROUTINE

from audioguide import routine
from audioguide.build import BuildOptions, build, output_path
from audioguide.cli import cli
from audioguide.cues import SPEECH, TONE

HOLD_MS = 3000
# A tiny routine per language (title, instruction, outro), so six real builds stay quick.
TINY_TEXT = {
    "en": ("Tiny", "Stand tall.", "Done."),
    "de": ("Kurz", "Stehen Sie aufrecht.", "Fertig."),
    "es": ("Corto", "Ponte recto.", "Listo."),
    "fr": ("Court", "Tenez-vous droit.", "Terminé."),
    "it": ("Breve", "Stai dritto.", "Fatto."),
    "pt": ("Curto", "Fique direito.", "Feito."),
}
OFFLINE_VOICE = {"en": "pico", "de": "pico", "es": "pico", "fr": "pico", "it": "pico", "pt": "espeak"}


def tiny(lang: str) -> str:
    title, say, outro = TINY_TEXT[lang]
    return f"""
title: {title}
lang: {lang}
outro: {outro}
cues: {{countdown: 2, get_ready: 6s}}
exercises:
  - name: {title}
    steps:
      - hold: {HOLD_MS}ms
        say: {say}
"""


@pytest.mark.parametrize("lang", sorted(TINY_TEXT))
def test_a_routine_in_each_language_is_built_by_its_offline_voice_audibly_and_on_time(lang, tmp_path):
    loaded = routine.loads(tiny(lang))
    result = build(loaded, BuildOptions(output=tmp_path))  # auto: Google is unreachable in tests
    assert result.engine == OFFLINE_VOICE[lang] and result.voice.lower().startswith(lang)
    assert result.written.mp3 == tmp_path / f"{loaded.slug}.mp3"  # the routine's own language: no suffix
    audio = decode(result.written.mp3)
    speech = [e for e in result.script.events if e.kind == SPEECH]
    for event in speech:
        part = audio[int(event.start_ms * ANALYSIS_RATE / 1000) : int(event.end_ms * ANALYSIS_RATE / 1000)]
        assert dbfs(part) > -35, (event.text, dbfs(part))  # spoken, not silence
    heard = onsets(audio, quiet_ms=30, floor_db=-55)
    late = [nearest(heard, e.start_ms) - e.start_ms for e in speech]
    assert max(map(abs, late)) <= 10, late
    start, end = (nearest(onsets(audio), e.start_ms) for e in result.script.events if e.kind == TONE)
    assert abs((end - start) - HOLD_MS) <= 10, end - start
    assert json.loads(result.written.timeline.read_text())["voice"] == result.voice


def test_another_language_than_the_routines_gets_its_own_file_name(small_routine, tmp_path):
    assert output_path(small_routine, "medium", tmp_path, lang="pt") == tmp_path / "small-test-routine-pt.mp3"
    assert output_path(small_routine, "hard", None, lang="pt-BR").name == "small-test-routine-hard-pt-br.mp3"
    assert output_path(small_routine, "medium", tmp_path, lang="en-GB").name == "small-test-routine.mp3"
    german = routine.loads(tiny("de"))
    assert output_path(german, "medium", tmp_path, lang="de-DE").name == "kurz.mp3"
    assert output_path(german, "medium", tmp_path, lang="en").name == "kurz-en.mp3"


def test_a_build_says_when_it_replaces_a_track_spoken_by_another_voice(fake_engine, tmp_path):
    loaded = routine.loads(tiny("en"))
    first = build(loaded, BuildOptions(engine="fake", output=tmp_path))
    assert not any("replaced" in w for w in first.warnings)
    again = build(loaded, BuildOptions(engine="fake", output=tmp_path))
    assert not any("replaced" in w for w in again.warnings)  # same voice: quietly rebuilt
    other = build(loaded, BuildOptions(engine="pico", lang="en-GB", output=tmp_path))
    assert other.written.mp3 == first.written.mp3
    assert (
        f"replaced {first.written.mp3}, which was spoken by fake (en), with a track spoken by pico (en-GB). "
        "Use -o to keep both"
    ) in other.warnings


def test_phrases_in_a_language_without_a_catalogue_are_english_and_the_build_says_so(small_routine, tmp_path):
    result = build(small_routine, BuildOptions(engine="espeak", lang="nl", output=tmp_path))
    assert result.written.mp3.name == "small-test-routine-nl.mp3"
    assert any("no phrases in 'nl' yet" in w for w in result.warnings)
    assert "the routine is written in 'en': its own text is read by a 'nl' voice" in result.warnings


def test_the_cli_takes_lang_from_the_routine_and_lets_lang_override_it(tmp_path):
    path = tmp_path / "kurz.yaml"
    path.write_text(tiny("de"), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["script", str(path)])
    assert "Fertig." in result.output and "Gehen Sie in die Ausgangsposition." in result.output
    result = runner.invoke(cli, ["script", str(SMALL_ROUTINE), "--lang", "es"])
    assert "Colócate en posición." in result.output and "Get into position" not in result.output
