"""Memory stays flat in the number of distinct phrases: Pico frees what it takes (py-nanotts),
or speaks in a short-lived worker process that takes its leak with it (ttspico), and a voice
keeps only a budget of clips in memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from audioguide.speech import PhraseCache, Voice, clips, make_engine, pico_ttspico

SCRIPTS = Path(__file__).parent.parent / "scripts"


PROC_STATUS = Path("/proc/self/status")
MAX_GROWTH_KB = 5_000  # ttspico in one process would grow by about 24 MB over these phrases


def rss_kb() -> int:
    for line in PROC_STATUS.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(not PROC_STATUS.exists(), reason="reads the process's memory from /proc")
@pytest.mark.parametrize("pico_binding", ["pico_nanotts"], indirect=True)
def test_pico_through_nanotts_speaks_in_process_without_growing(pico_binding):
    engine = make_engine("pico")
    for n in range(20):  # the allocator settles
        engine.synthesize(f"Warm up number {n}.")
    start = rss_kb()
    for n in range(100):
        engine.synthesize(f"Phrase number {n}: lift your heel slowly, hold it, and lower it again.")
    assert rss_kb() - start < MAX_GROWTH_KB


@pytest.mark.parametrize("pico_binding", ["pico_ttspico"], indirect=True)
def test_pico_speaks_in_a_worker_that_is_replaced(monkeypatch, pico_binding):
    monkeypatch.setattr(pico_ttspico, "PHRASES_PER_WORKER", 3)
    worker = pico_ttspico._worker()
    worker.close()
    engine = make_engine("pico")
    first = engine.synthesize("Hold still for twenty seconds.")
    pids = set()
    for n in range(7):
        engine.synthesize(f"Phrase number {n}.")
        pids.add(worker._process.pid)
    assert os.getpid() not in pids and len(pids) == 3, "a fresh worker every three phrases"
    again = engine.synthesize("Hold still for twenty seconds.")
    assert again.raw_data == first.raw_data, "a phrase sounds the same from any worker"


@pytest.mark.parametrize("pico_binding", ["pico_ttspico"], indirect=True)
def test_a_killed_worker_is_replaced_and_the_phrase_spoken(pico_binding):
    engine = make_engine("pico")
    engine.synthesize("One.")
    worker = pico_ttspico._worker()
    worker._process.kill()
    worker._process.wait()
    assert len(engine.synthesize("Two.")) > 100


def test_a_voice_keeps_only_its_budget_of_clips_in_memory(tmp_path, fake_engine):
    cache = PhraseCache(tmp_path)
    budget = 200_000  # a few clips
    voice = Voice(make_engine("fake"), cache, 22_050, memory_budget=budget)
    phrases = [f"A long distinct instruction number {n}, said once." for n in range(40)]
    voice.load(phrases)
    assert voice._recent_bytes <= budget and len(voice._recent) < len(phrases)
    for phrase in phrases:  # every clip is still there, read back from the cache, at its length
        audio = voice.clip(phrase)
        assert clips.duration_ms(audio) == voice.duration_ms(phrase) and audio.frame_rate == 22_050
        assert voice._recent_bytes <= budget
    assert voice.synthesized == len(phrases) and len(fake_engine.calls) == len(phrases)


def test_a_clip_cleared_from_the_cache_meanwhile_is_made_again(tmp_path, fake_engine):
    cache = PhraseCache(tmp_path)
    voice = Voice(make_engine("fake"), cache, 22_050, memory_budget=1)
    voice.load(["First.", "Second."])
    cache.clear()
    assert clips.duration_ms(voice.clip("First.")) == voice.duration_ms("First.")


@pytest.mark.slow
def test_a_cold_build_of_200_distinct_long_phrases_stays_under_150_mb():
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "peak_rss.py")], capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "within the 150 MB target" in done.stdout, done.stdout
