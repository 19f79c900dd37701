"""Offline voices in several languages, measured as speech; Piper with a tiny test model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audioguide import speech
from audioguide.errors import SpeechError
from audioguide.speech import clips, piper

COUNTDOWN = {
    "en": "One, two, three, four. Rest now.",
    "de": "Eins, zwei, drei, vier. Jetzt Pause.",
    "es": "Uno, dos, tres, cuatro. Descansa ahora.",
}
FRAME_MS = 20


def frames(audio) -> np.ndarray:
    """The clip cut in 20 ms frames of float samples."""
    data = np.array(audio.get_array_of_samples(), dtype=np.float64) / 32768.0
    size = audio.frame_rate * FRAME_MS // 1000
    return data[: len(data) // size * size].reshape(-1, size)


def bursts(audio, below_peak_db: float = 20.0, min_gap_frames: int = 3) -> int:
    """Separate stretches of sound (words, syllables), parted by at least 60 ms of quiet."""
    level = 20 * np.log10(np.maximum(np.sqrt(np.mean(frames(audio) ** 2, axis=1)), 1e-9))
    loud = level > level.max() - below_peak_db
    count, quiet = 0, min_gap_frames
    for is_loud in loud:
        if is_loud and quiet >= min_gap_frames:
            count += 1
        quiet = 0 if is_loud else quiet + 1
    return count


def spectral_spread(audio) -> float:
    """How much the dominant frequency moves between loud frames: speech moves, a tone does not."""
    loud = [f for f in frames(audio) if np.sqrt(np.mean(f**2)) > 0.02]
    centroids = []
    for frame in loud:
        spectrum = np.abs(np.fft.rfft(frame * np.hanning(len(frame))))
        bins = np.fft.rfftfreq(len(frame), 1 / audio.frame_rate)
        centroids.append(float((spectrum * bins).sum() / max(spectrum.sum(), 1e-9)))
    return float(np.std(centroids))


def assert_speech(audio, words: int) -> None:
    conditioned = clips.condition(audio)
    seconds = len(conditioned) / 1000
    assert 0.25 * words < seconds < 1.2 * words, f"{seconds:.2f} s for {words} words"
    # Levelled to the common loudness, unless the peak ceiling holds a peaky voice a little under.
    assert -2.5 < clips.loudness_lufs(conditioned) - clips.CLIP_LUFS < 1.0
    assert clips.true_peak_dbfs(conditioned) <= clips.TRUE_PEAK_CEILING_DBFS + 0.1
    assert bursts(conditioned) >= words - 2, "separate words are heard"
    assert spectral_spread(conditioned) > 150, "the sound changes like a voice, not a steady tone"


@pytest.mark.parametrize("lang", ["en", "de", "es"])
@pytest.mark.parametrize("engine", ["espeak", "pico"])
def test_offline_voices_speak_english_german_and_spanish(engine, lang):
    voice = speech.make_engine(engine, lang)
    assert voice.lang.lower().startswith(lang)
    assert_speech(voice.synthesize(COUNTDOWN[lang]), words=len(COUNTDOWN[lang].split()))


def test_a_steady_tone_is_not_taken_for_speech(fake_engine):
    """The measures above are honest: the fake engine's tone fails them."""
    with pytest.raises(AssertionError):
        assert_speech(fake_engine("en").synthesize(COUNTDOWN["en"]), words=6)


def test_languages_sound_different():
    english = frames(speech.make_engine("espeak", "en").synthesize("one two three"))
    german = frames(speech.make_engine("espeak", "de").synthesize("one two three"))
    assert english.shape != german.shape or not np.allclose(english, german)


def test_rate_changes_the_speed_of_espeak_and_pico():
    for name in ("espeak", "pico"):
        normal, fast = (
            len(clips.condition(speech.make_engine(name, "en", speed=speed).synthesize(COUNTDOWN["en"])))
            for speed in (1.0, 1.5)
        )
        assert fast < 0.8 * normal, (name, fast, normal)  # the speech itself, without its padding


def test_voice_and_rate_are_part_of_the_cache_key():
    ids = {
        speech.make_engine("espeak", "en").voice_id,
        speech.make_engine("espeak", "en", speed=1.2).voice_id,
        speech.make_engine("espeak", "en", voice="en-us+f3").voice_id,
        speech.make_engine("pico", "en", speed=1.2).voice_id,
        speech.make_engine("pico", "en").voice_id,
    }
    assert len(ids) == 5
    com, uk = (speech.make_engine("gtts", "en", tld=tld).voice_id for tld in ("com", "co.uk"))
    assert com != uk


def test_auto_offline_picks_pico_where_it_can_else_espeak():
    assert speech.make_engine("auto", "de").name == "pico"
    assert speech.make_engine("auto", "pt").name == "espeak"
    assert speech.make_engine("auto", "pt").lang == "pt"
    with pytest.raises(SpeechError, match="no offline voice speaks 'tlh'"):
        speech.make_engine("auto", "tlh")


def test_options_an_engine_cannot_honour_are_errors():
    with pytest.raises(SpeechError, match="the gtts engine has no --rate option"):
        speech.make_engine("gtts", "en", speed=1.3)
    with pytest.raises(SpeechError, match="the pico engine has no --voice option"):
        speech.make_engine("pico", "en", voice="en-us+f3")


def test_espeak_names_a_missing_voice():
    with pytest.raises(SpeechError, match="espeak-ng has no voice 'xx-nowhere'"):
        speech.make_engine("espeak", "en", voice="xx-nowhere").synthesize("hello")


def test_catalog_lists_every_engine_and_its_state():
    engines = {e.name: e for e in speech.catalog()}
    assert {"gtts", "pico", "espeak", "piper"} <= set(engines)
    assert engines["espeak"].unavailable is None and len(engines["espeak"].languages) > 100
    assert "de-DE" in engines["pico"].languages and engines["gtts"].online


# --- Piper, with a tiny model that has Piper's inputs and outputs -------------------------


@pytest.fixture(scope="module")
def tiny_voice(tmp_path_factory):
    pytest.importorskip("piper", reason="the [piper] extra is not installed")
    pytest.importorskip("onnx", reason="building the test model needs onnx")
    import tiny_piper

    return tiny_piper.build(tmp_path_factory.mktemp("piper"))


def test_piper_speaks_through_the_model(tiny_voice):
    import tiny_piper

    engine = speech.make_engine("piper", voice=str(tiny_voice))
    short, long = engine.synthesize("Hold."), engine.synthesize("Hold for twenty seconds, then rest.")
    assert engine.lang == "en-US" and short.frame_rate == tiny_piper.RATE
    assert len(long) > 3 * len(short), "the audio follows the text's phonemes"
    assert clips.condition(long).dBFS > -30


def test_piper_rate_is_its_length_scale(tiny_voice):
    normal = speech.make_engine("piper", voice=str(tiny_voice)).synthesize("Round two of five.")
    slow = speech.make_engine("piper", voice=str(tiny_voice), speed=0.5).synthesize("Round two of five.")
    assert abs(len(slow) / len(normal) - 2.0) < 0.05


def test_piper_finds_downloaded_voices_by_name(tiny_voice, monkeypatch):
    monkeypatch.setenv("AUDIOGUIDE_PIPER_VOICES", str(tiny_voice.parent))
    engine = speech.make_engine("piper")
    assert engine.model == tiny_voice and "en_US-tiny-x_low" in engine.voice_id
    assert speech.engine_class("piper").language_list() == ("en-US",)


def test_piper_errors_say_what_to_do(tiny_voice, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOGUIDE_PIPER_VOICES", str(tmp_path / "none"))
    monkeypatch.setattr("audioguide.speech.piper._package_models", lambda: ())  # no voice packages either
    with pytest.raises(SpeechError, match="needs a voice: --voice path/to/NAME.onnx"):
        speech.make_engine("piper")
    with pytest.raises(SpeechError, match="speaks en-US, not 'de'"):
        speech.make_engine("piper", "de", voice=str(tiny_voice))
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    broken.with_suffix(".onnx.json").write_text(tiny_voice.with_suffix(".onnx.json").read_text())
    with pytest.raises(SpeechError, match="did not load.*damaged or incomplete download"):
        speech.make_engine("piper", voice=str(broken)).synthesize("Hold.")


@pytest.mark.parametrize(
    "config",
    [
        b"",
        b"{",
        b"[]",
        b'{"language": 5}',
        b'{"espeak": {}}',
        b"\xff\xfe not utf-8",
        b'{"language": {"code": " "}}',
    ],
)
def test_a_damaged_piper_config_is_a_clear_error(tiny_voice, tmp_path, config):
    model = tmp_path / "damaged.onnx"
    model.write_bytes(tiny_voice.read_bytes())
    Path(f"{model}.json").write_bytes(config)
    with pytest.raises(SpeechError, match="damaged.onnx.json.*fetch the voice again"):
        speech.make_engine("piper", voice=str(model))


@pytest.mark.parametrize("name", ["en_US", "../../etc-x-y", "en_US-\udcff-medium", "en_US-a b-medium"])
def test_a_piper_voice_name_is_checked_before_any_download(name, monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(SpeechError, match="is not a Piper voice name"):
        piper.download(name)


def test_piper_without_the_extra_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "piper", None)  # as if piper-tts were not installed
    with pytest.raises(SpeechError, match=r"pip install -e '\.\[piper\]' in audioguide's folder"):
        speech.make_engine("piper", voice="x.onnx")
