"""The phrase cache managed: info by engine, prune by age and size, clear, safe sharing."""

from __future__ import annotations

import os
import threading
import time

import pytest
from pydub import AudioSegment
from pydub.generators import Sine

from audioguide.speech.cache import FORMAT, PhraseCache, parse_age, parse_size

DAY = 86_400


def clip(ms: int = 200) -> AudioSegment:
    return Sine(440, sample_rate=22_050).to_audio_segment(duration=ms, volume=-10)


def filled(tmp_path, engines=("pico", "pico", "espeak")) -> tuple[PhraseCache, list[str]]:
    cache = PhraseCache(tmp_path)
    keys = []
    for i, engine in enumerate(engines):
        key = cache.key(engine, "v", f"phrase {i}")
        cache.put(key, clip(), engine)
        keys.append(key)
    return cache, keys


def test_info_counts_entries_and_bytes_by_engine(tmp_path):
    cache, keys = filled(tmp_path)
    info = cache.info()
    sizes = [cache.path(k).stat().st_size for k in keys]
    assert (info.root, info.entries, info.size_bytes) == (tmp_path, 3, sum(sizes))
    assert info.entries_by_engine == {"pico": 2, "espeak": 1}
    assert info.bytes_by_engine["espeak"] == sizes[2]


def test_prune_by_age_goes_by_last_use(tmp_path):
    cache, keys = filled(tmp_path)
    long_ago = time.time() - 100 * DAY
    for key in keys:
        os.utime(cache.path(key), (long_ago, long_ago))
    assert cache.get(keys[0]) is not None  # used now: kept
    pruned = cache.prune(older_than_s=parse_age("90d"))
    assert pruned.removed == 2 and [k for k in keys if k in cache] == [keys[0]]


def test_prune_by_size_keeps_the_most_recently_used(tmp_path):
    cache, keys = filled(tmp_path)
    for age, key in enumerate(keys):  # keys[0] the newest
        os.utime(cache.path(key), (time.time() - age * DAY,) * 2)
    one = cache.path(keys[0]).stat().st_size
    pruned = cache.prune(max_bytes=one + one // 2)
    assert pruned.removed == 2 and pruned.freed_bytes == 2 * one
    assert keys[0] in cache and keys[1] not in cache and keys[2] not in cache


def test_clear_removes_entries_and_stale_temporaries_only(tmp_path):
    cache, keys = filled(tmp_path)
    stale = cache.path(keys[0]).parent / f".{keys[0]}.clip.abcd1234.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - DAY,) * 2)  # left by a build that died
    live = cache.path(keys[1]).parent / f".{keys[1]}.clip.efgh5678.tmp"
    live.write_bytes(b"being written")  # a build under way: clearing must not fail it
    other = tmp_path / "notes.txt"
    other.write_text("mine")
    assert cache.clear().removed == 3
    assert cache.entries() == [] and not stale.exists() and other.exists() and live.exists()


def test_a_damaged_entry_is_never_played_and_is_made_again(tmp_path, fake_engine):
    from audioguide.speech.voice import Voice

    cache = PhraseCache(tmp_path)
    voice = Voice(fake_engine(), cache, 44_100)
    voice.load(["Hold."])
    path = cache.entries()[0]
    path.write_bytes(path.read_bytes()[:-2] + b"\x01\x02")  # same length, other samples
    again = Voice(fake_engine(), cache, 44_100)
    again.load(["Hold."])
    assert again.synthesized == 1 and fake_engine.calls == ["Hold.", "Hold."]
    assert again.clip("Hold.").raw_data == voice.clip("Hold.").raw_data


@pytest.mark.parametrize("damage", [b"", b"AGC2", b"AGC1" + b"\0" * 100, b"AGC2" + b"\xff" * 4 + b"\0" * 100])
def test_any_damage_reads_as_absent(tmp_path, damage):
    cache, keys = filled(tmp_path)
    cache.path(keys[0]).write_bytes(damage)
    assert cache.get(keys[0]) is None and keys[0] not in cache


def test_two_builds_share_the_cache_safely(tmp_path):
    """Writers replace entries atomically: a reader sees a whole clip or none, never a torn one."""
    cache = PhraseCache(tmp_path)
    key = cache.key("pico", "v", "shared")
    versions = {clip(200).raw_data, clip(300).raw_data}
    seen, stop = set(), threading.Event()
    cache.put(key, clip(200), "pico")

    def write() -> None:
        while not stop.is_set():
            for ms in (200, 300):
                cache.put(key, clip(ms), "pico")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for _ in range(300):
            audio = PhraseCache(tmp_path).get(key)
            assert audio is not None, "an entry being replaced is still there, whole"
            seen.add(audio.raw_data)
    finally:
        stop.set()
        writer.join()
    assert seen and seen <= versions
    assert not list(tmp_path.rglob("*.tmp"))


def test_format_is_in_every_key():
    assert PhraseCache.key("pico", "v", "a") != PhraseCache.key("pico", "v", "b")
    assert FORMAT >= 2  # entries now carry their engine's name


@pytest.mark.parametrize(
    ("text", "value"), [("500MB", 500_000_000), ("2GiB", 2 * 1024**3), ("800 kb", 800_000), ("10", 10)]
)
def test_sizes(text, value):
    assert parse_size(text) == value


def test_ages_and_bad_values():
    assert parse_age("90d") == 90 * DAY and parse_age("12h") == 12 * 3600
    with pytest.raises(ValueError, match="not an age"):
        parse_age("soon")
    with pytest.raises(ValueError, match="not a size"):
        parse_size("big")
