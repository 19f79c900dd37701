"""A voice: one engine, the phrase cache and clip conditioning, at the track's sample rate."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pydub import AudioSegment

from audioguide.errors import SpeechError
from audioguide.speech import clips
from audioguide.speech.base import Engine
from audioguide.speech.cache import PhraseCache
from audioguide.speech.text import prepare

Progress = Callable[[int, int], None]


class Voice:
    """Gives every phrase as a conditioned clip at `rate`, synthesizing only what the cache lacks."""

    def __init__(self, engine: Engine, cache: PhraseCache, rate: int):
        self.engine = engine
        self.cache = cache
        self.rate = rate
        self.synthesized = 0  # phrases this voice had to synthesize
        self._clips: dict[str, AudioSegment] = {}

    @property
    def label(self) -> str:
        return f"{self.engine.name} ({self.engine.voice_id})"

    def key(self, text: str) -> str:
        return self.cache.key(self.engine.name, self.engine.voice_id, prepare(text))

    def uncached(self, phrases: Iterable[str]) -> list[str]:
        """Phrases that a build would have to synthesize."""
        return [p for p in dict.fromkeys(phrases) if p not in self._clips and self.key(p) not in self.cache]

    def load(self, phrases: Iterable[str], progress: Progress | None = None) -> None:
        """Make every phrase ready: from memory, from the cache, or synthesized and cached."""
        todo = [p for p in dict.fromkeys(phrases) if p not in self._clips]
        for done, text in enumerate(todo, 1):
            key = self.key(text)
            audio = self.cache.get(key)
            if audio is None:
                audio = clips.condition(self.engine.synthesize(prepare(text)))
                if len(audio) == 0:
                    raise SpeechError(f'the {self.engine.name} voice produced silence for "{text}"')
                self.cache.put(key, audio)
                self.synthesized += 1
            self._clips[text] = audio.set_frame_rate(self.rate)
            if progress:
                progress(done, len(todo))

    def has(self, text: str) -> bool:
        """Is the phrase loaded and ready to play?"""
        return text in self._clips

    def clip(self, text: str) -> AudioSegment:
        return self._clips[text]

    def duration_ms(self, text: str) -> int:
        return clips.duration_ms(self._clips[text])
