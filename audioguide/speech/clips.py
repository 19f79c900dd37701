"""Clip conditioning: every phrase trimmed to its sound, at one loudness, without clicks."""

from __future__ import annotations

import math

from pydub import AudioSegment
from pydub.silence import detect_leading_silence

SAMPLE_WIDTH = 2  # 16-bit PCM throughout
SILENCE_BELOW_PEAK_DB = 40.0  # quieter than this, relative to the clip's peak, is silence
TRIM_CHUNK_MS = 2
EDGE_PAD_MS = 8  # keep the very start of a soft consonant
FADE_MS = 5  # against clicks at the clip's edges
VOICED_BELOW_PEAK_DB = 25.0  # windows this close to the peak count as speech for loudness
LOUDNESS_WINDOW_MS = 50
SPEECH_RMS_DBFS = -17.0  # every phrase's voiced loudness
PEAK_CEILING_DBFS = -1.5


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
    windows = [audio[i : i + LOUDNESS_WINDOW_MS] for i in range(0, len(audio), LOUDNESS_WINDOW_MS)]
    floor = audio.max_dBFS - VOICED_BELOW_PEAK_DB
    voiced = [w.rms**2 for w in windows if w.rms and w.dBFS > floor] or [audio.rms**2]
    mean_power = sum(voiced) / len(voiced)
    return 20 * math.log10(math.sqrt(mean_power) / audio.max_possible_amplitude)


def level(audio: AudioSegment) -> AudioSegment:
    if audio.rms == 0:
        return audio
    gain = min(SPEECH_RMS_DBFS - voiced_dbfs(audio), PEAK_CEILING_DBFS - audio.max_dBFS)
    return audio.apply_gain(gain)


def duration_ms(audio: AudioSegment) -> int:
    """Rounded up, so an event's end is never before its clip's last sample."""
    return math.ceil(audio.frame_count() * 1000 / audio.frame_rate)
