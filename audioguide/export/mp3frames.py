"""MP3 frames as bytes: reading Layer III frame headers, and the Info/LAME header for a whole file.

The arithmetic is in docs/segments.md. The Info frame is one frame of silence that carries
the file's frame and byte counts, a seek table, and LAME's extension with the encoder
delay and end padding, which decoders (ffmpeg, GStreamer, mutagen) use to play exactly
the track's samples. GStreamer trusts it only when it names LAME and its CRC is right.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import numpy as np

from audioguide.errors import ExportError

ENCODER_DELAY = 576  # samples LAME puts before the first input sample
DECODER_DELAY = 529  # samples a decoder's synthesis filterbank adds
LAME_VERSION = b"LAME3.100"  # the LAME in lameenc
TOC_ENTRIES = 100
XING_FLAGS = 0x0F  # frames, bytes, seek table and quality fields present
LAME_EXTENSION_BYTES = 36
XING_BYTES = 4 + 4 + 4 + 4 + TOC_ENTRIES + 4
TAG_CRC_BYTES = 2
VBR_METHOD_CBR = 1
MAX_FIELD_12_BITS = 4095
MAX_BITRATE_BYTE = 255

_MPEG1, _MPEG2, _MPEG25 = 3, 2, 0  # the header's version bits
_LAYER3 = 1
_BITRATES = {  # kb/s by bitrate index, for Layer III
    _MPEG1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    _MPEG2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_BITRATES[_MPEG25] = _BITRATES[_MPEG2]
_RATES = {
    _MPEG1: (44_100, 48_000, 32_000),
    _MPEG2: (22_050, 24_000, 16_000),
    _MPEG25: (11_025, 12_000, 8_000),
}
_MONO = 3  # channel mode bits
_STEREO_MODE = {0: 1, 1: 3, 2: 2, 3: 0}  # channel mode bits -> LAME's stereo mode field
HEADER_BYTES = 4
CRC_READ_BYTES = 1 << 20
# Header bits that stay the same through one constant-bitrate stream: sync, version, layer,
# protection, bitrate, sample rate, channel mode (not padding, private, mode extension...).
_SAME_STREAM = 0xFFFFFCC0


@dataclass(frozen=True)
class Header:
    version: int
    bitrate_index: int
    rate_index: int
    padding: int
    channel_mode: int
    raw: int

    @property
    def rate(self) -> int:
        return _RATES[self.version][self.rate_index]

    @property
    def bitrate_kbps(self) -> int:
        return _BITRATES[self.version][self.bitrate_index]

    @property
    def samples(self) -> int:
        """Samples per channel in a frame: 1152 for MPEG-1, 576 for MPEG-2 and 2.5."""
        return 1152 if self.version == _MPEG1 else 576

    @property
    def length(self) -> int:
        return frame_length(self.version, self.bitrate_kbps, self.rate, self.padding)

    @property
    def side_info_bytes(self) -> int:
        mono = self.channel_mode == _MONO
        if self.version == _MPEG1:
            return 17 if mono else 32
        return 9 if mono else 17


def frame_length(version: int, kbps: int, rate: int, padding: int) -> int:
    slot = 144 if version == _MPEG1 else 72
    return slot * kbps * 1000 // rate + padding


def parse_header(data: bytes | memoryview, offset: int = 0) -> Header | None:
    """The Layer III frame header at `offset`, or None if there is none."""
    if offset + HEADER_BYTES > len(data):
        return None
    (raw,) = struct.unpack_from(">I", data, offset)
    version, layer = (raw >> 19) & 3, (raw >> 17) & 3
    bitrate_index, rate_index = (raw >> 12) & 15, (raw >> 10) & 3
    if raw >> 21 != 0x7FF or version == 1 or layer != _LAYER3 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    return Header(version, bitrate_index, rate_index, (raw >> 9) & 1, (raw >> 6) & 3, raw)


def frame_offsets(data: bytes | memoryview) -> array:
    """The offset of every frame in `data`, which must be whole frames and nothing else."""
    offsets = array("I")
    first = parse_header(data)
    if first is None:
        if len(data):
            raise ExportError("the encoder wrote something that is not an MP3 frame at byte 0")
        return offsets
    # A constant bitrate stream: every header is the first one's, the padding bit aside.
    same, base = first.raw & _SAME_STREAM, first.length - first.padding
    unpack, position, end = struct.Struct(">I").unpack_from, 0, len(data)
    while position + HEADER_BYTES <= end:
        (raw,) = unpack(data, position)
        if raw & _SAME_STREAM != same:
            break
        offsets.append(position)
        position += base + (raw >> 9 & 1)
    if position != end:
        raise ExportError(f"the encoder wrote something that is not an MP3 frame at byte {position}")
    return offsets


def main_data_begin(data: bytes | memoryview, offset: int = 0) -> int:
    """How far back (bytes) the frame at `offset` starts its main data: 0 borrows nothing."""
    header = parse_header(data, offset)
    if header is None:
        raise ExportError(f"no MP3 frame at byte {offset}")
    first = data[offset + HEADER_BYTES] << 8 | data[offset + HEADER_BYTES + 1]
    return first >> 7 if header.version == _MPEG1 else first >> 8


# CRC-16 as LAME computes it (polynomial 0x8005 reflected, zero start): the "ARC" CRC.
def _crc_list() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


@cache
def _crc_table() -> np.ndarray:
    """The table as numpy wants it, made on first use (numpy is not imported until then)."""
    import numpy as np

    return np.array(_CRC_LIST, dtype=np.uint16)


_CRC_LIST = _crc_list()
_CRC_LANE = 256  # bytes are processed as interleaved runs of this length, then combined


def crc16(data: bytes | memoryview, crc: int = 0) -> int:
    """LAME's CRC-16 of `data`, continuing from `crc`. Fast on megabytes (numpy lanes)."""
    lanes = len(data) // _CRC_LANE
    if lanes:
        import numpy as np

        body = np.frombuffer(data, dtype=np.uint8, count=lanes * _CRC_LANE).reshape(lanes, _CRC_LANE)
        crcs = np.zeros(lanes, dtype=np.uint16)
        for column in range(_CRC_LANE):
            crcs = _crc_table()[(crcs ^ body[:, column]) & 0xFF] ^ (crcs >> 8)
        low, high = _SHIFT_LOW, _SHIFT_HIGH
        for value in crcs.tolist():  # crc(A + B) = crc(A followed by len(B) zeros) ^ crc(B)
            crc = low[crc & 0xFF] ^ high[crc >> 8] ^ value
    table = _CRC_LIST
    for byte in bytes(data[lanes * _CRC_LANE :]):
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def _zeros_operator(count: int) -> tuple[int, ...]:
    """The linear map a CRC goes through when `count` zero bytes follow: its 16 columns."""
    one = tuple(_zero_byte(1 << bit) for bit in range(16))  # one zero byte
    result = tuple(1 << bit for bit in range(16))  # identity
    power = one
    while count:
        if count & 1:
            result = tuple(_apply(power, c) for c in result)
        power = tuple(_apply(power, c) for c in power)
        count >>= 1
    return result


def _shift_tables(count: int) -> tuple[list[int], list[int]]:
    """Tables for the map of a CRC through `count` zero bytes, by its low and its high byte."""
    operator = _zeros_operator(count)
    return [_apply(operator, b) for b in range(256)], [_apply(operator, b << 8) for b in range(256)]


def _zero_byte(crc: int) -> int:
    return _CRC_LIST[crc & 0xFF] ^ (crc >> 8)


def _apply(operator: tuple[int, ...], crc: int) -> int:
    out = 0
    bit = 0
    while crc:
        if crc & 1:
            out ^= operator[bit]
        crc >>= 1
        bit += 1
    return out


_SHIFT_LOW, _SHIFT_HIGH = _shift_tables(_CRC_LANE)


@dataclass(frozen=True)
class Gapless:
    """Where the track's samples are in the decoded stream of an assembled file."""

    delay: int  # encoder delay written in the header
    padding: int  # samples after the track in the last frames, as the header says
    samples: int  # the track's own samples (per channel)
    frames: int  # audio frames, the Info frame not counted
    frame_samples: int

    def itunsmpb(self) -> str:
        """Apple's gapless comment: samples to drop at each end of the decoded stream, and to keep."""
        return (
            f" 00000000 {self.delay + DECODER_DELAY:08X} {self.padding - DECODER_DELAY:08X} "
            f"{self.samples:016X}"
        )


class Assembler:
    """Writes audio frames to a file after room for the Info frame, then fills that in."""

    def __init__(self, file: BinaryIO):
        self.file = file
        self.first: Header | None = None
        self.offsets = array("I")
        self.audio_bytes = 0

    def add(self, frames: bytes | memoryview, offsets: array | None = None) -> None:
        """Append whole frames (their offsets, if known, save parsing them again)."""
        if not frames:
            return
        offsets = frame_offsets(frames) if offsets is None else offsets
        if self.first is None:
            self.first = parse_header(frames)
            if self.first is None:
                raise ExportError("the encoder wrote no MP3 frame")
            self.file.write(bytes(info_length(self.first)))
        base = self.audio_bytes
        self.offsets.extend(base + offset for offset in offsets)
        self.file.write(frames)
        self.audio_bytes += len(frames)

    def _music_crc(self) -> int:
        """The CRC of the audio frames, read back in large pieces (one pass of numpy each)."""
        self.file.flush()
        self.file.seek(info_length(self.first))  # type: ignore[arg-type]
        crc = 0
        while piece := self.file.read(CRC_READ_BYTES):
            crc = crc16(piece, crc)
        return crc

    def finish(self, delay: int, samples: int) -> Gapless:
        """Write the Info frame for everything added; `samples` is the track's length."""
        if self.first is None:
            raise ExportError("the encoder wrote no MP3 frame")
        frame, gapless = info_frame(
            self.first, len(self.offsets), self.audio_bytes, self.offsets, delay, samples, self._music_crc()
        )
        self.file.seek(0)
        self.file.write(frame)
        return gapless


def info_frame(
    first: Header, frames: int, audio_bytes: int, offsets: array, delay: int, samples: int, music_crc: int
) -> tuple[bytes, Gapless]:
    """The Info/LAME frame to put before `frames` audio frames of `audio_bytes` bytes.

    `offsets` are the audio frames' byte offsets; `samples` the track's length per channel.
    """
    padding = frames * first.samples - delay - samples
    if not 0 <= delay <= MAX_FIELD_12_BITS or not DECODER_DELAY <= padding <= MAX_FIELD_12_BITS:
        raise ExportError(f"the encoded frames do not hold the track: delay {delay}, padding {padding}")
    index = _info_bitrate_index(first)
    length = info_length(first)
    raw = (first.raw & ~(0xF << 12) & ~(1 << 9)) | (index << 12)
    total = length + audio_bytes
    toc = bytes(
        min(255, (length + offsets[min(frames - 1, i * frames // TOC_ENTRIES)]) * 256 // total)
        for i in range(TOC_ENTRIES)
    )
    head = struct.pack(">I", raw) + bytes(first.side_info_bytes)
    xing = b"Info" + struct.pack(">III", XING_FLAGS, frames, total) + toc + struct.pack(">I", 0)
    lame = (
        LAME_VERSION.ljust(9, b"\0")
        + bytes([VBR_METHOD_CBR, 0])  # revision 0 and method; lowpass unknown
        + bytes(4 + 2 + 2)  # peak and replay gains: not measured
        + bytes([0, min(first.bitrate_kbps, MAX_BITRATE_BYTE)])  # flags and ATH type; bitrate
        + (delay << 12 | padding).to_bytes(3, "big")
        + bytes([_source_rate_bits(first.rate) << 6 | _STEREO_MODE[first.channel_mode] << 2])
        + bytes(1 + 2)  # MP3 gain, surround and preset
        + struct.pack(">IH", total, music_crc)
    )
    tagged = head + xing + lame
    frame = tagged + struct.pack(">H", crc16(tagged)) + bytes(length - len(tagged) - TAG_CRC_BYTES)
    return frame, Gapless(delay, padding, samples, frames, first.samples)


def info_length(first: Header) -> int:
    """The length of the Info frame that goes before frames like `first`."""
    return frame_length(first.version, _BITRATES[first.version][_info_bitrate_index(first)], first.rate, 0)


def _info_bitrate_index(first: Header) -> int:
    """The stream's own bitrate if its frame can hold the tag, else the smallest that can."""
    needed = HEADER_BYTES + first.side_info_bytes + XING_BYTES + LAME_EXTENSION_BYTES
    candidates = [first.bitrate_index, *range(1, 15)]
    for index in candidates:
        kbps = _BITRATES[first.version][index]
        if frame_length(first.version, kbps, first.rate, 0) >= needed:
            return index
    raise ExportError("no MP3 bitrate can carry the Info header")  # cannot happen: 320k always can


def _source_rate_bits(rate: int) -> int:
    if rate <= 32_000:
        return 0
    return {44_100: 1, 48_000: 2}.get(rate, 3)
