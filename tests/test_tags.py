"""Tracks every player reads right: v2.3 frames only, an Info/LAME header readers trust, exact chapters.

The header is checked byte by byte against LAME's layout (with a CRC computed here bit by
bit, independently of the exporter's), then read back by mutagen and, where installed,
decoded by GStreamer, which skips the priming only when the header names LAME and its CRC
is right.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from datetime import date

import numpy as np
import pytest
from audio import decode
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audioguide.build import BuildOptions, build
from audioguide.export import DEFAULT_RATE
from audioguide.render import sample_at

RATE = DEFAULT_RATE
FRAME = 1152
ENCODER_DELAY, DECODER_DELAY = 576, 529


@pytest.fixture
def track(small_routine, fake_engine, tmp_path):
    return build(small_routine, BuildOptions(engine="fake", output=tmp_path / "out"))


def crc16_bitwise(data: bytes) -> int:
    """CRC-16/ARC (LAME's), one bit at a time."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def info_frame(path):
    """(the Info frame's bytes, the audio frames' bytes) after the ID3 tag."""
    data = path.read_bytes()
    start = ID3(path).size  # the tag's whole size, its header included
    header = struct.unpack(">I", data[start : start + 4])[0]
    kbps = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)[(header >> 12) & 15]
    length = 144 * kbps * 1000 // RATE + ((header >> 9) & 1)
    return data[start : start + length], data[start + length :]


def test_the_year_is_a_v23_frame(track):
    raw = track.written.mp3.read_bytes()[: ID3(track.written.mp3).size]
    assert raw[3] == 3, "ID3v2.3"
    assert b"TYER" in raw and b"TDRC" not in raw
    assert str(ID3(track.written.mp3)["TDRC"]) == str(date.today().year), "mutagen reads TYER as the year"


def test_a_whole_routine_track_is_track_one_of_one(track):
    assert ID3(track.written.mp3)["TRCK"].text == ["1/1"]


def test_chapters_are_stored_at_the_timelines_times(track):
    tags = ID3(track.written.mp3)
    stored = sorted((f.start_time, f.end_time) for f in tags.getall("CHAP"))
    assert stored == [(c.start_ms, c.end_ms) for c in track.script.chapters]


def test_the_info_header_is_lames_layout_with_right_counts_and_crcs(track):
    frame, audio = info_frame(track.written.mp3)
    samples = sample_at(track.script.duration_ms, RATE)
    xing = 4 + 17  # header and mono MPEG-1 side information
    assert frame[xing : xing + 4] == b"Info"
    flags, frames, size = struct.unpack(">III", frame[xing + 4 : xing + 16])
    assert flags == 0x0F and size == len(frame) + len(audio)
    offsets = []
    position = 0
    while position < len(audio):
        offsets.append(position)
        header = struct.unpack(">I", audio[position : position + 4])[0]
        position += 144 * 64_000 // RATE + ((header >> 9) & 1)
    assert position == len(audio) and frames == len(offsets)
    toc = frame[xing + 16 : xing + 116]
    assert list(toc) == sorted(toc) and toc[0] == (len(frame) * 256) // size
    lame = xing + 120
    assert frame[lame : lame + 9] == b"LAME3.100", "names the LAME that encoded the frames"
    delay_padding = int.from_bytes(frame[lame + 21 : lame + 24], "big")
    delay, padding = delay_padding >> 12, delay_padding & 0xFFF
    assert delay == ENCODER_DELAY and delay + samples + padding == frames * FRAME
    music_length, music_crc, tag_crc = struct.unpack(">IHH", frame[lame + 28 : lame + 36])
    assert music_length == size
    assert music_crc == crc16_bitwise(audio)
    assert tag_crc == crc16_bitwise(frame[: lame + 34])


def test_mutagen_reads_the_lame_header_and_the_exact_length(track):
    info = MP3(track.written.mp3).info
    samples = sample_at(track.script.duration_ms, RATE)
    assert info.encoder_info == "LAME 3.100.0+"
    assert round(info.length * RATE, 6) == samples


def test_itunsmpb_gives_apples_players_the_same_gapless_information(track):
    comment = next(f for f in ID3(track.written.mp3).getall("COMM") if f.desc == "iTunSMPB")
    fields = str(comment).split()
    samples = sample_at(track.script.duration_ms, RATE)
    frame, audio = info_frame(track.written.mp3)
    frames = struct.unpack(">I", frame[4 + 17 + 8 : 4 + 17 + 12])[0]
    start, end, kept = int(fields[1], 16), int(fields[2], 16), int(fields[3], 16)
    assert (start, kept) == (ENCODER_DELAY + DECODER_DELAY, samples)
    assert start + kept + end == frames * FRAME


GST = shutil.which("gst-launch-1.0")


@pytest.mark.skipif(GST is None, reason="GStreamer is not installed (apt-get install gstreamer1.0-tools ...)")
@pytest.mark.parametrize("decoder", ["avdec_mp3", "mpg123audiodec"])
def test_gstreamer_plays_exactly_the_tracks_samples_at_their_times(track, decoder):
    pipeline = [
        GST, "-q", "filesrc", f"location={track.written.mp3}", "!", "id3demux", "!", "mpegaudioparse",
        "!", decoder, "!", "audioconvert", "!", "audio/x-raw,format=S16LE,channels=1", "!", "fdsink", "fd=1",
    ]  # fmt: skip
    result = subprocess.run(pipeline, capture_output=True)
    if b"no element" in result.stderr:
        pytest.skip(f"GStreamer has no {decoder}")
    gst = np.frombuffer(result.stdout, dtype="<i2").astype(np.int64)
    ffmpeg_pcm = decode(track.written.mp3, RATE) * 32768
    assert len(gst) == len(ffmpeg_pcm) == sample_at(track.script.duration_ms, RATE)
    first = int(np.argmax(np.abs(ffmpeg_pcm) > 300))
    assert first > 0 and abs(int(np.argmax(np.abs(gst) > 300)) - first) <= 1, "the first cue, not 23 ms late"
