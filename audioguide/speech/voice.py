"""A voice: one engine, the phrase cache and clip conditioning, at the track's sample rate."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from pydub import AudioSegment

from audioguide.errors import SpeechError
from audioguide.speech import clips
from audioguide.speech.base import Engine
from audioguide.speech.cache import PhraseCache
from audioguide.speech.text import prepare, preparers

Progress = Callable[[int, int], None]

# Phrases synthesized at once by an engine that allows it (Google): enough to hide the
# network's latency, few enough not to look like a burst.
DEFAULT_JOBS = 4


class Voice:
    """Gives every phrase as a conditioned clip at `rate`, synthesizing only what the cache lacks."""

    def __init__(self, engine: Engine, cache: PhraseCache, rate: int, jobs: int = DEFAULT_JOBS):
        if jobs < 1:
            raise SpeechError(f"--jobs must be at least 1, got {jobs}. Use 1 to synthesize one at a time")
        self.engine = engine
        self.cache = cache
        self.rate = rate
        self.jobs = jobs if engine.concurrent else 1
        self.synthesized = 0  # phrases this voice had to synthesize
        self.preparers = preparers(engine.lang)  # numbers and units in the voice's language
        self._clips: dict[str, AudioSegment] = {}

    def key(self, text: str) -> str:
        return self.cache.key(self.engine.name, self.engine.voice_id, prepare(text, self.preparers))

    def uncached(self, phrases: Iterable[str]) -> list[str]:
        """Phrases that a build would have to synthesize."""
        return [p for p in dict.fromkeys(phrases) if p not in self._clips and self.key(p) not in self.cache]

    def load(self, phrases: Iterable[str], progress: Progress | None = None) -> None:
        """Make every phrase ready: from memory, from the cache, or synthesized and cached.

        Cached phrases are read first; the rest are synthesized `jobs` at a time. The first
        failure stops the work that has not started and is raised.
        """
        todo = [p for p in dict.fromkeys(phrases) if p not in self._clips]
        done = 0

        def ready(text: str, audio: AudioSegment) -> None:
            nonlocal done
            self._clips[text] = audio.set_frame_rate(self.rate)
            done += 1
            if progress:
                progress(done, len(todo))

        missing = []
        for text in todo:
            audio = self.cache.get(self.key(text))
            if audio is None:
                missing.append(text)
            else:
                ready(text, audio)
        if self.jobs == 1:
            for text in missing:
                ready(text, self._synthesize(text))
                self.synthesized += 1
            return
        with ThreadPoolExecutor(self.jobs, thread_name_prefix=f"speech-{self.engine.name}") as pool:
            # Longest first: a long phrase is several requests in a row, and one started last
            # would leave the other workers idle while it finishes.
            ordered = sorted(missing, key=len, reverse=True)
            futures: dict[Future[AudioSegment], str] = {pool.submit(self._synthesize, t): t for t in ordered}
            pending = set(futures)
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        ready(futures[future], future.result())
                        self.synthesized += 1
            finally:
                pool.shutdown(wait=True, cancel_futures=True)  # phrases not yet started never start

    def _synthesize(self, text: str) -> AudioSegment:
        """Speak, condition and cache one phrase (may run on a worker thread)."""
        audio = clips.condition(self.engine.synthesize(prepare(text, self.preparers)))
        if len(audio) == 0:
            raise SpeechError(f'the {self.engine.name} voice produced silence for "{text}"')
        self.cache.put(self.key(text), audio, self.engine.name)
        return audio

    def has(self, text: str) -> bool:
        """Is the phrase loaded and ready to play?"""
        return text in self._clips

    def clip(self, text: str) -> AudioSegment:
        return self._clips[text]

    def duration_ms(self, text: str) -> int:
        return clips.duration_ms(self._clips[text])
