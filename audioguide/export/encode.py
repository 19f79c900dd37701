"""PCM -> MP3 frames through LAME (the lameenc library, in this process), and one Info/LAME header.

LAME writes bare frames (no ID3 tag, no Info frame of its own): audioguide writes the
Info/LAME header itself (mp3frames.py), the same one for a whole-track encode and for a
file assembled from segments (segments.py), so that every decoder skips exactly LAME's
priming and end padding. LAME releases the interpreter while it encodes, so segments
encode in parallel on threads, with no process to start and no pipe to feed.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide.errors import ExportError
from audioguide.export import AudioFormat
from audioguide.export.mp3frames import ENCODER_DELAY, Assembler, Gapless, main_data_begin, parse_header

if TYPE_CHECKING:
    import lameenc

LAME_QUALITY = 3  # LAME's algorithm quality (2 best, 7 fastest); 3 is also ffmpeg's default
BYTES_PER_SAMPLE = 2  # the PCM fed in: mono 16-bit
SILENT_FRAME_INPUT = 4608  # samples of zeros encoded to take a silent frame from
PADDING_BIT = 1 << 9  # in a frame header: one byte more in this frame


def encode(pcm: Iterable[bytes], path: Path, audio: AudioFormat, target: Path | None = None) -> Gapless:
    """Encode mono 16-bit PCM into an MP3 file, in one pass, as it comes.

    `target` is the file the user asked for, named in errors instead of a temporary file.
    """
    encoder = _encoder(audio, target or path)
    samples = 0
    with path.open("w+b") as file:
        assembler = Assembler(file)
        pending = b""
        for chunk in pcm:
            samples += len(chunk) // BYTES_PER_SAMPLE
            pending += _encoded(encoder, chunk, audio, target or path)
            whole = _whole_frames(pending)
            assembler.add(pending[:whole])
            pending = pending[whole:]
        pending += _flushed(encoder, target or path)
        if _whole_frames(pending) != len(pending):
            raise ExportError(f"cannot write {target or path}: the encoder's output ends mid-frame")
        assembler.add(pending)
        return assembler.finish(ENCODER_DELAY, samples)


def encode_frames(
    pcm: Iterable[bytes | bytearray], audio: AudioFormat, target: Path, reservoir: bool = True
) -> bytes:
    """The bare frames LAME makes of `pcm` (a segment), as one separately encoded stream.

    Without `reservoir`, no frame borrows bytes from the frames before it, so any frame can
    start a file's run of frames (a segment cut where music plays, docs/segments.md).
    """
    encoder = _encoder(audio, target)
    if not reservoir:
        _without_reservoir(encoder, audio.rate, target)
    frames = bytearray()
    for chunk in pcm:
        frames += _encoded(encoder, chunk, audio, target)
    frames += _flushed(encoder, target)
    return bytes(frames)


def silence(audio: AudioFormat, count: int, frames_before: int, bytes_before: int) -> bytes:
    """`count` frames of digital silence to follow `frames_before` frames of `bytes_before` bytes.

    A stream's first frame never draws on the bit reservoir, and LAME's first frame of zeros
    decodes to zeros: copies of it are silence with no encoding at all (docs/segments.md).
    Where a frame is not a whole number of bytes (44.1 kHz and its halves), a copy takes a
    padding byte whenever the file would otherwise fall behind its constant bitrate.
    """
    frame, padded, exact = _silent_frames(audio)
    if frame == padded:
        return frame * count
    pieces = []
    for index in range(frames_before, frames_before + count):
        behind = exact * (index + 1) - bytes_before - len(frame) >= Fraction(1, 2)
        piece = padded if behind else frame
        pieces.append(piece)
        bytes_before += len(piece)
    return b"".join(pieces)


@cache
def _silent_frames(audio: AudioFormat) -> tuple[bytes, bytes, Fraction]:
    """LAME's first frame of zeros, the same with its padding byte, and a frame's exact bytes."""
    frames = encode_frames([bytes(BYTES_PER_SAMPLE * SILENT_FRAME_INPUT)], audio, Path("silence"))
    header = parse_header(frames)
    if header is None or header.padding or main_data_begin(frames) != 0:
        raise ExportError("the MP3 encoder made no frame of silence")
    frame = frames[: header.length]
    exact = Fraction(header.samples * header.bitrate_kbps * 1000, 8 * header.rate)
    if exact.denominator == 1:
        return frame, frame, exact
    raw = int.from_bytes(frame[:4], "big") | PADDING_BIT
    return frame, raw.to_bytes(4, "big") + frame[4:] + b"\0", exact


def _encoder(audio: AudioFormat, target: Path) -> lameenc.Encoder:
    import lameenc

    encoder = lameenc.Encoder()
    try:
        encoder.set_in_sample_rate(audio.rate)
        encoder.set_out_sample_rate(audio.rate)  # LAME would otherwise pick a rate for the bitrate
        encoder.set_channels(audio.channels)
        encoder.set_bit_rate(int(audio.bitrate.strip().lower().removesuffix("k")))
        encoder.set_quality(LAME_QUALITY)
        encoder.silence()
    except (RuntimeError, ValueError) as exc:
        raise _failed(exc, target) from None
    return encoder


def _without_reservoir(encoder: lameenc.Encoder, rate: int, target: Path) -> None:
    """Turn LAME's bit reservoir off, which lameenc does not offer: through LAME's own
    `lame_set_disable_reservoir`, exported by lameenc's library, on the encoder's LAME state
    (the first field after the object's header). The state is checked to be the one that
    was given `rate` before it is changed, and the frames are checked after (segments.py)."""
    lame = _lame_library()
    address = id(encoder) + object.__basicsize__
    flags = ctypes.c_void_p.from_address(address).value if lame else None
    if lame is None or not flags or lame.lame_get_in_samplerate(flags) != rate:
        raise ExportError(
            f"cannot write {target}: this lameenc cannot encode music in segments. Build with --no-reuse"
        )
    lame.lame_set_disable_reservoir(flags, 1)


@cache
def _lame_library() -> ctypes.CDLL | None:
    import lameenc

    try:
        lame = ctypes.CDLL(lameenc.__file__)
        lame.lame_set_disable_reservoir.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lame.lame_get_in_samplerate.argtypes = [ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    return lame


def _encoded(encoder: lameenc.Encoder, chunk: bytes | bytearray, audio: AudioFormat, target: Path) -> bytes:
    if audio.channels == 2:  # the mono voice on both channels, interleaved
        import numpy as np

        chunk = np.repeat(np.frombuffer(chunk, dtype="<i2"), 2).tobytes()
    try:
        return bytes(encoder.encode(bytes(chunk)))
    except (RuntimeError, ValueError) as exc:
        raise _failed(exc, target) from None


def _flushed(encoder: lameenc.Encoder, target: Path) -> bytes:
    try:
        return bytes(encoder.flush())
    except (RuntimeError, ValueError) as exc:
        raise _failed(exc, target) from None


def _whole_frames(data: bytes) -> int:
    """How many leading bytes of `data` are whole frames."""
    position = 0
    while (header := parse_header(data, position)) is not None and position + header.length <= len(data):
        position += header.length
    return position


def _failed(exc: Exception, target: Path) -> ExportError:
    return ExportError(
        f"cannot write {target}: the MP3 encoder refused ({exc}). Check that --bitrate suits "
        "--sample-rate (below 32 kHz, MP3 goes up to 160k)"
    )
