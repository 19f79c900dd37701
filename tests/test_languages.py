"""Building in every language: the offline voice that speaks it, audible speech, exact timing, and
file names that keep a track in one language from replacing a track in another."""

from __future__ import annotations

import json

import pytest
import yaml
from audio import ANALYSIS_RATE, dbfs, decode, nearest, onsets
from click.testing import CliRunner
from conftest import SMALL_ROUTINE

from audioguide import routine
from audioguide.build import BuildOptions, build, output_path
from audioguide.cli import cli
from audioguide.compiler import compile_routine
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
    "nl": ("Kort", "Sta rechtop.", "Klaar."),
}
OFFLINE_VOICE = {
    "en": "pico",
    "de": "pico",
    "es": "pico",
    "fr": "pico",
    "it": "pico",
    "pt": "espeak",
    "nl": "espeak",
}


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


def test_a_german_title_is_spelled_out_in_ascii_by_germans_rules(tmp_path):
    german = routine.loads(tiny("de").replace("title: Kurz", "title: Rückenübungen für Füße"))
    assert output_path(german, "medium", tmp_path).name == "rueckenuebungen-fuer-fuesse.mp3"
    french = routine.loads(tiny("fr").replace("title: Court", "title: Étirements de pieds"))
    assert output_path(french, "medium", tmp_path).name == "etirements-de-pieds.mp3"


@pytest.mark.parametrize("lang", ["de", "es", "fr", "it", "pt", "nl"])
def test_a_translated_builtin_keeps_its_routine_name_with_the_language(lang, tmp_path):
    translated = routine.load_builtin(routine.localized(None, lang))
    assert output_path(translated, "medium", tmp_path, lang=lang).name == f"feet-and-back-{lang}.mp3"
    assert output_path(translated, "hard", None, lang=lang).name == f"feet-and-back-{lang}-hard.mp3"
    original = routine.load_builtin("feet-and-back")
    assert output_path(original, "medium", tmp_path, lang="en-GB").name == "feet-and-back.mp3"


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
    result = build(small_routine, BuildOptions(engine="espeak", lang="sv", output=tmp_path))
    assert result.written.mp3.name == "small-test-routine-sv.mp3"
    assert any("no phrases in 'sv' yet" in w for w in result.warnings)
    assert "the routine is written in 'en': its own text is read by a 'sv' voice" in result.warnings


def test_the_cli_takes_lang_from_the_routine_and_lets_lang_override_it(tmp_path):
    path = tmp_path / "kurz.yaml"
    path.write_text(tiny("de"), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["script", str(path)])
    assert "Fertig." in result.output and "Gehen Sie in Position." in result.output
    result = runner.invoke(cli, ["script", str(SMALL_ROUTINE), "--lang", "es"])
    assert "Colócate en posición." in result.output and "Get into position" not in result.output


def shape(loaded: routine.Routine) -> tuple:
    """Everything in a routine but its words: what a faithful translation keeps."""

    def step_shape(step):
        if isinstance(step, routine.Hold):
            return ("hold", step.duration_ms)
        if isinstance(step, routine.Reps):
            return ("reps", step.count, tuple(p.duration_ms for p in step.tempo))
        return ("say", step.pause_ms)

    exercises = tuple(
        (
            len(e.equipment), len(e.sides), bool(e.switch), bool(e.purpose), bool(e.setup), e.sets, e.rest_ms,
            e.rest_after_ms, e.cues, tuple(map(step_shape, e.steps)),
            tuple("{side}" in s.say or "{other}" in s.say for s in e.steps),
        )
        for e in loaded.exercises
    )  # fmt: skip
    return (bool(loaded.intro), bool(loaded.outro), loaded.rest_between_ms, loaded.cues, exercises)


@pytest.mark.parametrize("lang", sorted(set(TINY_TEXT) - {"en"}))
def test_the_builtin_routine_is_translated_faithfully_into_each_language(lang):
    name = routine.localized(None, lang)
    assert name == f"{routine.DEFAULT_ROUTINE}.{lang}"
    original, translated = routine.load_builtin(routine.DEFAULT_ROUTINE), routine.load_builtin(name)
    assert translated.lang == lang and original.language == "en"
    assert shape(translated) == shape(original)
    assert translated.title != original.title
    for level in routine.LEVELS:
        assert compile_routine(translated, level).events  # fits its cues at every level


def test_lang_picks_the_builtin_translation_and_list_shows_the_languages():
    assert routine.localized("feet-and-back", "pt-BR") == "feet-and-back.pt"
    assert routine.localized("feet-and-back", "en-GB") == "feet-and-back"
    assert routine.localized("feet-and-back.de", "fr") == "feet-and-back.fr"
    assert routine.localized("feet-and-back", "sv") == "feet-and-back"  # no translation: the original
    assert routine.localized("my.yaml", "de") == "my.yaml"  # a file is taken as it is
    runner = CliRunner()
    listed = runner.invoke(cli, ["list"]).output.splitlines()
    original = next(i for i, line in enumerate(listed) if line.startswith("feet-and-back: "))
    assert (
        listed[original + 1]
        == "  languages: en, de, es, fr, it, nl, pt (build --lang de, or by name: feet-and-back.de)"
    )
    script = runner.invoke(cli, ["script", "--lang", "de"]).output
    assert "Füße und Rücken." in script and "Übung eins von fünf: Zehengang." in script
    assert runner.invoke(cli, ["script", "feet-and-back.it"]).output.count("Esercizio uno di cinque") == 1


def test_translations_are_valid_routines_for_editors_too():
    from jsonschema import Draft7Validator

    from audioguide.authoring.schema import routine_schema

    validator = Draft7Validator(routine_schema())
    for name in routine.builtin_languages(routine.DEFAULT_ROUTINE).values():
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(routine.builtin_text(name)))]
        assert errors == [], (name, errors)
    assert routine.DEFAULT_ROUTINE in routine.builtin_names()
    assert not [
        n for n in routine.builtin_names() if routine.TRANSLATION_MARK in n
    ]  # listed with their original
