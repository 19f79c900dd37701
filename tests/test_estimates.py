"""A routine that validates builds: the per-voice upper bounds hold for real offline voices."""

from __future__ import annotations

import json
import random
from functools import cache

import pytest

from audioguide import routine, speech
from audioguide.compiler import compile_routine
from audioguide.errors import SpeechError
from audioguide.estimates import upper_bound
from audioguide.speech import clips
from audioguide.speech.text import prepare

WORDS = (
    "slowly gently lift lower your right left knee heel toes arm shoulder back hold breathe "
    "squeeze press keep it steady and then relax the band chair towel wall floor up down"
).split()
ROUTINES = 12


def sentence(rng: random.Random, low: int, high: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))
    if rng.random() < 0.3:
        text = text.replace(" and ", ", and ", 1)
    return text.capitalize() + "."


def generated(rng: random.Random) -> str:
    """A small routine whose rests and phases are near what their cues need."""
    exercises = []
    for n in range(rng.randint(2, 3)):
        phases = "".join(
            f"          - {{say: {rng.choice(WORDS)}, for: {rng.choice([2, 2.5, 3])}s}}\n"
            for _ in range(rng.randint(1, 2))
        )
        exercises.append(
            f"  - name: Move {n}\n"
            f"    setup: {json.dumps(sentence(rng, 3, 12))}\n"
            f"    sets: {rng.randint(1, 2)}\n"
            f"    rest: {rng.randint(6, 12)}s\n"
            f"    steps:\n"
            f"      - reps: {rng.randint(2, 12)}\n"
            f"        count: words\n"
            f"        say: {json.dumps(sentence(rng, 2, 8))}\n"
            f"        tempo:\n{phases}"
            f"      - {{hold: {rng.randint(4, 40)}s, say: {json.dumps(sentence(rng, 2, 6))}}}\n"
        )
    return (
        f"title: Generated\nrest_between: {rng.randint(6, 15)}s\n"
        f"cues: {{countdown: {rng.randint(1, 3)}}}\nexercises:\n" + "".join(exercises)
    )


@pytest.mark.parametrize("engine", ["pico", "espeak"])
def test_a_routine_that_validates_for_a_voice_builds_with_it(engine):
    try:
        voice = speech.make_engine(engine, "en")
    except SpeechError as exc:
        pytest.skip(str(exc))

    @cache
    def real_ms(text: str) -> int:
        return clips.duration_ms(clips.condition(voice.synthesize(prepare(text))))

    bound = upper_bound(engine)
    rng = random.Random(10)
    warned = 0
    for _ in range(ROUTINES):
        loaded = routine.loads(generated(rng))
        planned = compile_routine(loaded, "medium", bound)  # a programme is never refused for its talk
        warned += bool(planned.warnings)
        for phrase in planned.phrases():
            assert real_ms(phrase) <= bound(phrase), phrase
        compile_routine(loaded, "medium", real_ms)  # raises if the real voice does not fit
    assert warned, "the generated routines are tight enough to need their talk fitted"
