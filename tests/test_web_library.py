"""The page's library of tracks: only what a build wrote is read, and nothing in the folder can
park a worker, fill the memory or make a listing fail."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from serving import mp3

from audioguide.web import library

QUICK_S = 2.0


def listed(folder: Path) -> list[library.Track]:
    """The listing, which must come back within QUICK_S (a FIFO once kept it for ever)."""
    found: list[list[library.Track]] = []
    worker = threading.Thread(target=lambda: found.append(library.Library(folder).tracks()), daemon=True)
    worker.start()
    worker.join(QUICK_S)
    assert found, "the listing did not come back"
    return found[0]


def test_a_fifo_timeline_is_not_waited_on(tmp_path):
    mp3(tmp_path / "a.mp3")
    os.mkfifo(tmp_path / "a.timeline.json")
    [track] = listed(tmp_path)
    assert track.name == "a.mp3" and track.chapters == ()


def test_a_timeline_linked_to_dev_zero_or_elsewhere_is_not_read(tmp_path):
    mp3(tmp_path / "a.mp3")
    (tmp_path / "a.timeline.json").symlink_to("/dev/zero")
    mp3(tmp_path / "b.mp3")
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"title": "secret", "level": "secret"}))
    (tmp_path / "b.timeline.json").symlink_to(elsewhere)
    assert [(t.name, t.level) for t in sorted(listed(tmp_path), key=lambda t: t.name)] == [
        ("a.mp3", ""),
        ("b.mp3", ""),
    ]


@pytest.mark.parametrize(
    "timeline",
    [
        [1, 2],
        {"chapters": 5},
        {"chapters": [1, "x", {"title": "t"}, {"title": "t", "start_ms": "x"}, {"title": 1, "start_ms": 2}]},
        {"duration_ms": True, "title": {"a": 1}, "level": ["easy"], "voice": None},
        {"title": "\ud800 lone surrogate"},
    ],
)
def test_a_timeline_of_the_wrong_shape_still_lists_the_track(tmp_path, timeline):
    mp3(tmp_path / "a.mp3")
    (tmp_path / "a.timeline.json").write_text(json.dumps(timeline))
    [track] = listed(tmp_path)
    json.dumps(track.to_json(), ensure_ascii=False).encode("utf-8")  # it raised before: 500
    assert all(isinstance(c.start_ms, int) for c in track.chapters)


def test_a_file_name_that_is_not_utf8_is_left_out_and_the_rest_listed(tmp_path):
    mp3(tmp_path / "good.mp3")
    mp3(Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.mp3")))
    assert [t.name for t in listed(tmp_path)] == ["good.mp3"]


def test_a_timeline_read_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(library, "MAX_TIMELINE_BYTES", 100)
    mp3(tmp_path / "a.mp3")
    (tmp_path / "a.timeline.json").write_text(json.dumps({"level": "x" * 200}))
    started = time.monotonic()
    [track] = listed(tmp_path)
    assert track.level == "" and time.monotonic() - started < QUICK_S
