"""A voice: one engine, the phrase cache and clip conditioning, at the track's sample rate."""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from audioguide.errors import SpeechError
from audioguide.routine import MAX_SPOKEN_CHARS
from audioguide.speech.base import Engine, duration_ms
from audioguide.speech.cache import PhraseCache
from audioguide.speech.text import prepare, preparers

if TYPE_CHECKING:
    from concurrent.futures import Future

    from pydub import AudioSegment

Progress = Callable[[int, int], None]

# Phrases synthesized at once by an engine that allows it (Google): enough to hide the
# network's latency, few enough not to look like a burst.
DEFAULT_JOBS = 4
# The longest phrase spoken at once, after preparation. A routine's texts are at most 600
# characters, but the compiler joins and fills them (equipment lists, {side}); whatever
# the way, no single phrase may grow into minutes of speech. The compiler checks the same
# limit before preparation, where it can say which part of the routine is to blame.
MAX_PHRASE_CHARS = MAX_SPOKEN_CHARS
# Clips kept in memory between uses, most recently used first. The rest are read back from
# the cache when the track reaches them, so memory stays flat however many distinct
# phrases a routine has (200 long instructions are half a gigabyte of samples).
MEMORY_BUDGET_BYTES = 24_000_000
# Threads conditioning clips while an engine that speaks one phrase at a time speaks the
# next: the other cores, at least one (conditioning and Pico both leave the interpreter free).
CONDITIONING_THREADS = max(1, min(4, (os.cpu_count() or 2) - 1))


def _done_conditioning(conditioned: bool) -> None:
    """The conditioning threads are gone: give back what they held, so that the rest of the
    build (the encoding) does not peak higher for it. The K-weighting responses kept for the
    phrases' sizes go (4 MB on the 3-hour routine), and glibc, which keeps what a thread frees
    in that thread's own heap for the thread to use again, hands it back to the system (4 MB
    on the built-in)."""
    if conditioned:
        from audioguide.speech import clips

        clips.forget_responses()
    if sys.platform.startswith("linux") and (trim := getattr(ctypes.CDLL(None), "malloc_trim", None)):
        trim(0)


class Voice:
    """Gives every phrase as a conditioned clip at `rate`, synthesizing only what the cache lacks.

    A loaded phrase's length is always known; its samples are kept in memory only up to
    `memory_budget` bytes (the most recently used), and otherwise read back from the cache.
    """

    def __init__(
        self,
        engine: Engine,
        cache: PhraseCache,
        rate: int,
        jobs: int = DEFAULT_JOBS,
        memory_budget: int = MEMORY_BUDGET_BYTES,
    ):
        if jobs < 1:
            raise SpeechError(f"--jobs must be at least 1, got {jobs}. Use 1 to synthesize one at a time")
        self.engine = engine
        self.cache = cache
        self.rate = rate
        self.jobs = jobs if engine.concurrent else 1
        self.synthesized = 0  # phrases this voice had to synthesize
        self.memory_budget = memory_budget
        self._durations: dict[str, int] = {}  # every loaded phrase's length in ms
        self._recent: OrderedDict[str, AudioSegment] = OrderedDict()  # clips kept, least recent first
        self._recent_bytes = 0
        self._pinned: dict[str, AudioSegment] = {}  # clips the cache could not keep: only here
        self._lock = threading.Lock()
        self.preparers = preparers(engine.lang)  # numbers and units in the voice's language

    def key(self, text: str) -> str:
        return self.cache.key(self.engine.name, self.engine.voice_id, prepare(text, self.preparers))

    def uncached(self, phrases: Iterable[str]) -> list[str]:
        """Phrases that a build would have to synthesize."""
        wanted = dict.fromkeys(phrases)
        return [p for p in wanted if p not in self._durations and self.key(p) not in self.cache]

    def load(self, phrases: Iterable[str], progress: Progress | None = None) -> None:
        """Make every phrase ready: from memory, from the cache, or synthesized and cached.

        Cached phrases are read first; the rest are synthesized `jobs` at a time. The first
        failure stops the work that has not started and is raised.
        """
        todo = [p for p in dict.fromkeys(phrases) if p not in self._durations]
        for text in todo:
            if len(spoken := prepare(text, self.preparers)) > MAX_PHRASE_CHARS:
                raise SpeechError(
                    f'a phrase would be {len(spoken):,} characters long ("{spoken[:40]}..."); at most '
                    f"{MAX_PHRASE_CHARS:,} are said at once. Shorten the routine's texts or lists"
                )
        done = 0

        def ready(text: str, audio: AudioSegment) -> None:
            nonlocal done
            self._keep(text, audio.set_frame_rate(self.rate))
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
            self._speak_in_turn(missing, ready)
            return
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

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
                _done_conditioning(bool(missing))

    def _speak_in_turn(self, texts: list[str], ready: Callable[[str, AudioSegment], None]) -> None:
        """Speak one phrase at a time on this thread, while the phrases spoken before it are
        conditioned and cached on other cores: the engine never waits for the conditioning.

        At most CONDITIONING_THREADS + 1 spoken clips wait for conditioning, so memory stays
        flat however fast the engine speaks.
        """
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(CONDITIONING_THREADS, thread_name_prefix="condition") as pool:
            pending: deque[tuple[str, Future[AudioSegment]]] = deque()
            try:
                for text in texts:
                    raw = self.engine.synthesize(prepare(text, self.preparers))
                    pending.append((text, pool.submit(self._finish, text, raw)))
                    while pending and (len(pending) > CONDITIONING_THREADS or pending[0][1].done()):
                        done, future = pending.popleft()
                        ready(done, future.result())
                        self.synthesized += 1
                while pending:
                    done, future = pending.popleft()
                    ready(done, future.result())
                    self.synthesized += 1
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
                _done_conditioning(bool(texts))

    def _synthesize(self, text: str) -> AudioSegment:
        """Speak, condition and cache one phrase (may run on a worker thread)."""
        return self._finish(text, self.engine.synthesize(prepare(text, self.preparers)))

    def _finish(self, text: str, spoken: AudioSegment) -> AudioSegment:
        """Condition and cache a phrase the engine has spoken (may run on a worker thread)."""
        from audioguide.speech import clips  # numpy, once there is something to condition

        audio = clips.condition(spoken)
        if len(audio) == 0:
            raise SpeechError(f'the {self.engine.name} voice produced silence for "{text}"')
        self.cache.put(self.key(text), audio, self.engine.name)
        if self.key(text) not in self.cache:  # a folder of someone's where the entry belongs
            with self._lock:
                self._pinned[text] = audio
        return audio

    def has(self, text: str) -> bool:
        """Is the phrase loaded and ready to play?"""
        return text in self._durations

    def clip(self, text: str) -> AudioSegment:
        """The phrase's clip at the track's rate: from memory, else from the cache, else made again."""
        with self._lock:
            if (audio := self._recent.get(text)) is not None:
                self._recent.move_to_end(text)
                return audio
            pinned = self._pinned.get(text)
        if pinned is None:
            pinned = self.cache.get(self.key(text))
        if pinned is None:  # cleared or damaged since it was loaded: the same words again
            pinned = self._synthesize(text)
        audio = pinned.set_frame_rate(self.rate)
        if duration_ms(audio) != self._durations[text]:
            raise SpeechError(
                f'the {self.engine.name} voice spoke "{text[:40]}" at another length the second time. '
                "Probable cause: the phrase cache was cleared during the build; build again"
            )
        self._keep(text, audio)
        return audio

    def duration_ms(self, text: str) -> int:
        return self._durations[text]

    def _keep(self, text: str, audio: AudioSegment) -> None:
        """Note the phrase's length, and keep its clip in memory while the budget allows."""
        with self._lock:
            self._durations[text] = duration_ms(audio)
            if text in self._recent:
                self._recent.move_to_end(text)
                return
            self._recent[text] = audio
            self._recent_bytes += len(audio.raw_data)
            while self._recent_bytes > self.memory_budget and len(self._recent) > 1:
                _, dropped = self._recent.popitem(last=False)
                self._recent_bytes -= len(dropped.raw_data)
