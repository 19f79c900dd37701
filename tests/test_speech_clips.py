"""Clip conditioning: trimming on the samples as pydub measured silence, and the limiter's shortcuts."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from pydub import AudioSegment
from pydub.silence import detect_leading_silence

from audioguide import speech
from audioguide.speech import clips
from audioguide.speech import voice as voices
from audioguide.speech.text import prepare


def pydub_trim(audio: AudioSegment) -> AudioSegment:
    """The trim as it was made through pydub, chunk by chunk: the reference for the one on samples."""
    if audio.rms == 0:
        return audio[:0]
    threshold = audio.max_dBFS - clips.SILENCE_BELOW_PEAK_DB
    lead = detect_leading_silence(audio, threshold, clips.TRIM_CHUNK_MS)
    tail = detect_leading_silence(audio.reverse(), threshold, clips.TRIM_CHUNK_MS)
    start = max(0, lead - clips.EDGE_PAD_MS)
    end = min(len(audio), len(audio) - tail + clips.EDGE_PAD_MS)
    return audio[start:end]


def clip(samples: np.ndarray, rate: int) -> AudioSegment:
    return AudioSegment(samples.astype("<i2").tobytes(), sample_width=2, frame_rate=rate, channels=1)


@pytest.mark.parametrize("rate", [16_000, 22_050, 24_000, 44_100])
def test_trimming_on_samples_cuts_where_pydub_cut(rate):
    rng = np.random.default_rng(rate)
    for _ in range(40):
        # Silence, a burst of noise at a random level with soft edges, silence; odd lengths,
        # so the last chunk runs past the end.
        lead, body, tail = rng.integers(0, rate // 3, 3)
        body += 1
        level = 10 ** rng.uniform(1, 4.4)
        sound = rng.normal(0, level, body) * np.hanning(body)
        hiss = rng.normal(0, rng.uniform(0, 3), lead + body + tail)
        samples = np.clip(np.concatenate([np.zeros(lead), sound, np.zeros(tail)]) + hiss, -32768, 32767)
        audio = clip(np.round(samples), rate)
        assert clips.trim(audio).raw_data == pydub_trim(audio).raw_data


def test_trimming_silence_leaves_nothing():
    assert len(clips.trim(clip(np.zeros(1000), 16_000))) == 0
    assert len(clips.trim(clip(np.array([0, 1, 0, 0, 0, 0]), 16_000))) == 0  # RMS rounds down to 0


def test_the_running_minimum_is_the_least_of_each_window():
    values = np.random.default_rng(1).uniform(size=500)
    for width in (1, 2, 3, 7, 8, 97, 128):
        naive = np.array([values[i : i + width].min() for i in range(len(values) - width + 1)])
        assert np.array_equal(clips._running_min(values, width), naive)


def test_a_limiter_made_once_limits_as_one_made_for_each_gain():
    """The true peaks are found once and scaled for each gain: the output is the same sample for sample."""
    rng = np.random.default_rng(7)
    t = np.arange(16_000) / 16_000
    speech_like = (np.sin(2 * np.pi * 220 * t) * 8000 * (1 + np.sin(2 * np.pi * 3 * t))) + rng.normal(0, 300, len(t))
    audio = clip(np.round(speech_like), 16_000)
    limiter = clips.Limiter(audio)
    for gain in (-6.0, 0.0, 3.0, 9.5):
        samples = np.frombuffer(audio.raw_data, dtype="<i2") * 10 ** (gain / 20)
        fresh = clips.Limiter(clip(np.zeros(len(samples)), 16_000))
        fresh.peaks = np.abs(clips._oversampled(samples / 32768)).reshape(-1, clips.OVERSAMPLING).max(axis=1)
        fresh.samples, fresh.audio = samples, audio
        assert limiter.apply(gain).raw_data == fresh.apply(0.0).raw_data
        assert clips.true_peak_dbfs(limiter.apply(gain)) <= clips.TRUE_PEAK_CEILING_DBFS + 0.05


def test_a_phrase_size_filter_is_designed_once_per_process_and_a_long_clip_keeps_none():
    """The K-weighting's response is kept for a phrase's FFT sizes, the same values as one made
    afresh, and never for a long clip's (megabytes each)."""
    rng = np.random.default_rng(3)
    clips._kept_response.cache_clear()
    phrase = clip(rng.normal(0, 3000, 20_000), 16_000)
    first = clips.loudness_lufs(phrase)
    assert clips.loudness_lufs(phrase) == first and clips._kept_response.cache_info().misses == 1
    size = clips._fft_size(20_000 + 2 * (6400 - 1600) + 1600)
    kept = clips._k_response(16_000, size, {})
    assert np.array_equal(kept, clips._k_weighting(16_000, np.linspace(0, np.pi, size // 2 + 1)))
    clips.loudness_lufs(clip(rng.normal(0, 3000, clips.KEPT_RESPONSE_SIZE), 16_000))
    assert clips._kept_response.cache_info().currsize == 1


def test_a_voice_drops_the_kept_responses_once_its_phrases_are_conditioned(tmp_path, fake_engine, monkeypatch):
    """The encoding that follows the speech stage does not carry them (4 MB on a 3-hour routine)."""
    clips._kept_response.cache_clear()
    kept_before, forget = [], clips.forget_responses
    monkeypatch.setattr(clips, "forget_responses", lambda: kept_before.append(clips._kept_response.cache_info()) or forget())
    voice = speech.Voice(speech.make_engine("fake"), speech.PhraseCache(tmp_path), 24_000)
    voice.load([f"Phrase number {n}." for n in range(4)])
    assert kept_before and kept_before[-1].currsize > 0 and kept_before[-1].hits > 0
    assert clips._kept_response.cache_info().currsize == 0


def test_an_engine_speaking_in_turn_is_called_on_one_thread_while_clips_are_conditioned_beside_it(
    tmp_path, fake_engine, monkeypatch
):
    """A one-at-a-time engine speaks on the caller's thread, never twice at once; the clips are
    conditioned on another thread, each as conditioning it alone would, and at most
    CONDITIONING_THREADS + 1 spoken clips wait at a time."""
    caller = threading.get_ident()
    speaking, conditioning, waiting, most_waiting = [], set(), [0], [0]
    lock = threading.Lock()
    synthesize, condition = fake_engine.synthesize, clips.condition

    def spoken(self, text):
        speaking.append(threading.get_ident())
        with lock:
            waiting[0] += 1
            most_waiting[0] = max(most_waiting[0], waiting[0])
        return synthesize(self, text)

    def conditioned(audio):
        conditioning.add(threading.get_ident())
        with lock:
            waiting[0] -= 1
        return condition(audio)

    monkeypatch.setattr(fake_engine, "synthesize", spoken)
    monkeypatch.setattr(clips, "condition", conditioned)
    texts = [f"Phrase number {n}, said in turn." for n in range(12)]
    reported = []
    voice = speech.Voice(speech.make_engine("fake"), speech.PhraseCache(tmp_path), 24_000)
    voice.load(texts, lambda done, total: reported.append((done, total)))
    assert set(speaking) == {caller} and len(speaking) == len(texts)
    assert caller not in conditioning
    assert most_waiting[0] <= voices.CONDITIONING_THREADS + 1
    assert reported == [(n, len(texts)) for n in range(1, len(texts) + 1)] and voice.synthesized == len(texts)
    for text in texts:
        alone = condition(synthesize(fake_engine(), prepare(text, voice.preparers))).set_frame_rate(24_000)
        assert voice.clip(text).raw_data == alone.raw_data

