"""Phone-ready files: read back with ffmpeg's own demuxer and loudness meter, and with mutagen."""

from __future__ import annotations

import io
import json
import re

import pytest
from audio import ANALYSIS_RATE, decode
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from meter import ffmetadata, loudness
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3
from PIL import Image

from audioguide import routine
from audioguide.build import BuildOptions, build
from audioguide.cli import cli
from audioguide.cues import SPEECH
from audioguide.errors import ExportError
from audioguide.export import AudioFormat
from audioguide.render import sample_at

TARGET_LUFS, LUFS_TOLERANCE, MAX_TRUE_PEAK_DBTP = -16.0, 1.0, -1.0
PRIMING_MS = 23  # 1105 samples at 48 kHz


@pytest.fixture(scope="module")
def track(tmp_path_factory):
    """The small routine built once with the offline voice: real speech, so real loudness."""
    folder = tmp_path_factory.mktemp("export")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIOGUIDE_CACHE_DIR", str(folder / "cache"))
        return build(routine.load(SMALL_ROUTINE), BuildOptions(engine="pico", output=folder / "out"))


def test_ffmpeg_lists_the_chapters_in_time_order_at_their_timeline_times(track):
    read = ffmetadata(track.written.mp3).chapters
    planned = track.script.chapters
    assert [title for _, _, title in read] == [c.title for c in planned]
    assert [c.title for c in planned] == ["Introduction", "Wall sit", "Calf raise", "Finish"]
    assert [start for start, _, _ in read] == sorted(start for start, _, _ in read)
    # CHAP frames hold the timeline's times, as ffmpeg's own MP3 writer stores them; ffmpeg's
    # reader then subtracts the decoder's priming (1105 samples, 23 ms), as it does for its own files.
    for (start, end, _), chapter in zip(read, planned, strict=True):
        assert abs(start - max(0, chapter.start_ms - PRIMING_MS)) <= 10
        assert abs(end - (chapter.end_ms - PRIMING_MS)) <= 10


def test_chapter_frames_are_stored_in_time_order_under_an_ordered_top_level_toc(track):
    tags = ID3(track.written.mp3)
    stored = sorted((key for key in tags.keys() if key.startswith("CHAP:")), key=lambda k: tags[k].start_time)
    toc = tags["CTOC:toc"]
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc.child_element_ids == [key.removeprefix("CHAP:") for key in stored]
    starts = [tags[key].start_time for key in stored]
    assert starts == sorted(starts) and len(starts) == len(track.script.chapters)
    raw = track.written.mp3.read_bytes()[: 10 + tags.size]
    in_file = re.findall(rb"CHAP.{6}(ch\d+)\0", raw, flags=re.S)  # frame id, size, flags, element id
    assert in_file == [b"ch0", b"ch1", b"ch2", b"ch3"], "CHAP frames lie in the file in time order"


def test_tags_and_cover_as_ffmpeg_and_mutagen_read_them(track):
    read = ffmetadata(track.written.mp3).tags
    assert read["title"] == read["album"] == "Small test routine"
    assert read["artist"] == read["album_artist"] == "audioguide" and read["genre"] == "Fitness"
    assert re.fullmatch(r"\d{4}", read["date"])
    assert read["comment"] == r"level medium\; engine pico\; voice en-US"
    tags = ID3(track.written.mp3)
    assert tags.version[:2] == (2, 3)
    cover = tags.getall("APIC")[0]
    assert cover.mime == "image/jpeg" and cover.type == 3  # front cover
    with Image.open(io.BytesIO(cover.data)) as image:
        assert image.size == (600, 600) and image.format == "JPEG"
    assert MP3(track.written.mp3).info.channels == 1


def test_synced_and_unsynced_cue_text_match_the_timeline(track):
    tags = ID3(track.written.mp3)
    spoken = [(e.text, e.start_ms) for e in track.script.events if e.kind == SPEECH]
    sylt = tags.getall("SYLT")[0]
    assert sylt.format == 2 and sylt.type == 1  # milliseconds, lyrics
    assert list(sylt.text) == spoken
    assert tags.getall("USLT")[0].text == track.script.to_text()


def test_lrc_and_vtt_sidecars_follow_the_timeline(track):
    mp3 = track.written.mp3
    spoken = [e for e in track.script.events if e.kind == SPEECH]
    lrc = mp3.with_suffix(".lrc").read_text(encoding="utf-8").splitlines()
    assert lrc[0] == "[ti:Small test routine]"
    timed = [re.fullmatch(r"\[(\d\d):(\d\d)\.(\d\d)\](.*)", line) for line in lrc[4:]]
    assert [m.group(4) for m in timed] == [e.text for e in spoken]
    for match, event in zip(timed, spoken, strict=True):
        ms = int(match.group(1)) * 60_000 + int(match.group(2)) * 1000 + int(match.group(3)) * 10
        assert 0 <= event.start_ms - ms < 10
    vtt = mp3.with_suffix(".vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n\n1\n00:00:01.500 --> ")  # after the pre-roll
    cues = re.findall(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.*)", vtt)
    assert [c[8] for c in cues] == [e.text for e in spoken]

    def ms(h, m, s, f):
        return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(f)

    assert [(ms(*c[:4]), ms(*c[4:8])) for c in cues] == [(e.start_ms, e.end_ms) for e in spoken]


def test_loudness_meets_the_phone_target_on_ffmpegs_meter(track):
    measured = loudness(track.written.mp3)
    assert abs(measured.integrated_lufs - TARGET_LUFS) <= LUFS_TOLERANCE, measured
    assert measured.true_peak_dbtp <= MAX_TRUE_PEAK_DBTP, measured


def test_split_tracks_add_up_to_the_whole_and_the_playlist_lists_them(small_routine, fake_engine, tmp_path):
    whole = build(small_routine, BuildOptions(engine="fake", output=tmp_path / "whole"))
    split = build(small_routine, BuildOptions(engine="fake", output=tmp_path / "split", split=True))
    folder = tmp_path / "split" / "small-test-routine"
    assert [p.name for p in split.written.tracks] == ["01-wall-sit.mp3", "02-calf-raise.mp3"]
    assert split.written.playlist == folder / "small-test-routine.m3u8"
    pieces = [decode(path) for path in split.written.tracks]
    full = decode(whole.written.mp3)
    assert abs(sum(map(len, pieces)) - len(full)) <= 2
    assert abs(len(pieces[0]) - sample_at(split.script.chapters[2].start_ms, ANALYSIS_RATE)) <= 2
    playlist = split.written.playlist.read_text(encoding="utf-8").splitlines()
    assert playlist[:2] == ["#EXTM3U", "#PLAYLIST:Small test routine"]
    for (info, name), piece, path in zip(
        zip(playlist[2::2], playlist[3::2], strict=True), pieces, split.written.tracks, strict=True
    ):
        seconds, title = re.fullmatch(r"#EXTINF:(\d+),audioguide - (.*)", info).groups()
        assert name == path.name and int(seconds) == round(len(piece) / ANALYSIS_RATE)
        assert title == ffmetadata(path).tags["title"]
    for number, path in enumerate(split.written.tracks, 1):
        tags = ID3(path)
        assert tags["TRCK"].text == [f"{number}/2"] and tags["TALB"].text == ["Small test routine"]
        assert path.with_suffix(".lrc").exists() and path.with_suffix(".vtt").exists()
    first, last = (ffmetadata(path).chapters for path in split.written.tracks)
    assert [c[2] for c in first] == ["Introduction", "Wall sit"]
    assert [c[2] for c in last] == ["Calf raise", "Finish"] and last[0][0] == 0
    assert (folder / "small-test-routine.timeline.json").exists()


def test_a_split_rebuild_replaces_its_tracks_and_removes_stale_ones(small_routine, fake_engine, tmp_path):
    options = BuildOptions(engine="fake", output=tmp_path, split=True)
    build(small_routine, options)
    shorter = build(routine.loads(SMALL_ROUTINE.read_text().split("  - name: Calf raise")[0]), options)
    folder = tmp_path / "small-test-routine"
    assert sorted(p.name for p in folder.iterdir()) == [
        ".small-test-routine.audioguide.json", "01-wall-sit.lrc", "01-wall-sit.mp3", "01-wall-sit.vtt", "small-test-routine.cues.txt",
        "small-test-routine.m3u8", "small-test-routine.timeline.json",
    ]  # fmt: skip
    assert ID3(shorter.written.mp3)["TRCK"].text == ["1/1"]


def test_a_routines_cover_picture_is_embedded_as_it_is(fake_engine, tmp_path):
    picture = tmp_path / "art" / "knees.png"
    picture.parent.mkdir()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(picture)
    text = SMALL_ROUTINE.read_text().replace("rest_between: 10s", "rest_between: 10s\ncover: art/knees.png")
    (tmp_path / "r.yaml").write_text(text)
    result = build(routine.load(tmp_path / "r.yaml"), BuildOptions(engine="fake", output=tmp_path))
    cover = ID3(result.written.mp3).getall("APIC")[0]
    assert cover.mime == "image/png" and cover.data == picture.read_bytes()


def test_a_missing_cover_is_a_clear_error(fake_engine, tmp_path):
    result = CliRunner().invoke(
        cli, ["build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(tmp_path), "--cover", "nope.jpg"]
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: cover image nope.jpg: No such file or directory. Give a JPEG")


def test_sample_rate_bitrate_and_stereo_options(fake_engine, tmp_path):
    args = ["build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(tmp_path / "t.mp3")]
    result = CliRunner().invoke(cli, [*args, "--sample-rate", "22050", "--bitrate", "32k", "--stereo"])
    assert result.exit_code == 0, result.output
    info = MP3(tmp_path / "t.mp3").info
    assert (info.sample_rate, info.bitrate, info.channels) == (22_050, 32_000, 2)
    planned = json.loads((tmp_path / "t.timeline.json").read_text())["chapters"][1]["start_ms"]
    assert ID3(tmp_path / "t.mp3")["CHAP:ch1"].start_time == planned
    priming = 1105 * 1000 // 22_050  # ffmpeg's reader subtracts it
    assert abs(ffmetadata(tmp_path / "t.mp3").chapters[1][0] - (planned - priming)) <= 10, (
        "priming at 22.05 kHz"
    )


@pytest.mark.parametrize(
    ("audio", "message"),
    [
        (AudioFormat(rate=12_345), "sample rate 12345 Hz: MP3 does not support it. Use one of 8000"),
        (AudioFormat(bitrate="loud"), "bitrate 'loud': not an MP3 bitrate. Give kilobits per second"),
        (AudioFormat(bitrate="999k"), "bitrate '999k': not an MP3 bitrate."),
        (
            AudioFormat(bitrate="100k"),
            "bitrate 100k at 48000 Hz: MP3 has no such bitrate there. Use one of 32k,",
        ),
        (AudioFormat(8000, "128k"), "bitrate 128k at 8000 Hz: MP3 has no such bitrate there. Use one of 8k,"),
    ],
)
def test_formats_mp3_cannot_carry_are_refused(audio, message):
    with pytest.raises(ExportError, match=re.escape(message)):
        audio.check()
