"""The training log's file: sessions appended and read back, this week's count, a damaged line skipped."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from audioguide import sessions
from audioguide.cli import cli
from audioguide.web.library import Track

THURSDAY = datetime(2026, 12, 3, 7, 30, tzinfo=timezone.utc)


def track(**fields) -> Track:
    base = dict(
        name="feet.mp3",
        title="Feet",
        duration_ms=60_000,
        level="medium",
        language="en-US",
        engine="pico",
        voice="en-US",
        changed="",
        size=1,
        modified=0.0,
        chapters=(),
        captions=None,
        cover_mime=None,
        digest="0" * 16,
        album_title="Feet",
    )
    return Track(**{**base, **fields})


@pytest.fixture
def utc(monkeypatch):
    """This computer's local time is UTC while the test runs."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_sessions_are_appended_and_counted_from_monday(tmp_path, utc):
    monday = (THURSDAY - timedelta(days=3)).replace(hour=0, minute=0)
    sessions.record(tmp_path, track(), now=monday - timedelta(minutes=1))  # Sunday night: last week
    sessions.record(tmp_path, track(), now=monday)
    sessions.record(tmp_path, track(changed="feet reps 12", level="hard"), now=THURSDAY)
    found = sessions.read(tmp_path)
    assert [s.level for s in found] == ["medium", "medium", "hard"]
    assert [s.date for s in found] == [
        "2026-11-29T23:59:00+00:00",
        "2026-11-30T00:00:00+00:00",
        "2026-12-03T07:30:00+00:00",
    ]
    assert sessions.this_week(found, now=THURSDAY) == 2
    assert found[-1].line() == "Thu 03 Dec 2026 07:30  Feet (level hard, changed: feet reps 12)"


def test_a_damaged_line_is_skipped_and_no_log_is_no_sessions(tmp_path):
    assert sessions.read(tmp_path) == []
    sessions.record(tmp_path, track(), now=THURSDAY)
    with sessions.path(tmp_path).open("a") as log:
        log.write('{"date": "yesterday", "routine": "x"}\nnot json\n{"routine": "cut off')
    sessions.record(tmp_path, track(title="Back", album_title="Back"), now=THURSDAY)
    assert [s.routine for s in sessions.read(tmp_path)] == ["Feet", "Back"]


def test_audioguide_log_prints_the_last_sessions_or_says_there_are_none(tmp_path):
    empty = CliRunner().invoke(cli, ["log", "-o", str(tmp_path)])
    assert empty.exit_code == 0 and "No sessions yet" in empty.output
    for day in range(12):
        sessions.record(
            tmp_path, track(title=f"Day {day}", album_title=f"Day {day}"), now=THURSDAY + timedelta(days=day)
        )
    shown = CliRunner().invoke(cli, ["log", "-o", str(tmp_path)]).output.splitlines()
    assert len(shown) == 1 + sessions.SHOWN and "Day 11" in shown[1] and "Day 2" in shown[-1]
    assert len(CliRunner().invoke(cli, ["log", "-o", str(tmp_path), "--all"]).output.splitlines()) == 13


def test_a_pipe_or_a_link_in_the_logs_place_is_never_waited_on_or_followed(tmp_path):
    os.mkfifo(tmp_path / sessions.LOG_FILE)  # opening it to read or append would wait for ever
    started = time.monotonic()
    assert sessions.read(tmp_path) == []
    with pytest.raises(OSError):
        sessions.record(tmp_path, track(), THURSDAY)
    assert time.monotonic() - started < 1.0
    other = tmp_path / "other"
    other.mkdir()
    mine = tmp_path / "mine.txt"
    mine.write_text("mine\n")
    (other / sessions.LOG_FILE).symlink_to(mine)
    assert sessions.read(other) == []
    with pytest.raises(OSError):
        sessions.record(other, track(), THURSDAY)
    assert mine.read_text() == "mine\n"
