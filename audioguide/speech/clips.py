"""Clip conditioning: every phrase trimmed to its sound, at one loudness, without clicks."""

from __future__ import annotations

import math

import numpy as np
from pydub import AudioSegment
from pydub.silence import detect_leading_silence

SAMPLE_WIDTH = 2  # 16-bit PCM throughout
SILENCE_BELOW_PEAK_DB = 40.0  # quieter than this, relative to the clip's peak, is silence
TRIM_CHUNK_MS = 2
EDGE_PAD_MS = 8  # keep the very start of a soft consonant
FADE_MS = 5  # against clicks at the clip's edges
VOICED_BELOW_LOUDEST_DB = 20.0  # windows this close to the loudest count as speech
LOUDNESS_WINDOW_MS = 50
# Every phrase's voiced loudness. Chosen, with the limiter below, so that a whole track of
# speech and tones over silence measures -16 LUFS integrated (the usual target for spoken
# audio on phones); tests/test_loudness.py checks it with ffmpeg's ebur128 meter.
SPEECH_RMS_DBFS = -12.5
# Sample peaks are limited this far below full scale: MP3 encoding and resampling add
# overshoot, and the decoded track's true peak must stay at or below -1 dBTP.
PEAK_CEILING_DBFS = -3.0
LEVEL_PASSES = 3
LIMITER_RAMP_MS = 8  # the limiter's gain eases in and out over this, so it is not heard


def condition(audio: AudioSegment) -> AudioSegment:
    """Mono 16-bit, trimmed to its sound, brought to the common loudness."""
    audio = audio.set_channels(1).set_sample_width(SAMPLE_WIDTH)
    audio = trim(audio)
    audio = level(audio)
    return audio.fade_in(min(FADE_MS, len(audio) // 2)).fade_out(min(FADE_MS, len(audio) // 2))


def trim(audio: AudioSegment) -> AudioSegment:
    """Cut leading and trailing silence so a cue is heard exactly when the script says."""
    if audio.rms == 0:
        return audio[:0]
    threshold = audio.max_dBFS - SILENCE_BELOW_PEAK_DB
    lead = detect_leading_silence(audio, threshold, TRIM_CHUNK_MS)
    tail = detect_leading_silence(audio.reverse(), threshold, TRIM_CHUNK_MS)
    start = max(0, lead - EDGE_PAD_MS)
    end = min(len(audio), len(audio) - tail + EDGE_PAD_MS)
    return audio[start:end]


def voiced_dbfs(audio: AudioSegment) -> float:
    """The RMS level of the parts that hold speech, ignoring pauses between words."""
    return _windows_dbfs(audio, _voiced_windows(audio))


def _voiced_windows(audio: AudioSegment) -> list[int]:
    """Start times (ms) of the loudness windows that hold speech."""
    starts = range(0, len(audio), LOUDNESS_WINDOW_MS)
    levels = {i: w.dBFS for i in starts if (w := audio[i : i + LOUDNESS_WINDOW_MS]).rms}
    if not levels:
        return list(starts)
    # Relative to the loudest window, not the peak sample: limiting moves the peak.
    floor = max(levels.values()) - VOICED_BELOW_LOUDEST_DB
    return [i for i, db in levels.items() if db > floor]


def _windows_dbfs(audio: AudioSegment, starts: list[int]) -> float:
    powers = [audio[i : i + LOUDNESS_WINDOW_MS].rms ** 2 for i in starts]
    mean_power = max(sum(powers) / len(powers), 1.0)
    return 20 * math.log10(math.sqrt(mean_power) / audio.max_possible_amplitude)


def level(audio: AudioSegment) -> AudioSegment:
    """Bring the voiced parts to SPEECH_RMS_DBFS, then hold the few higher peaks down."""
    if audio.rms == 0:
        return audio
    # The same windows are measured on every pass: limiting moves the peak, and with it
    # which windows would count as voiced.
    voiced = _voiced_windows(audio)
    for _ in range(LEVEL_PASSES):  # limiting lowers the level a little; make that up
        audio = limit(audio, SPEECH_RMS_DBFS - _windows_dbfs(audio, voiced))
    return audio


def limit(audio: AudioSegment, gain_db: float = 0.0, ceiling_dbfs: float = PEAK_CEILING_DBFS) -> AudioSegment:
    """Apply a gain through a look-ahead peak limiter: no sample above the ceiling.

    The gain is applied in floating point, before any rounding to 16 bits, so a gain that
    would take a peak past full scale is limited, never clipped. The limiting gain at each
    sample is the lowest gain needed anywhere within one ramp of it, averaged over the same
    span; so the smoothed gain never exceeds what any sample needs.
    """
    samples = np.frombuffer(audio.raw_data, dtype="<i2") * 10 ** (gain_db / 20)
    ceiling = audio.max_possible_amplitude * 10 ** (ceiling_dbfs / 20)
    needed = np.minimum(1.0, ceiling / np.maximum(np.abs(samples), 1.0))
    if needed.min() >= 1.0:
        return audio._spawn(np.round(samples).astype("<i2").tobytes())
    half = max(1, audio.frame_rate * LIMITER_RAMP_MS // 1000)
    padded = np.pad(needed, half, constant_values=1.0)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    held = np.pad(windows.min(axis=1), half, mode="edge")
    smoothed = np.convolve(held, np.ones(2 * half + 1) / (2 * half + 1), mode="valid")
    limited = np.clip(np.round(samples * np.minimum(smoothed, needed)), -ceiling, ceiling)
    return audio._spawn(limited.astype("<i2").tobytes())


def duration_ms(audio: AudioSegment) -> int:
    """Rounded up, so an event's end is never before its clip's last sample."""
    return math.ceil(audio.frame_count() * 1000 / audio.frame_rate)
