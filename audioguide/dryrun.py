"""A dry run: the voice a build would use and why, and which phrases it would take from the
cache and which it would synthesize.

Nothing is synthesized. Under `auto` the dry run asks Google once, as a build does before
it starts (one short phrase, a few seconds at most, no retry), so it can name the voice the
build would pick; the plan is also given for the other candidate, since whether Google
answers can change by the time the build runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from audioguide import speech
from audioguide.build import BuildOptions, kept_voice, place, speech_lang
from audioguide.compiler import compile_routine
from audioguide.errors import SpeechError
from audioguide.routine import Routine
from audioguide.speech import google


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
    engines: tuple[EnginePlan, ...]  # the voice the build would use first; under auto, then the other
    why: str = ""  # why the build would use the first: "as chosen with --engine pico", "because ..."
    other_when: str = ""  # when the build would use the second: "if Google fails during the build"

    @property
    def chosen(self) -> EnginePlan:
        return self.engines[0]

    def to_json(self) -> dict[str, object]:
        return {
            "phrases": len(self.phrases),
            "chosen": {"engine": self.chosen.engine, "voice": self.chosen.voice, "why": self.why},
            "other_when": self.other_when,
            "engines": [e.to_json() for e in self.engines],
        }


@dataclass(frozen=True)
class GoogleCheck:
    """Did Google answer just now, as `auto` asks it before a build?"""

    answered: bool
    seconds: float  # how long the question took
    why_not: str = ""  # the first sentence of the error when it did not answer

    def describe(self) -> str:
        if self.answered:
            return f"Google answered just now (in {self.seconds:.1f} s)"
        return f"Google did not answer just now ({self.why_not})"


def check_google(engine: google.GoogleEngine | None = None) -> GoogleCheck:
    """Ask Google for one short phrase, with `auto`'s short timeout and no retry."""
    engine = engine or speech.online_engine()
    started = time.monotonic()
    try:
        engine.synthesize("OK", timeout=google.PROBE_TIMEOUT_S, retry=google.NO_RETRY)
    except SpeechError as exc:
        return GoogleCheck(False, time.monotonic() - started, _first_sentence(str(exc)))
    return GoogleCheck(True, time.monotonic() - started)


def plan(routine: Routine, options: BuildOptions | None = None, chosen_by: str = "") -> Plan:
    """The voice the build would use and why; the phrases of the script (the track-length
    phrase as estimated), cached or to synthesize, for that voice and any other candidate.

    `chosen_by` says where a named engine came from (default: `--engine NAME`).
    """
    options = options or BuildOptions()
    lang = speech_lang(routine, options)
    script = compile_routine(routine, options.level, lang=lang)
    phrases = script.phrases()
    cache = speech.PhraseCache(options.cache_dir)
    target, _ = place(routine, options, lang)
    if kept := kept_voice(routine, options, lang, target, cache):
        cached = " and its phrases are all cached" if kept.engine.online else ""
        why = f"because it spoke the track this build replaces ({target}){cached}"
        candidates, why, other_when = [kept.engine], why, ""
    else:
        candidates, why, other_when = _choice(options, lang, chosen_by or f"--engine {options.engine}")
    plans = []
    for engine in candidates:
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
    return Plan(tuple(phrases), tuple(plans), why, other_when)


def _choice(options: BuildOptions, lang: str, chosen_by: str) -> tuple[list[speech.Engine], str, str]:
    """The engines a build would use, its first choice first; why the first; when the second."""
    if options.engine != speech.AUTO:
        engine = speech.make_engine(options.engine, lang, **options.engine_options)
        return [engine], f"as chosen with {chosen_by}", ""
    offline = speech.offline_engine(lang, **options.engine_options)
    offline_why = _offline_why(lang, offline)
    try:
        online = speech.online_engine(lang, **options.engine_options)
    except SpeechError as exc:
        return [offline], f"because {_first_sentence(str(exc))}, and {offline_why}", ""
    checked = check_google(online)
    if checked.answered:
        why = f"because {checked.describe()}"
        return [online, offline], why, "if Google fails during the build, the whole track is made again with"
    return (
        [offline, online],
        f"because {checked.describe()}, and {offline_why}",
        "if Google answers when the build starts, it uses",
    )


def _first_sentence(message: str) -> str:
    """`could not reach Google TTS. Probable cause: ...` -> `could not reach Google TTS`."""
    return message.split(". ", 1)[0]


def _offline_why(lang: str | None, chosen: speech.Engine) -> str:
    """`pico is the first offline voice that speaks en`, naming the voices passed over and why."""
    wanted = lang or chosen.lang
    passed = []
    for name in speech.OFFLINE_ORDER:
        if name == chosen.name:
            break
        cls = speech.ENGINES[name]
        reason = cls.unavailable_reason()
        passed.append(f"{name} cannot run here: {reason}" if reason else f"{name} does not speak {wanted}")
    skipped = f" ({'; '.join(passed)})" if passed else ""
    return f"{chosen.name} is the first offline voice that speaks {wanted}{skipped}"
