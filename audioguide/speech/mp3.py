"""Is an MP3 cut off? A walk over its frame headers, so a broken download is never cached.

ffmpeg happily decodes the first half of an MP3 into a shorter clip; only the frame
lengths that each header declares show that the last frame is missing its end.
"""

from __future__ import annotations

ID3V2_HEADER = 10
_LAYER3_KBPS = {
    "1": (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    "2": (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {"1": (44_100, 48_000, 32_000), "2": (22_050, 24_000, 16_000), "2.5": (11_025, 12_000, 8_000)}
_VERSIONS = {0: "2.5", 2: "2", 3: "1"}


def cut_off(data: bytes) -> bool:
    """Does this MPEG layer III stream stop part-way through a frame?

    Data that is not MP3 at all is left to the decoder, which says so in its own words.
    """
    position = _skip_id3v2(data)
    if position > len(data):
        return True  # cut inside the leading ID3 tag
    while position + 4 <= len(data):
        length = _frame_length(data[position : position + 4])
        if length is None:
            return False  # not a frame: an ID3v1 tag, padding, or not MP3 at all
        if position + length > len(data):
            return True
        position += length
    return 0 < len(data) - position < 4 and data[position] == 0xFF  # a frame header's first bytes


def _skip_id3v2(data: bytes) -> int:
    if len(data) < ID3V2_HEADER or data[:3] != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:  # a "syncsafe" integer: seven bits a byte
        size = (size << 7) | (byte & 0x7F)
    footer = ID3V2_HEADER if data[5] & 0x10 else 0
    return ID3V2_HEADER + size + footer


def _frame_length(header: bytes) -> int | None:
    """Bytes in the layer III frame that starts with `header`, or None if it isn't one."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = _VERSIONS.get((header[1] >> 3) & 3)
    layer = (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version is None or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    kbps = _LAYER3_KBPS["1" if version == "1" else "2"][bitrate_index]
    rate = _RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    eighth_of_frame_samples = 144 if version == "1" else 72  # 1152 or 576 samples a frame, / 8 bits
    return eighth_of_frame_samples * kbps * 1000 // rate + padding
