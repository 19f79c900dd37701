"""One loudness bar for every voice: each engine's track metered with ffmpeg's EBU R128 meter."""

from __future__ import annotations

import math
import wave

import numpy as np
import pytest
from conftest import SMALL_ROUTINE
from meter import loudness
from pydub import AudioSegment

from audioguide import routine, speech
from audioguide.build import BuildOptions, build
from audioguide.speech import clips

TARGET_LUFS, LUFS_TOLERANCE, MAX_TRUE_PEAK_DBTP = -16.0, 1.0, -1.0


@pytest.fixture(scope="module")
def tiny_voice(tmp_path_factory):
    pytest.importorskip("piper", reason="the [piper] extra is not installed")
    pytest.importorskip("onnx", reason="building the test model needs onnx")
    import tiny_piper

    return tiny_piper.build(tmp_path_factory.mktemp("piper"))


@pytest.mark.parametrize("engine", ["pico", "espeak", "piper", "gtts"])
def test_every_engines_track_meets_the_loudness_and_true_peak_bar(engine, request, tmp_path):
    options: dict[str, object] = {}
    if engine == "piper":
        options["voice"] = str(request.getfixturevalue("tiny_voice"))
    if engine == "gtts":
        request.getfixturevalue("google")  # the local fake of Google's endpoint
    result = build(
        routine.load(SMALL_ROUTINE), BuildOptions(engine=engine, engine_options=options, output=tmp_path)
    )
    assert result.engine == engine and result.synthesized == result.phrases
    measured = loudness(result.written.mp3)
    assert abs(measured.integrated_lufs - TARGET_LUFS) <= LUFS_TOLERANCE, measured
    assert measured.true_peak_dbtp <= MAX_TRUE_PEAK_DBTP, measured


def ffmpeg_meter(audio: AudioSegment, path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of the clip with a second of silence either side, by ffmpeg."""
    pad = AudioSegment.silent(1000, frame_rate=audio.frame_rate)
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(audio.frame_rate)
        file.writeframes((pad + audio + pad).raw_data)
    measured = loudness(path)
    return measured.integrated_lufs, measured.true_peak_dbtp


@pytest.mark.parametrize("engine", ["pico", "espeak"])
def test_clips_are_measured_as_ffmpegs_meter_measures_them(engine, tmp_path):
    """The clip meter is BS.1770's (K-weighted, gated), at the engine's own sample rate."""
    raw = speech.make_engine(engine, "en").synthesize("Next up: ankle circles. Keep your heel down.")
    raw = raw.set_channels(1).set_sample_width(2)
    for audio in (raw, clips.condition(raw)):
        integrated, peak = ffmpeg_meter(audio, tmp_path / "clip.wav")
        assert abs(clips.loudness_lufs(audio) - integrated) <= 0.3
        assert abs(clips.true_peak_dbfs(audio) - peak) <= 0.3
    conditioned = clips.condition(raw)
    assert abs(clips.loudness_lufs(conditioned) - clips.CLIP_LUFS) <= 0.5
    assert clips.true_peak_dbfs(conditioned) <= clips.TRUE_PEAK_CEILING_DBFS + 0.05


def test_the_limiter_holds_true_peaks_that_fall_between_samples():
    """A tone at a quarter of the sample rate, sampled 45 degrees off its crests: every sample is
    at 0.71 of the wave's true peak, so a sample-peak limiter lets the true peak through."""
    rate = 16_000
    n = np.arange(rate)
    wave_ = 0.8 * np.sin(2 * np.pi * n / 4 + math.pi / 4)
    audio = AudioSegment(
        np.round(wave_ * 32767).astype("<i2").tobytes(), sample_width=2, frame_rate=rate, channels=1
    )
    assert audio.max_dBFS < clips.TRUE_PEAK_CEILING_DBFS, "the samples alone are under the ceiling"
    assert clips.true_peak_dbfs(audio) > clips.TRUE_PEAK_CEILING_DBFS + 1
    limited = clips.limit(audio)
    assert clips.true_peak_dbfs(limited) <= clips.TRUE_PEAK_CEILING_DBFS + 0.05
