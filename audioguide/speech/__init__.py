"""Speech: engines behind one interface and a registry, the phrase cache, and voices.

Built-in engines register themselves exactly as a third-party engine would (through
`register`, or the `audioguide.engines` entry point group).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from audioguide.errors import SpeechError
from audioguide.speech import espeak, google, pico, piper  # noqa: F401  (each registers its engine)
from audioguide.speech.base import ENGINES, Engine, engine_class, engines, register
from audioguide.speech.cache import PhraseCache
from audioguide.speech.voice import DEFAULT_JOBS, Voice

AUTO = "auto"
MIN_SPEED, MAX_SPEED = 0.5, 2.0  # --rate's range (NaN is outside it: it compares false to both)
# Offline voices in order of preference: the first that speaks the language is used.
OFFLINE_ORDER = (pico.PicoEngine.name, espeak.EspeakEngine.name)

__all__ = [
    "AUTO",
    "EngineInfo",
    "catalog",
    "DEFAULT_JOBS",
    "ENGINES",
    "Engine",
    "PhraseCache",
    "SpeechError",
    "Voice",
    "engine_name",
    "engines",
    "make_engine",
    "offline_engine",
    "online_engine",
    "register",
]


def engine_name(name: str) -> str | None:
    """`name` as an engine is registered, whatever its case (`Pico` -> `pico`), or None if no
    engine has it. Third-party engines are looked up only for a name no built-in one has."""

    def named(known: Iterable[str]) -> str | None:
        return next((k for k in known if k.casefold() == name.casefold()), None)

    return named((AUTO, *ENGINES)) or named(engines())


def make_engine(name: str, lang: str | None = None, **options: object) -> Engine:
    """An engine by name; `auto` is Google when it answers quickly, otherwise an offline voice.

    `options` go to the engine that accepts them: `speed` to those with `supports_speed`,
    `voice` to those with `supports_voice`, the rest (`tld`, `slow`) to Google only.
    """
    _check_text_options({"engine": name, "lang": lang, **options})
    if name == AUTO:
        try:
            online = online_engine(lang, **options)
        except SpeechError:
            return offline_engine(lang, **options)
        return online if online.reachable() else offline_engine(lang, **options)
    cls = engine_class(name)
    if reason := cls.unavailable_reason():
        raise SpeechError(f"the {name} engine cannot run here: {reason}")
    return cls(lang, **_options_for(cls, options))


def _check_text_options(options: dict[str, object]) -> None:
    """Names and codes (--engine, --lang, --voice, --tld) are plain text: a control character or
    a lone surrogate (bytes that were not UTF-8 on the command line) is an error, not a crash."""
    for option, value in options.items():
        if isinstance(value, str) and any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
            shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in value)[:60]
            flag = "rate" if option == "speed" else option
            raise SpeechError(f"--{flag} '{shown}' holds control characters or bytes that are not UTF-8 text")


def online_engine(lang: str | None = None, **options: object) -> google.GoogleEngine:
    """Google's voice for `auto`, or an error if it cannot honour the language or options."""
    # Google has one voice at one speed: a chosen voice or rate means an offline engine.
    if options.get("voice") is not None or options.get("speed", 1.0) != 1.0:
        raise SpeechError("Google's voice has no --voice or --rate. Use an offline engine")
    if not google.GoogleEngine.match_lang(_online_lang(lang)):
        raise SpeechError(f"Google's voice does not speak '{lang}'")
    return google.GoogleEngine(_online_lang(lang), **_options_for(google.GoogleEngine, options))  # type: ignore[arg-type]


def offline_engine(lang: str | None = None, **options: object) -> Engine:
    """Pico where it has the language, otherwise eSpeak NG (which speaks 100+)."""
    for name in OFFLINE_ORDER:
        cls = engine_class(name)
        if not cls.unavailable_reason() and cls.match_lang(lang or cls.default_lang):
            return cls(lang, **_options_for(cls, options))
    raise SpeechError(
        f"no offline voice speaks '{lang}'. Run `audioguide voices` to see the languages each engine "
        "speaks, or check the --lang spelling (e.g. de, pt-BR)"
    )


def _options_for(cls: type[Engine], options: dict[str, object]) -> dict[str, object]:
    """The options `cls` accepts; an error for one that it cannot honour."""
    accepted = dict(options)
    speed = accepted.get("speed")
    if speed is not None and not (isinstance(speed, int | float) and MIN_SPEED <= speed <= MAX_SPEED):
        raise SpeechError(f"--rate must be a number from {MIN_SPEED:g} to {MAX_SPEED:g}, got {speed!r}")
    for option, supported in (("speed", cls.supports_speed), ("voice", cls.supports_voice)):
        value = accepted.pop(option, None)
        if value is None or (option == "speed" and value == 1.0):
            continue
        if not supported:
            raise SpeechError(
                f"the {cls.name} engine has no --{'rate' if option == 'speed' else option} option. "
                f"Use an engine that has it (see `audioguide voices`), or leave the option out"
            )
        accepted[option] = value
    if cls is not google.GoogleEngine:
        accepted.pop("tld", None)
        accepted.pop("slow", None)
    return accepted


def _online_lang(lang: str | None) -> str:
    """gTTS wants bare language codes ("en"), Pico regional ones ("en-US")."""
    if lang and lang in google.GoogleEngine.language_list():
        return lang
    return (lang or "en").split("-")[0]


@dataclass(frozen=True)
class EngineInfo:
    """What `audioguide voices` shows about one engine."""

    name: str
    description: str
    online: bool
    unavailable: str | None  # why it cannot run here, or None
    languages: tuple[str, ...]
    voices: tuple[str, ...]  # named voices, where the engine has them
    speed: bool  # accepts --rate
    models: tuple[piper.VoiceModel, ...] | None = None  # Piper's voices, as their model cards describe them

    def to_json(self) -> dict[str, object]:
        found: dict[str, object] = {
            "name": self.name,
            "description": self.description,
            "online": self.online,
            "usable": self.unavailable is None,
            "unavailable_reason": self.unavailable,
            "languages": list(self.languages),
            "voices": list(self.voices),
            "rate": self.speed,
        }
        if self.models is not None:
            found["models"] = [model.to_json() for model in self.models]
        return found


def catalog() -> tuple[EngineInfo, ...]:
    """Every registered engine: usable here or why not, its languages and voices. No network."""
    found = []
    for name, cls in sorted(engines().items()):
        reason = cls.unavailable_reason()
        models = piper.find_voices() if cls is piper.PiperEngine and reason is None else None
        voices = tuple(model.name for model in models) if models else ()
        found.append(
            EngineInfo(
                name=name,
                description=cls.description,
                online=cls.online,
                unavailable=reason,
                languages=cls.language_list() if reason is None else (),
                voices=voices,
                speed=cls.supports_speed,
                models=models,
            )
        )
    return tuple(found)
