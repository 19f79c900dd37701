"""Text is data, never markup: no routine text can drive a speech engine, for any engine."""

from __future__ import annotations

import pytest

from audioguide import speech
from audioguide.speech import PhraseCache, Voice
from audioguide.speech.text import ENGINE_ESCAPES, for_engine, prepare

# Markup each engine (or one like it) would obey: Pico's tags, SSML, Piper/eSpeak phonemes.
HOSTILE = (
    'Lift <genfile file="{wav}">your heel</genfile> now',
    '<speed level="400">one two three four five six seven eight nine ten</speed>',
    '<play file="/etc/passwd"/> and <break time="9s"/> rest',
    "say [[ h ə l oʊ ]] slowly &amp; <voice name='x'>",
    "bad \ud800 surrogate \x00\x07 and \ue000 private",
)
MARKUP = set("<>[]&") | {"\ud800", "\x00", "\x07", "\ue000"}


def test_every_built_in_engine_has_its_own_escapes():
    built_in = {"pico", "espeak", "piper", "gtts"}
    assert built_in <= set(speech.ENGINES) and built_in <= set(ENGINE_ESCAPES)


@pytest.mark.parametrize("engine", ["pico", "espeak", "piper", "gtts", "some-plugin"])
def test_engine_text_has_no_markup_left(engine, tmp_path):
    for hostile in HOSTILE:
        plain = for_engine(engine, prepare(hostile.format(wav=tmp_path / "x.wav")))
        if engine == "gtts":  # Google reads no markup: angle brackets are only unspeakable there
            assert not {"\ud800", "\x00", "\x07", "\ue000"} & set(plain)
        else:
            assert not MARKUP & set(plain), plain
        plain.encode("utf-8")  # every engine needs UTF-8


def test_pico_never_writes_a_file_the_text_names(tmp_path):
    engine = speech.make_engine("pico")
    target = tmp_path / "memo.wav"
    target.write_bytes(b"my voice memo")
    audio = engine.synthesize(HOSTILE[0].format(wav=target))
    assert target.read_bytes() == b"my voice memo"
    assert len(audio) > 500, "the words are spoken, tags and all, as plain text"
    new = tmp_path / "new.wav"
    speech.make_engine("pico", speed=1.2).synthesize(HOSTILE[0].format(wav=new))
    assert not new.exists()


def test_pico_obeys_no_speed_tag_in_the_text():
    engine = speech.make_engine("pico")
    words = "one two three four five six seven eight nine ten"
    plain = engine.synthesize(words)
    tagged = engine.synthesize(HOSTILE[1])
    assert len(tagged) > 0.9 * len(plain), "a <speed> tag in the text must not speed the voice up"


def test_espeak_receives_plain_text(monkeypatch):
    from audioguide.speech import espeak

    seen: list[str] = []
    library = espeak.library()
    real = library.speak
    monkeypatch.setattr(library, "speak", lambda text, *a: seen.append(text) or real(text, *a))
    engine = speech.make_engine("espeak")
    for hostile in HOSTILE:
        engine.synthesize(hostile.format(wav="x.wav"))
    assert seen and all(not MARKUP & set(text) for text in seen)


def test_piper_receives_no_phoneme_blocks(tmp_path_factory, monkeypatch):
    pytest.importorskip("piper", reason="the [piper] extra is not installed")
    pytest.importorskip("onnx", reason="building the test model needs onnx")
    import tiny_piper
    from piper import PiperVoice

    model = tiny_piper.build(tmp_path_factory.mktemp("piper"))
    seen: list[str] = []
    real = PiperVoice.phonemize
    monkeypatch.setattr(PiperVoice, "phonemize", lambda self, text: seen.append(text) or real(self, text))
    speech.make_engine("piper", voice=str(model)).synthesize(HOSTILE[3])
    assert seen and all("[" not in text and "<" not in text for text in seen)


def test_google_is_sent_no_unspeakable_characters(google):
    speech.make_engine("gtts").synthesize(HOSTILE[4])
    assert google.requests and "\ud800" not in google.requests[0].text
    assert "\x00" not in google.requests[0].text


def test_a_lone_surrogate_is_a_phrase_like_any_other(fake_engine, tmp_path):
    engine = speech.make_engine("fake")
    voice = Voice(engine, PhraseCache(tmp_path / "cache"), 44_100)
    voice.load(["Hold \ud800 still", "Hold still"])
    assert voice.key("Hold \ud800 still") == voice.key("Hold still")
    assert voice.duration_ms("Hold \ud800 still") > 0
