"""A dry run: which phrases a build would take from the cache and which it would synthesize.

Nothing is synthesized and nothing reaches the network: under `auto` the plan is given
for Google and for the offline voice it would fall back to, since which one answers is
only known when the build runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from audioguide import speech
from audioguide.build import BuildOptions, speech_lang
from audioguide.compiler import compile_routine
from audioguide.errors import SpeechError
from audioguide.routine import Routine


@dataclass(frozen=True)
class EnginePlan:
    engine: str
    voice: str
    cached: tuple[str, ...]
    to_synthesize: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "engine": self.engine,
            "voice": self.voice,
            "cached": list(self.cached),
            "to_synthesize": list(self.to_synthesize),
        }


@dataclass(frozen=True)
class Plan:
    phrases: tuple[str, ...]
    engines: tuple[EnginePlan, ...]  # under auto: Google, then the offline fallback

    def to_json(self) -> dict[str, object]:
        return {"phrases": len(self.phrases), "engines": [e.to_json() for e in self.engines]}


def plan(routine: Routine, options: BuildOptions | None = None) -> Plan:
    """The phrases of the routine's script (the track-length phrase as estimated), by engine."""
    options = options or BuildOptions()
    lang = speech_lang(routine, options)
    script = compile_routine(routine, options.level, lang=lang)
    phrases = script.phrases()
    cache = speech.PhraseCache(options.cache_dir)
    plans = []
    for engine in _candidates(options, lang):
        voice = speech.Voice(engine, cache, options.rate)
        missing = set(voice.uncached(phrases))
        plans.append(
            EnginePlan(
                engine=engine.name,
                voice=engine.voice_id,
                cached=tuple(p for p in phrases if p not in missing),
                to_synthesize=tuple(p for p in phrases if p in missing),
            )
        )
    return Plan(tuple(phrases), tuple(plans))


def _candidates(options: BuildOptions, lang: str) -> list[speech.Engine]:
    if options.engine != speech.AUTO:
        return [speech.make_engine(options.engine, lang, **options.engine_options)]
    engines = []
    try:
        engines.append(speech.online_engine(lang, **options.engine_options))
    except SpeechError:
        pass  # Google cannot honour these options or this language: auto goes offline
    engines.append(speech.offline_engine(lang, **options.engine_options))
    return engines
