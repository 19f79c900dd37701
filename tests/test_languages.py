"""Building in every language: the offline voice that speaks it, audible speech, exact timing, and
file names that keep a track in one language from replacing a track in another."""

from __future__ import annotations

import dataclasses
import json
import re

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
from audioguide.estimates import upper_bound

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
@pytest.mark.parametrize("name", routine.builtin_names())
def test_a_translated_builtin_keeps_its_routine_name_with_the_language(name, lang, tmp_path):
    translated = routine.load_builtin(
        routine.localized(None if name == routine.DEFAULT_ROUTINE else name, lang)
    )
    assert output_path(translated, "medium", tmp_path, lang=lang).name == f"{name}-{lang}.mp3"
    assert output_path(translated, "hard", None, lang=lang).name == f"{name}-{lang}-hard.mp3"
    original = routine.load_builtin(name)
    assert output_path(original, "medium", tmp_path, lang="en-GB").name == f"{name}.mp3"


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


# The fields of a routine that hold words. A faithful translation changes only these, and
# keeps the placeholders in them ({side}, {duration}); every other field (counts, durations,
# sets, rests, cue settings, tempos, counting, chaining) must be the original's exactly.
WORDS = frozenset(
    {"title", "intro", "outro", "safety", "name", "purpose", "equipment", "setup", "sides", "switch", "say"}
)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
TRANSLATED = sorted(set(TINY_TEXT) - {"en"})
# Words that stay as they are in a language: a proper name, and the names the exercises go by
# in a gym there (German and Italian say "Crunches" and "Plank" too).
LOANWORDS = frozenset({"Tabata", "Crunches", "Plank"})


def words(text: str) -> tuple:
    """What a translation keeps of a text: whether there is one, and its placeholders."""
    return (bool(text), tuple(sorted(set(PLACEHOLDER.findall(text)))))


def shape(value):
    """Everything in a routine but its words: what a faithful translation keeps."""
    if isinstance(value, routine.Routine):
        phrases = tuple((key, words(str(text))) for key, text in value.phrases)
        return (_shape_fields(value, skip={"lang", "phrases"}), phrases)
    if dataclasses.is_dataclass(value):
        return _shape_fields(value)
    if isinstance(value, tuple):
        return tuple(map(shape, value))
    return value


def _shape_fields(value, skip=frozenset()) -> tuple:
    fields = [f for f in dataclasses.fields(value) if f.compare and f.name not in skip]
    return (type(value).__name__,) + tuple(
        (f.name, _words_of(getattr(value, f.name)) if f.name in WORDS else shape(getattr(value, f.name)))
        for f in fields
    )


def _words_of(value):
    return tuple(map(words, value)) if isinstance(value, tuple) else words(value)


def texts(value) -> set[str]:
    """Every text a routine speaks or shows, from its word fields and phrases."""
    if isinstance(value, routine.Routine):
        return _texts_of(value) | {text for _, text in value.phrases}
    return _texts_of(value) if dataclasses.is_dataclass(value) else set()


def _texts_of(value) -> set[str]:
    found: set[str] = set()
    for f in dataclasses.fields(value):
        item = getattr(value, f.name)
        items = item if isinstance(item, tuple) else (item,)
        for one in items:
            if f.name in WORDS and isinstance(one, str) and one:
                found.add(one)
            elif dataclasses.is_dataclass(one):
                found |= texts(one)
    return found


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("name", routine.builtin_names())
def test_every_builtin_routine_is_translated_faithfully_into_each_language(name, lang):
    version = routine.localized(name, lang)
    assert version == f"{name}.{lang}"
    original, translated = routine.load_builtin(name), routine.load_builtin(version)
    assert translated.lang == lang and original.language == "en"
    assert shape(translated) == shape(original)
    left = texts(translated) & texts(original)
    assert left <= LOANWORDS, f"English left in {version}: {sorted(left - LOANWORDS)}"
    assert translated.intro != original.intro
    assert translated.title != original.title or translated.title in LOANWORDS
    for level in routine.LEVELS:
        assert compile_routine(translated, level).events  # fits its cues at every level


def test_a_changed_number_or_a_word_left_in_english_is_not_a_faithful_translation():
    original = routine.builtin_text("tabata.de")
    assert shape(routine.loads(original)) == shape(routine.load_builtin("tabata"))
    for changed in ("sets: 8", "rest: 10s", "hold: 20s", "halfway: false", "countdown: 3"):
        number = re.sub(r"\d+|false", lambda m: "9" if m[0] != "false" else "true", changed)
        edited = routine.loads(original.replace(changed, number, 1))
        assert shape(edited) != shape(routine.load_builtin("tabata")), changed
    english = routine.loads(original.replace("Aufwärmen", "Warm-up"))
    assert "Warm-up" in texts(english) & texts(routine.load_builtin("tabata"))


# Where pico's upper bound, longer than any clip the voice has made, cannot lay out what the
# voice itself says in time (builds with the real voice fit, with no warning):
PICO_BOUND_TOO_LONG = {
    # a six- or seven-letter number word ("cuatro", "sieben", "quattro") in a counted second;
    # the build test below shows the voice says each within it
    **dict.fromkeys(
        [("box-breathing", lang) for lang in ("es", "fr", "it")]
        + [("pelvic-floor", lang) for lang in ("de", "es", "fr", "it")],
        "a count word in its second",
    ),
    ("achilles-heel-drops", "it"): 'a rep\'s number in its 2 s phase ("Sali, quattordici.")',
    **dict.fromkeys(
        [("feet-and-back", lang) for lang in ("de", "es", "fr", "it")], "a purpose in its 30 s rest"
    ),
}


def bounded(name: str, lang: str, engine: str):
    marks = ()
    if engine == "pico" and (name, lang) in PICO_BOUND_TOO_LONG:
        marks = pytest.mark.xfail(
            strict=True, reason=f"pico's bound cannot fit {PICO_BOUND_TOO_LONG[name, lang]}"
        )
    return pytest.param(name, lang, engine, marks=marks, id=f"{name}.{lang}-{engine}")


@pytest.mark.parametrize(
    ("name", "lang", "engine"),
    [
        bounded(name, lang, engine)
        for name in routine.builtin_names()
        for lang in TRANSLATED
        for engine in dict.fromkeys((OFFLINE_VOICE[lang], "espeak"))
    ],
)
def test_every_translation_validates_for_its_offline_voices_at_every_level(name, lang, engine):
    translated = routine.load_builtin(f"{name}.{lang}")
    for level in routine.LEVELS:
        warnings = compile_routine(translated, level, upper_bound(engine)).warnings
        # As for the originals (tests/test_library.py): a bound may not fit a counted phase's
        # word into its first second, where the real voice does.
        assert not [w for w in warnings if "without it" not in w], (level, warnings)


@pytest.mark.parametrize(
    "version",
    sorted(f"{name}.{lang}" for (name, lang), why in PICO_BOUND_TOO_LONG.items() if "count word" in why),
)
def test_the_real_voice_says_each_count_word_within_its_second(version, tmp_path):
    """What pico's upper bound cannot place, the voice itself does: a build lays out every
    counted second with the real clips, and any that did not fit would stop it."""
    result = build(routine.load_builtin(version), BuildOptions(engine="pico", level="easy", output=tmp_path))
    assert not result.warnings, result.warnings
    counts = [e for e in result.script.events if e.role == "count"]
    assert counts and all(e.end_ms <= e.start_ms + 1000 for e in counts)
    said = {e.text for e in result.script.events}
    counted = [p.say for p in routine.load_builtin(version).exercises[0].steps[0].tempo if p.count_seconds]
    assert counted and all(f"{word.capitalize()}." in said for word in counted)  # the word, then the count


def test_lang_picks_the_builtin_translation_and_list_shows_the_languages():
    assert routine.localized("feet-and-back", "pt-BR") == "feet-and-back.pt"
    assert routine.localized("feet-and-back", "en-GB") == "feet-and-back"
    assert routine.localized("feet-and-back.de", "fr") == "feet-and-back.fr"
    assert routine.localized("feet-and-back", "sv") == "feet-and-back"  # no translation: the original
    assert routine.localized("my.yaml", "de") == "my.yaml"  # a file is taken as it is
    assert routine.localized("box-breathing", "it") == "box-breathing.it"
    assert routine.localized("tabata.nl", "pt-BR") == "tabata.pt"
    runner = CliRunner()
    listed = runner.invoke(cli, ["list"]).output.splitlines()
    for name in routine.builtin_names():
        original = next(i for i, line in enumerate(listed) if line.startswith(f"{name}: "))
        assert (
            listed[original + 1]
            == f"  languages: en, de, es, fr, it, nl, pt (build --lang de, or by name: {name}.de)"
        ), name
    script = runner.invoke(cli, ["script", "--lang", "de"]).output
    assert "Füße und Rücken." in script and "Übung eins von fünf: Zehengang." in script
    assert runner.invoke(cli, ["script", "feet-and-back.it"]).output.count("Esercizio uno di cinque") == 1
    tabata = runner.invoke(cli, ["script", "tabata", "--lang", "fr"]).output
    assert "Échauffement" in tabata and "Série un sur huit." in tabata and "Warm-up" not in tabata


def test_translations_are_valid_routines_for_editors_too():
    from jsonschema import Draft7Validator

    from audioguide.authoring.schema import routine_schema

    validator = Draft7Validator(routine_schema())
    versions = [v for name in routine.builtin_names() for v in routine.builtin_languages(name).values()]
    assert len(versions) == 7 * len(routine.builtin_names())
    for name in versions:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(routine.builtin_text(name)))]
        assert errors == [], (name, errors)
    assert routine.DEFAULT_ROUTINE in routine.builtin_names()
    assert not [
        n for n in routine.builtin_names() if routine.TRANSLATION_MARK in n
    ]  # listed with their original


# Every translation at every level, built with its offline voice and heard on the decoded MP3.
# The default run builds each language once (a different built-in and level for each, so
# every built-in and every level is heard); `pytest -m slow` builds the whole matrix.
MATRIX = [
    (name, lang, level)
    for name in routine.builtin_names()
    for lang in TRANSLATED
    for level in routine.LEVELS
]
SAMPLED = {
    (name, lang, routine.LEVELS[i % len(routine.LEVELS)])
    for i, (name, lang) in enumerate(zip(routine.builtin_names() * 2, TRANSLATED, strict=False))
}


@pytest.fixture(scope="module")
def translated_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("phrases")


@pytest.mark.parametrize(
    ("name", "lang", "level"),
    [pytest.param(*case, marks=() if case in SAMPLED else pytest.mark.slow) for case in MATRIX],
)
def test_every_translated_builtin_keeps_every_tone_on_the_decoded_mp3(
    name, lang, level, translated_cache, tmp_path, monkeypatch
):
    monkeypatch.setenv("AUDIOGUIDE_CACHE_DIR", str(translated_cache))
    version = routine.load_builtin(f"{name}.{lang}")
    result = build(version, BuildOptions(engine=OFFLINE_VOICE[lang], level=level, output=tmp_path))
    heard = onsets(decode(result.written.mp3))
    tones = [e for e in result.script.events if e.kind == TONE]
    assert max(abs(nearest(heard, e.start_ms) - e.start_ms) for e in tones) <= 10
