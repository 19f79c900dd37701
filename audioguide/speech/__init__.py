"""Speech: engines behind one interface and a registry, the phrase cache, and voices.

Built-in engines register themselves exactly as a third-party engine would (through
`register`, or the `audioguide.engines` entry point group).
"""

from __future__ import annotations

from audioguide.errors import SpeechError
from audioguide.speech import google, pico
from audioguide.speech.base import ENGINES, Engine, engine_class, load_plugins, register
from audioguide.speech.cache import PhraseCache
from audioguide.speech.voice import Voice

AUTO = "auto"
OFFLINE_DEFAULT = pico.PicoEngine.name

__all__ = [
    "AUTO",
    "ENGINES",
    "Engine",
    "PhraseCache",
    "SpeechError",
    "Voice",
    "make_engine",
    "offline_engine",
    "register",
]

load_plugins()


def make_engine(name: str, lang: str | None = None, **options: object) -> Engine:
    """An engine by name; `auto` is Google when it answers quickly, otherwise offline Pico."""
    if name == AUTO:
        online = google.GoogleEngine(_online_lang(lang), **options)  # type: ignore[arg-type]
        return online if online.reachable() else offline_engine(lang)
    cls = engine_class(name)
    if reason := cls.unavailable_reason():
        raise SpeechError(f"the {name} engine cannot run here: {reason}")
    return cls(lang, **options)


def offline_engine(lang: str | None = None) -> Engine:
    return engine_class(OFFLINE_DEFAULT)(lang)


def _online_lang(lang: str | None) -> str:
    """gTTS wants bare language codes ("en"), Pico regional ones ("en-US")."""
    if lang and lang in google.GoogleEngine.languages:
        return lang
    return (lang or "en").split("-")[0]
