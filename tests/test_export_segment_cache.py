"""The encoded-segment cache reads only regular files and deletes only what it wrote."""

from __future__ import annotations

import os
import threading

from audioguide.export.segment_cache import SegmentCache, max_entry_bytes

CONTENT = "ab" + "0" * 62
FRAMES = b"\xff\xfb" + b"\x00" * 100


def _cache(tmp_path) -> SegmentCache:
    cache = SegmentCache.beside(tmp_path / "phrases")
    cache.put(CONTENT, FRAMES, 1)
    return cache


def test_clear_deletes_its_entries_and_nothing_else(tmp_path):
    cache = _cache(tmp_path)
    shard = cache.path(CONTENT).parent
    foreign_entry = shard / ("cd" + "1" * 62 + "-3.seg")  # named like an entry, not written by us
    foreign_entry.write_bytes(b"someone else's file")
    notes = shard / "notes.txt"
    notes.write_text("mine")
    stray_tmp = shard / ".holiday.mp3.tmp"
    stray_tmp.write_text("mine too")
    os.utime(stray_tmp, (0, 0))  # old enough to look like a leftover
    assert cache.clear() == (1, cache_size(FRAMES))
    assert not cache.path(CONTENT).exists()
    assert foreign_entry.read_bytes() == b"someone else's file"
    assert notes.read_text() == "mine" and stray_tmp.read_text() == "mine too"
    assert shard.is_dir(), "a folder that still holds someone's files stays"


def test_clear_removes_the_shard_folders_it_emptied(tmp_path):
    cache = _cache(tmp_path)
    shard = cache.path(CONTENT).parent
    cache.clear()
    assert not shard.exists()


def test_a_pipe_in_place_of_an_entry_is_encoded_again_not_waited_on(tmp_path):
    cache = _cache(tmp_path)
    path = cache.path(CONTENT)
    path.unlink()
    os.mkfifo(path)
    result: list[bytes | None] = []
    reader = threading.Thread(target=lambda: result.append(cache.get(CONTENT)), daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "reading a FIFO entry hung"
    assert result == [None] and not path.exists()
    cache.put(CONTENT, FRAMES, 1)
    assert cache.get(CONTENT) == FRAMES


def test_a_cache_folder_that_cannot_be_listed_holds_nothing(tmp_path):
    cache = SegmentCache(tmp_path / ("x" * 300))  # a name too long for the file system
    assert cache.entries() == [] and cache.info().entries == 0
    assert cache.clear() == (0, 0)


def cache_size(frames: bytes) -> int:
    return 4 + 4 + 32 + 32 + len(frames)  # magic, frames, their hash, the content made for


def test_entries_named_by_an_earlier_version_are_still_cleared(tmp_path):
    """Earlier versions named entries `<content>-<phase>.seg`; they are ours to clear."""
    cache = _cache(tmp_path)
    old = cache.path(CONTENT).with_name(f"{CONTENT}-7.seg")
    old.write_bytes(cache.path(CONTENT).read_bytes())
    assert cache.clear() == (2, 2 * cache_size(FRAMES))
    assert not old.exists()


def test_an_entry_is_read_only_for_the_content_it_was_made_for(tmp_path):
    cache = _cache(tmp_path)
    other = "cd" + "2" * 62
    cache.path(other).parent.mkdir(parents=True)
    cache.path(other).write_bytes(cache.path(CONTENT).read_bytes())  # copied over another's name
    assert cache.get(other) is None and not cache.path(other).exists()
    assert cache.get(CONTENT, frames=2) is None, "an entry of another length than its segment's"
    cache.put(CONTENT, FRAMES, 1)
    assert cache.get(CONTENT, frames=1) == FRAMES


def test_an_entry_larger_than_its_segment_or_a_link_is_not_read(tmp_path):
    cache = _cache(tmp_path)
    limit = max_entry_bytes(48_000, 48_000)  # a one-second segment
    cache.put(CONTENT, FRAMES * (limit // len(FRAMES)), 1)
    assert cache.get(CONTENT, limit) is None and not cache.path(CONTENT).exists()
    outside = tmp_path / "elsewhere.seg"
    cache.put(CONTENT, FRAMES, 1)
    cache.path(CONTENT).rename(outside)
    cache.path(CONTENT).symlink_to(outside)
    assert cache.get(CONTENT) is None, "a link is never followed"
    assert not cache.path(CONTENT).is_symlink() and outside.is_file()


def test_clear_never_follows_a_linked_shard_folder(tmp_path):
    cache = _cache(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = "cd" + "3" * 62
    cache.put(other, FRAMES, 1)
    cache.path(other).rename(elsewhere / cache.path(other).name)  # an entry of ours, outside
    cache.path(other).parent.rmdir()
    (cache.root / "cd").symlink_to(elsewhere, target_is_directory=True)
    assert cache.clear() == (1, cache_size(FRAMES))
    assert (elsewhere / cache.path(other).name).is_file(), "nothing outside the cache is deleted"
    assert (cache.root / "cd").is_symlink()
