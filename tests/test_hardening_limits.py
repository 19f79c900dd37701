"""Limits cannot be bypassed: no phrase grows past what is said at once, no name costs
quadratic time."""

from __future__ import annotations

import time

import pytest

from audioguide import routine
from audioguide.errors import RoutineError, SpeechError
from audioguide.routine import MAX_SLUG_BYTES, slugify
from audioguide.speech import PhraseCache, Voice, make_engine
from audioguide.speech.voice import MAX_PHRASE_CHARS


def test_equipment_items_together_are_held_to_the_text_limit():
    items = "\n".join(f"      - {'band ' * 100}{n}" for n in range(40))  # each item under the limit
    text = f"title: T\nexercises:\n  - name: A\n    equipment:\n{items}\n    steps: [{{hold: 5s}}]\n"
    with pytest.raises(RoutineError, match=r"exercises\[0\]\.equipment: is too long together"):
        routine.loads(text)


def test_a_phrase_that_grew_past_the_limit_is_refused_before_any_synthesis(fake_engine, tmp_path):
    voice = Voice(make_engine("fake"), PhraseCache(tmp_path), 44_100)
    with pytest.raises(SpeechError, match="at most 2,000 are said at once"):
        voice.load(["Short.", "lift your leg " * (MAX_PHRASE_CHARS // 10)])
    assert fake_engine.calls == []


def test_a_long_name_is_slugged_in_linear_time():
    name = "é" * 20_000 + " x" * 20_000
    started = time.perf_counter()
    slug = slugify(name)
    assert time.perf_counter() - started < 0.5
    assert len(slug.encode("utf-8")) <= MAX_SLUG_BYTES and slug == "e" * MAX_SLUG_BYTES
