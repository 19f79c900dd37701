"""Clip conditioning: every phrase trimmed to its sound, at one loudness, without clicks."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from pydub import AudioSegment

from audioguide.speech.base import SAMPLE_WIDTH, duration_ms  # noqa: F401  (clips.duration_ms)

SILENCE_BELOW_PEAK_DB = 40.0  # quieter than this, relative to the clip's peak, is silence
TRIM_CHUNK_MS = 2
EDGE_PAD_MS = 8  # keep the very start of a soft consonant
FADE_MS = 5  # against clicks at the clip's edges
# Every phrase's loudness, measured as an EBU R128 meter measures a track (BS.1770: K-weighted,
# 400 ms blocks, gated), so that a track measures -16 LUFS integrated (the usual target for
# spoken audio on phones) whatever the voice; tests/test_loudness.py checks every engine with
# ffmpeg's ebur128 meter. A little above -16: the short phrases (too peaky to reach it) and
# the quieter tones of a track pull it down.
CLIP_LUFS = -15.0
# True peaks (between the samples, as a 4x oversampling meter sees them) are limited this far
# below full scale: MP3 encoding at 64 kb/s adds up to about 2 dB of overshoot to a voice as
# bright as Piper's, and the decoded track's true peak must stay at or below -1 dBTP.
TRUE_PEAK_CEILING_DBFS = -3.5
OVERSAMPLING = 4  # as ffmpeg's ebur128=peak=true and BS.1770-4's true-peak meter
LEVEL_PASSES = 6  # at most; each limits the clip once and measures it
LEVEL_TOLERANCE_LU = 0.1
MIN_SLOPE = 0.05  # dB of loudness per dB of gain, at the least, through a limiter working hard
# A clip too peaky to reach the loudness with this much limiting stays a little quieter:
# deeper limiting would be heard.
MAX_LIMITING_DB = 12.0
LIMITER_RAMP_MS = 3  # the limiter's gain eases in and out over this: slow enough not to buzz
# BS.1770's loudness measure: K-weighting (a high shelf, then a high pass), mean square over
# 400 ms blocks every 100 ms, blocks under -70 LUFS and then 10 LU under the mean discarded.
K_SHELF_GAIN_DB, K_SHELF_Q, K_SHELF_HZ = 4.0, 1 / math.sqrt(2), 1500.0
K_HIGHPASS_Q, K_HIGHPASS_HZ = 0.5, 38.0
LOUDNESS_OFFSET = -0.691
BLOCK_MS, BLOCK_STEP_MS = 400, 100
ABSOLUTE_GATE_LUFS, RELATIVE_GATE_LU = -70.0, -10.0
FILTER_TAIL_MS = 100  # room for the filters' ring-out, so the FFT's wrap-around does not fold it back


def condition(audio: AudioSegment) -> AudioSegment:
    """Mono 16-bit, trimmed to its sound, brought to the common loudness."""
    audio = audio.set_channels(1).set_sample_width(SAMPLE_WIDTH)
    audio = trim(audio)
    audio = level(audio)
    return audio.fade_in(min(FADE_MS, len(audio) // 2)).fade_out(min(FADE_MS, len(audio) // 2))


def trim(audio: AudioSegment) -> AudioSegment:
    """Cut leading and trailing silence so a cue is heard exactly when the script says.

    Silence is measured as pydub's `detect_leading_silence` measures it (the RMS of 2 ms
    chunks from either end against the clip's peak), on the samples at once.
    """
    samples = np.frombuffer(audio.raw_data, dtype="<i2")
    if _rms(samples) == 0:
        return audio[:0]
    peak = int(np.abs(samples.astype(np.int32)).max())
    threshold = 20 * math.log10(peak / audio.max_possible_amplitude) - SILENCE_BELOW_PEAK_DB
    lead = _leading_silence_ms(samples, audio.frame_rate, len(audio), threshold)
    tail = _leading_silence_ms(samples[::-1], audio.frame_rate, len(audio), threshold)
    start = max(0, lead - EDGE_PAD_MS)
    end = min(len(audio), len(audio) - tail + EDGE_PAD_MS)
    return audio[start:end]


def _rms(samples: np.ndarray) -> int:
    """As audioop.rms: the root mean square, rounded down to a whole number."""
    if not len(samples):
        return 0
    return int(math.sqrt(float(np.sum(samples.astype(np.int64) ** 2)) / len(samples)))


def _leading_silence_ms(samples: np.ndarray, rate: int, length_ms: int, threshold_db: float) -> int:
    """Where the sound starts, in whole chunks of TRIM_CHUNK_MS: the first chunk whose RMS
    (a whole number, as audioop gives it) reaches `threshold_db`. A chunk is sliced as pydub
    slices milliseconds, and one running past the end counts the missing samples as silence."""
    starts_ms = np.arange(0, length_ms, TRIM_CHUNK_MS)
    ends_ms = np.minimum(starts_ms + TRIM_CHUNK_MS, length_ms)
    starts = (starts_ms * (rate / 1000.0)).astype(np.int64)
    ends = (ends_ms * (rate / 1000.0)).astype(np.int64)
    energy = np.concatenate([[0], np.cumsum(samples.astype(np.int64) ** 2)])
    sums = energy[np.minimum(ends, len(samples))] - energy[np.minimum(starts, len(samples))]
    counts = ends - starts
    rms = np.floor(np.sqrt(sums / np.maximum(counts, 1)))
    with np.errstate(divide="ignore"):
        loud = (counts > 0) & (20 * np.log10(rms / (1 << (8 * SAMPLE_WIDTH - 1))) >= threshold_db)
    found = np.flatnonzero(loud)
    return int(starts_ms[found[0]]) if len(found) else length_ms


def _samples(audio: AudioSegment) -> np.ndarray:
    """The clip as floats in [-1, 1)."""
    return np.frombuffer(audio.raw_data, dtype="<i2") / float(audio.max_possible_amplitude)


def _biquad_response(b: tuple[float, ...], a: tuple[float, ...], w: np.ndarray) -> np.ndarray:
    z = np.exp(-1j * w)
    return (b[0] + b[1] * z + b[2] * z**2) / (a[0] + a[1] * z + a[2] * z**2)


Responses = dict[tuple[int, int], np.ndarray]  # (rate, FFT size) -> the K-weighting's response
# The responses of FFTs up to this size (a phrase of up to about 7 s at 16 kHz) are kept while a
# voice conditions its phrases, at most KEPT_RESPONSES of them (1 MB each at most): a track's
# phrases share a few sizes.
KEPT_RESPONSE_SIZE = 1 << 17
KEPT_RESPONSES = 6


def _k_response(rate: int, size: int, responses: Responses) -> np.ndarray:
    """The K-weighting's response on the bins of a real FFT of `size` points at `rate`: kept
    across clips for a phrase's sizes (until `forget_responses`), else in `responses`, since
    levelling a clip measures it several times at one size (a long clip's response is megabytes)."""
    if size <= KEPT_RESPONSE_SIZE:
        return _kept_response(rate, size)
    if (rate, size) not in responses:
        responses[rate, size] = _k_weighting(rate, np.linspace(0, math.pi, size // 2 + 1))
    return responses[rate, size]


@lru_cache(maxsize=KEPT_RESPONSES)
def _kept_response(rate: int, size: int) -> np.ndarray:
    response = _k_weighting(rate, np.linspace(0, math.pi, size // 2 + 1))
    response.flags.writeable = False  # shared by every clip of that size
    return response


def forget_responses() -> None:
    """Drop the kept responses, once a voice's phrases are conditioned."""
    _kept_response.cache_clear()


def _k_weighting(rate: int, w: np.ndarray) -> np.ndarray:
    """BS.1770's K-weighting filter at `rate`, as a frequency response at angular frequencies `w`.

    The two biquads are designed for the clip's own rate from their analog prototypes (as
    pyloudnorm does), not copied from the standard's 48 kHz coefficients.
    """
    shelf_a = 10 ** (K_SHELF_GAIN_DB / 40)
    w0 = 2 * math.pi * K_SHELF_HZ / rate
    alpha = math.sin(w0) / (2 * K_SHELF_Q)
    cos0, root = math.cos(w0), 2 * math.sqrt(shelf_a) * alpha
    shelf = _biquad_response(
        (
            shelf_a * ((shelf_a + 1) + (shelf_a - 1) * cos0 + root),
            -2 * shelf_a * ((shelf_a - 1) + (shelf_a + 1) * cos0),
            shelf_a * ((shelf_a + 1) + (shelf_a - 1) * cos0 - root),
        ),
        ((shelf_a + 1) - (shelf_a - 1) * cos0 + root, 2 * ((shelf_a - 1) - (shelf_a + 1) * cos0),
         (shelf_a + 1) - (shelf_a - 1) * cos0 - root),
        w,
    )  # fmt: skip
    w0 = 2 * math.pi * K_HIGHPASS_HZ / rate
    alpha = math.sin(w0) / (2 * K_HIGHPASS_Q)
    cos0 = math.cos(w0)
    highpass = _biquad_response(
        ((1 + cos0) / 2, -(1 + cos0), (1 + cos0) / 2), (1 + alpha, -2 * cos0, 1 - alpha), w
    )
    return shelf * highpass


def loudness_lufs(audio: AudioSegment, responses: Responses | None = None) -> float:
    """The clip's integrated loudness as an EBU R128 meter reads it with silence around it.

    K-weighted (in the frequency domain), mean square over 400 ms blocks every 100 ms,
    gated as BS.1770 gates a programme. A clip shorter than a block is one block.
    """
    samples = _samples(audio)
    if not samples.any():
        return -math.inf
    rate = audio.frame_rate
    block, step = rate * BLOCK_MS // 1000, rate * BLOCK_STEP_MS // 1000
    # Silence around the clip, as in a track: the blocks that hold only part of it count too.
    padded = np.pad(samples, block - step)
    size = _fft_size(len(padded) + rate * FILTER_TAIL_MS // 1000)
    response = _k_response(rate, size, {} if responses is None else responses)
    weighted = np.fft.irfft(np.fft.rfft(padded, size) * response, size)[: len(padded)]
    energy = np.concatenate([[0.0], np.cumsum(weighted**2)])
    starts = np.arange(0, len(padded) - block + 1, step)
    power = (energy[starts + block] - energy[starts]) / block
    power = power[power > 10 ** ((ABSOLUTE_GATE_LUFS - LOUDNESS_OFFSET) / 10)]
    if not len(power):
        return -math.inf
    gate = 10 * math.log10(power.mean()) + RELATIVE_GATE_LU
    power = power[10 * np.log10(power) > gate]
    return LOUDNESS_OFFSET + 10 * math.log10(power.mean())


def _fft_size(n: int) -> int:
    """The next power of two: FFTs of other lengths (a large prime) can be a hundred times slower."""
    return 1 << (n - 1).bit_length()


def _oversampled(samples: np.ndarray, factor: int = OVERSAMPLING) -> np.ndarray:
    """Band-limited interpolation (zero-padded spectrum): what a true-peak meter reconstructs."""
    size = _fft_size(len(samples) + 2 * factor)  # a little silence after, so the wrap-around is quiet
    spectrum = np.fft.rfft(samples, size)
    return np.fft.irfft(spectrum, size * factor)[: len(samples) * factor] * factor


def true_peak_dbfs(audio: AudioSegment) -> float:
    """The highest peak between or at the samples, with 4x oversampling."""
    samples = _samples(audio)
    if not samples.any():
        return -math.inf
    return 20 * math.log10(float(np.abs(_oversampled(samples)).max()))


def level(audio: AudioSegment) -> AudioSegment:
    """Bring the clip to CLIP_LUFS, with its true peaks held under the ceiling.

    Limiting takes back part of any gain, most in a peaky voice: the gain that reaches the
    loudness through the limiter is found by the secant method, from the clip as it came.
    The clip's true peaks are found once; each try only scales them.
    """
    if audio.rms == 0:
        return audio
    responses: Responses = {}
    plain_gain = CLIP_LUFS - loudness_lufs(audio, responses)
    limiter = Limiter(audio)
    gains: list[float] = []
    reached: list[float] = []
    gain = plain_gain
    for _ in range(LEVEL_PASSES):
        levelled = limiter.apply(gain)
        gains.append(gain)
        reached.append(loudness_lufs(levelled, responses))
        if abs(CLIP_LUFS - reached[-1]) < LEVEL_TOLERANCE_LU:
            break
        slope = 1.0
        if len(gains) > 1 and gains[-1] != gains[-2]:
            slope = max(MIN_SLOPE, (reached[-1] - reached[-2]) / (gains[-1] - gains[-2]))
        gain = min(gain + (CLIP_LUFS - reached[-1]) / slope, plain_gain + MAX_LIMITING_DB)
        if gain == gains[-1]:
            break  # as loud as the limiter allows
    return levelled


def limit(
    audio: AudioSegment, gain_db: float = 0.0, ceiling_dbfs: float = TRUE_PEAK_CEILING_DBFS
) -> AudioSegment:
    """Apply a gain through a look-ahead true-peak limiter: no peak above the ceiling."""
    return Limiter(audio, ceiling_dbfs).apply(gain_db)


class Limiter:
    """A look-ahead true-peak limiter for one clip, at any gain.

    Peaks are looked for between the samples too (4x oversampling), since that is where a
    decoder's reconstruction overshoots; they are found once, since a gain only scales them.
    The gain is applied in floating point, before any rounding to 16 bits, so a gain that
    would take a peak past full scale is limited, never clipped. The limiting gain at each
    sample is the lowest gain needed anywhere within one ramp of it, averaged over the same
    span; so the smoothed gain never exceeds what any sample needs.
    """

    def __init__(self, audio: AudioSegment, ceiling_dbfs: float = TRUE_PEAK_CEILING_DBFS):
        self.audio = audio
        self.full = audio.max_possible_amplitude
        self.samples = np.frombuffer(audio.raw_data, dtype="<i2")
        self.peaks = np.abs(_oversampled(self.samples / self.full)).reshape(-1, OVERSAMPLING).max(axis=1)
        self.ceiling = 10 ** (ceiling_dbfs / 20)
        self.half = max(1, audio.frame_rate * LIMITER_RAMP_MS // 1000)

    def apply(self, gain_db: float) -> AudioSegment:
        gain = 10 ** (gain_db / 20)
        samples = self.samples * gain
        needed = np.minimum(1.0, self.ceiling / np.maximum(self.peaks * gain, 1 / self.full))
        if needed.min() >= 1.0:
            return self.audio._spawn(np.round(samples).astype("<i2").tobytes())
        half = self.half
        padded = np.pad(needed, half, constant_values=1.0)
        held = np.pad(_running_min(padded, 2 * half + 1), half, mode="edge")
        smoothed = np.convolve(held, np.ones(2 * half + 1) / (2 * half + 1), mode="valid")
        bound = self.ceiling * self.full
        limited = np.clip(np.round(samples * np.minimum(smoothed, needed)), -bound, bound)
        return self.audio._spawn(limited.astype("<i2").tobytes())


def _running_min(values: np.ndarray, width: int) -> np.ndarray:
    """The least of every `width` consecutive values, by doubling spans (a few passes, not `width`)."""
    span = 1
    while span * 2 <= width:
        values = np.minimum(values[:-span], values[span:])  # each now covers twice the span
        span *= 2
    rest = width - span
    return np.minimum(values[: len(values) - rest], values[rest:]) if rest else values
