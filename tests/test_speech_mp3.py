"""The cut-off check walks real MP3 frames: whole files pass, any cut inside a frame is caught."""

from __future__ import annotations

from fake_google import sample_mp3

from audioguide.speech import mp3


def frame_starts(data: bytes) -> set[int]:
    starts, position = set(), mp3._skip_id3v2(data)
    while (length := mp3._frame_length(data[position : position + 4])) is not None:
        starts.add(position)
        position += length
    return starts | {position}


def test_a_whole_mp3_is_not_cut_off():
    assert not mp3.cut_off(sample_mp3())


def test_every_cut_inside_a_frame_is_caught_and_every_cut_between_frames_is_whole():
    data = sample_mp3()
    boundaries = frame_starts(data)
    assert len(boundaries) > 10, "the sample is a real multi-frame MP3"
    for cut in range(mp3.ID3V2_HEADER, len(data), 7):
        assert mp3.cut_off(data[:cut]) == (cut not in boundaries), cut


def test_data_that_is_not_mp3_is_left_to_the_decoder():
    assert not mp3.cut_off(b"<html>Sorry</html>")
    assert not mp3.cut_off(b"")
