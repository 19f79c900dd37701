"""The phrasebook: every catalogue complete, numbers and plurals per language, no English left over."""

from __future__ import annotations

import re
import string
from importlib import resources

import pytest
import yaml
from babel import Locale
from num2words import num2words

from audioguide import routine
from audioguide.compiler import compile_routine
from audioguide.cues import SPEECH
from audioguide.errors import RoutineError, TimingError
from audioguide.phrases import EXACT, LIVE_KEYS, NUMBER_FORMS, OTHER, Phrasebook, languages, phrasebook
from audioguide.phrases.template import FORMS, Field, parse
from audioguide.speech.text import prepare, preparers

LANGUAGES = ("en", "de", "es", "fr", "it", "nl", "pt")
OTHERS = LANGUAGES[1:]
PLACEHOLDER = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")

# A routine whose own words are in no language: what a script says beyond them is the tool's.
NEUTRAL = """
title: Lorem
lang: {lang}
rest_between: 20s
exercises:
  - name: Ipsum
    equipment: [Dolor, Sit]
    sets: 2
    rest: 30s
    rest_after: 1m30s
    steps:
      - hold: 40s
        say: Amet.
      - reps: 3
        say: Consectetur.
        tempo: [{{say: ut, for: 2s}}, {{say: vel, for: 2s}}]
  - name: Adipiscing
    equipment: Elit
    sides: [dextra, sinistra]
    sets: 2
    rest: 12500ms
    steps:
      - hold: 5s
        say: Sed.
"""
# The same for circuits, rests that differ per set or are too short to name, and counting.
NEUTRAL_COUNTING = """
title: Lorem
lang: {lang}
rest_between: 10s
exercises:
  - circuit: Circa
    rounds: 2
    rest: 30s
    exercises:
      - name: Ipsum
        steps: [{{hold: 30s, say: Amet.}}]
      - name: Dolor
        steps: [{{hold: 30s, say: Sed.}}]
  - name: Adipiscing
    sets: 3
    rest: [30s, 5s]
    steps:
      - reps: 3
        count: numbers
        say: Consectetur.
        tempo: [{{say: ut, for: 2s}}]
  - name: Elit
    steps:
      - hold: 5s
        count: seconds
        say: Vel.
  - name: Tellus
    steps:
      - {{hold: 20s, say: Nunc., then: continue}}
      - {{hold: 20s, say: Nisi.}}
      - reps: 2
        say: Augue.
        tempo: [{{say: inspira, for: 3s, count: seconds}}, {{say: exspira, for: 3s}}]
"""
NEUTRAL_TEXTS = {"Lorem.", "Amet.", "Consectetur.", "Vel.", "Sed.", "Nunc.", "Nisi.", "Augue.", "Inspira."}


def catalogue(lang: str) -> dict:
    return yaml.safe_load(resources.files("audioguide.phrases").joinpath(f"{lang}.yaml").read_text("utf-8"))


def fields(template: str) -> set[str]:
    return {m[1] for m in PLACEHOLDER.finditer(template)}


def forms_of(value) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]


def test_the_languages_are_the_catalogues_english_first():
    assert languages() == LANGUAGES


@pytest.mark.parametrize("lang", OTHERS)
def test_every_catalogue_has_every_key_with_the_same_placeholders(lang):
    english, translated = catalogue("en"), catalogue(lang)
    assert set(translated) == set(english), set(english) ^ set(translated)
    for key, value in english.items():
        if key == NUMBER_FORMS:
            continue
        wanted = set().union(*map(fields, forms_of(value)))
        theirs = forms_of(translated[key])
        assert all(fields(form) <= wanted for form in theirs), (key, translated[key])
        other = translated[key][OTHER] if isinstance(translated[key], dict) else translated[key]
        assert fields(other) == wanted, (key, other)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_forms_are_the_languages_cldr_categories_and_number_forms_exist(lang):
    entries = catalogue(lang)
    categories = set(Locale.parse(lang).plural_form.tags) | {OTHER}
    for key, value in entries.items():
        if key == NUMBER_FORMS or not isinstance(value, dict):
            continue
        assert OTHER in value, key
        assert all(f in categories or re.fullmatch(rf"{EXACT}\d+", f) for f in value), (key, value)
    named = {spec for value in entries.values() for form in forms_of(value) if isinstance(form, str)
             for _, spec in PLACEHOLDER.findall(form) if spec}  # fmt: skip
    assert named <= set(entries[NUMBER_FORMS]) | {"ordinal", "capital"}, named
    for template in (f for v in entries.values() for f in forms_of(v) if isinstance(f, str)):
        string.Formatter().parse(template)  # well-formed braces


def test_numbers_come_from_num2words_in_each_language():
    for lang in LANGUAGES:
        assert phrasebook(lang).number(37) == num2words(37, lang=lang)
    assert phrasebook("de").words("countdown", n=1) == "eins"
    assert phrasebook("en").number(2, "ordinal") == "second"


@pytest.mark.parametrize(
    ("lang", "ms", "spoken"),
    [
        ("en", 1000, "one second"),
        ("en", 90_000, "one minute thirty seconds"),
        ("en", 12_500, "twelve and a half seconds"),
        ("de", 1000, "eine Sekunde"),
        ("de", 60_000, "eine Minute"),
        ("de", 1500, "anderthalb Sekunden"),
        ("de", 12_500, "zwölfeinhalb Sekunden"),
        ("de", 90_000, "eine Minute und dreißig Sekunden"),
        ("es", 21_000, "veintiún segundos"),
        ("es", 60_000, "un minuto"),
        ("fr", 21_000, "vingt et une secondes"),
        ("fr", 1500, "une seconde et demie"),
        ("it", 1000, "un secondo"),
        ("it", 500, "mezzo secondo"),
        ("pt", 2000, "dois segundos"),
        ("pt", 90_000, "um minuto e trinta segundos"),
    ],
)
def test_durations_agree_with_their_nouns(lang, ms, spoken):
    assert phrasebook(lang).duration(ms) == spoken


def test_plural_categories_follow_cldr():
    # French and Portuguese put 0 with 1; English and German do not.
    assert phrasebook("fr").words("exercises", n=0) == "zéro exercice"
    assert phrasebook("en").words("exercises", n=0) == "zero exercises"
    assert phrasebook("pt").words("rounds_count", n=2) == "duas séries"
    assert phrasebook("pt").words("rounds_count", n=21) == "vinte e uma séries"
    assert phrasebook("de").words("rounds_count", n=1) == "ein Durchgang"


def test_a_language_without_a_catalogue_gets_english_phrases_and_keeps_its_digits():
    assert phrasebook("sv").lang == "en"
    assert prepare("Hold 20s", preparers("sv")) == "Hold 20s"
    assert prepare("Halten Sie 20s, dann 3 Mal", preparers("de-DE")) == (
        "Halten Sie zwanzig Sekunden, dann drei Mal"
    )
    assert prepare("Hold 20s", preparers("en-US")) == "Hold twenty seconds"


def english_tool_fragments(lang: str) -> set[str]:
    """Literal English from en.yaml that the catalogue for `lang` does not share."""
    english, translated = catalogue("en"), catalogue(lang)
    theirs = " ".join(f for v in translated.values() for f in forms_of(v) if isinstance(f, str)).lower()
    found = set()
    for value in english.values():
        for form in forms_of(value):
            if not isinstance(form, str):
                continue
            for piece in PLACEHOLDER.split(form)[::3]:
                piece = piece.strip(" .,:'")
                if len(piece) >= 3 and not re.search(rf"\b{re.escape(piece.lower())}\b", theirs):
                    found.add(piece)
    numbers = {w for n in range(0, 101) for w in re.split(r"[- ]", num2words(n, lang="en"))}
    own = {w for n in range(0, 101) for w in re.split(r"[- ]", num2words(n, lang=lang))}
    return found | {w for w in numbers - own if len(w) >= 3 and not re.search(rf"\b{w}\b", theirs)}


@pytest.mark.parametrize("lang", OTHERS)
def test_circuits_and_counting_in_another_language_have_no_english_tool_phrase(lang):
    script = compile_routine(routine.loads(NEUTRAL_COUNTING.format(lang=lang)), "medium")
    spoken = "\n".join(
        [e.text for e in script.events if e.kind == SPEECH] + [c.title for c in script.chapters]
    )
    leftovers = [f for f in english_tool_fragments(lang) if re.search(rf"\b{re.escape(f)}\b", spoken, re.I)]
    assert leftovers == [], leftovers
    assert any(c.title.endswith(" 2") and c.title.startswith("Ipsum, ") for c in script.chapters)


@pytest.mark.parametrize("lang", OTHERS)
def test_a_script_in_another_language_has_no_english_tool_phrase(lang):
    script = compile_routine(routine.loads(NEUTRAL.format(lang=lang)), "medium")
    english = compile_routine(routine.loads(NEUTRAL.format(lang="en")), "medium")
    texts = [e.text for e in script.events if e.kind == SPEECH] + [c.title for c in script.chapters]
    spoken = "\n".join(texts)
    leftovers = [f for f in english_tool_fragments(lang) if re.search(rf"\b{re.escape(f)}\b", spoken, re.I)]
    assert leftovers == [], leftovers
    # The same cues in the same places, each tool phrase in its own words.
    assert len(script.events) == len(english.events)
    assert [e.role for e in script.events] == [e.role for e in english.events]
    tool = [(a.text, b.text) for a, b in zip(script.events, english.events, strict=True) if a.kind == SPEECH]
    assert {a for a, b in tool if a == b} <= NEUTRAL_TEXTS  # only the routine's own words agree


def test_the_neutral_routine_reaches_every_phrase(monkeypatch):
    """The check above is only as good as its coverage: the routine makes the tool say every key."""
    used: set[str] = set()
    original = Phrasebook.words

    def spy(self, key, /, **values):
        used.add(key)
        return original(self, key, **values)

    monkeypatch.setattr(Phrasebook, "words", spy)
    for text in (NEUTRAL, NEUTRAL_COUNTING):
        compile_routine(routine.loads(text.format(lang="en")), "medium")
    assert set(catalogue("en")) - used == {NUMBER_FORMS, "and", "list_separator", *LIVE_KEYS}


def test_a_routine_in_german_is_spoken_in_german():
    loaded = routine.loads(NEUTRAL.format(lang="de"))
    assert loaded.lang == "de"
    texts = [e.text for e in compile_routine(loaded, "medium").events if e.kind == SPEECH]
    assert texts[:3] == ["Lorem.", "Zwei Übungen, etwa fünf Minuten.", "Übung eins von zwei: Ipsum."]
    assert "Sie brauchen Dolor und Sit." in texts and "Sie brauchen Elit." in texts
    assert (
        "Wechseln Sie die Seite: sinistra." in texts
        and texts[-1] == "Das war das ganze Programm. Gut gemacht."
    )
    assert "Zwölfeinhalb Sekunden Pause." in texts and "Eine Minute und dreißig Sekunden Pause." in texts
    # --lang overrides the routine's language.
    french = [e.text for e in compile_routine(loaded, "medium", lang="fr").events if e.kind == SPEECH]
    assert french[-1] == "C'est la fin de la séance. Bravo."


def test_the_lang_key_is_checked_where_it_stands():
    with pytest.raises(RoutineError) as info:
        routine.loads(NEUTRAL.format(lang="Deutsch!"), source="r.yaml")
    assert 'r.yaml:3: lang: must be a language code like en, de or pt-BR, got "Deutsch!"' in str(info.value)
    assert routine.loads(NEUTRAL.format(lang="pt-BR")).lang == "pt-BR"
    assert routine.loads(NEUTRAL.replace("lang: {lang}\n", "").format()).language == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_routines_own_phrases_override_its_languages_phrasebook(lang):
    text = NEUTRAL.format(lang=lang) + "phrases:\n  get_ready: Pronto.\n  round: '{n:ordinal} / {total}.'\n"
    script = compile_routine(routine.loads(text), "medium")
    texts = [e.text for e in script.events if e.kind == SPEECH]
    assert "Pronto." in texts
    second = phrasebook(lang).number(2, "ordinal")
    assert f"{second[:1].upper()}{second[1:]} / {phrasebook(lang).number(2)}." in texts
    # The rest of the tool's words stay in the routine's language.
    assert phrasebook(lang).say("halfway") in texts


def test_an_unknown_placeholder_in_a_phrase_override_is_a_located_error():
    text = NEUTRAL.format(lang="de") + "phrases:\n  rest: '{dauer} Pause.'\n"
    with pytest.raises(
        RoutineError, match=r"phrases.rest: '\{dauer\}' is not known here; allowed: \{duration\}"
    ):
        routine.loads(text)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{name:1500000000}", r"'\{name:1500000000\}' asks for a form audioguide does not know"),
        ("{name:99999}", r"'\{name:99999\}' asks for a form audioguide does not know"),
        (
            "{name:x}",
            r".\{name:x\}. asks for a form audioguide does not know; write \{name\}, or one of the forms",
        ),
        ("{name", r"'\{' at character 1 is never closed"),
        ("Next }", r"'\}' at character 6 closes no placeholder; write \}\} for a brace"),
        ("{name:{n}}", r"'\{name:\{n\}' holds another '\{'; placeholders cannot be nested"),
        ("{name.__class__}", r"'\{name.__class__\}' is not a placeholder"),
        ("{name[0]}", r"'\{name\[0\]\}' is not a placeholder"),
        ("{0}", r"'\{0\}' is not a placeholder"),
        ("{name!r}", r"'\{name!r\}' is not a placeholder"),
        ("{}", r"'\{\}' is not a placeholder"),
    ],
)
def test_a_phrase_override_is_in_the_tools_placeholder_language_only(value, message):
    text = NEUTRAL.format(lang="en") + f"phrases:\n  get_ready: Go.\n  next: '{value}'\n"
    with pytest.raises(RoutineError, match=rf"^r\.yaml:27: phrases\.next: {message}"):
        routine.loads(text, source="r.yaml")


def test_the_placeholder_language_has_every_form_the_catalogues_use_and_escaped_braces():
    for lang in LANGUAGES:
        for value in catalogue(lang).values():
            for form in forms_of(value):
                if isinstance(form, str):
                    assert parse(form).source == form
    used = {f.form for lang in LANGUAGES for v in catalogue(lang).values() for t in forms_of(v)
            if isinstance(t, str) for f in parse(t).parts if isinstance(f, Field) and f.form}  # fmt: skip
    assert used | {"ordinal"} <= set(FORMS)
    text = NEUTRAL.format(lang="en") + "phrases:\n  next: '{{name}}: {name:capital}, {name:ordinal}.'\n"
    texts = [e.text for e in compile_routine(routine.loads(text), "medium").events if e.kind == SPEECH]
    assert "{name}: Adipiscing, Adipiscing." in texts


def test_a_phrase_filled_past_the_limit_is_a_located_error():
    title = "Lorem ipsum " * 50
    text = NEUTRAL.format(lang="en").replace("title: Lorem", f"title: {title}")
    text += "phrases:\n  title: '{title} {title} {title} {title}'\n"
    with pytest.raises(TimingError, match=r"^r\.yaml:25: phrases: a phrase would be 2,3\d\d characters long"):
        compile_routine(routine.loads(text, source="r.yaml"), "medium")
