"""The seed article's draft, imported and built to an MP3 with the offline voice: the one real build."""

from __future__ import annotations

from pathlib import Path

from audio import ANALYSIS_RATE, decode

from audioguide import routine
from audioguide.authoring.importer import import_article, write_draft
from audioguide.build import BuildOptions, build

SEED = Path(__file__).parent / "articles" / "seed-feet-and-back.txt"
LENGTH_TOLERANCE_MS = 100  # MP3 framing at the ends


def test_the_seed_articles_draft_builds_offline_to_a_track_of_its_planned_length(tmp_path):
    draft = tmp_path / "feet.yaml"
    write_draft(import_article(SEED.read_bytes(), str(SEED)).text, draft)
    loaded = routine.load(draft)
    result = build(loaded, BuildOptions(level="easy", engine="pico", output=tmp_path / "out"))
    assert result.engine == "pico"
    chapters = [chapter.title for chapter in result.script.chapters]
    for exercise in loaded.exercises:
        assert any(exercise.name in title for title in chapters), (exercise.name, chapters)
    samples = decode(result.written.mp3)
    heard_ms = len(samples) * 1000 / ANALYSIS_RATE
    assert abs(heard_ms - result.script.duration_ms) < LENGTH_TOLERANCE_MS
