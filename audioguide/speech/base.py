"""The engine interface and the registry every engine, built-in or third-party, joins."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from audioguide.errors import SpeechError

if TYPE_CHECKING:
    from pydub import AudioSegment

SAMPLE_WIDTH = 2  # 16-bit PCM throughout


class Engine(ABC):
    """Turns one prepared phrase into raw speech audio.

    Subclasses set `name`, `languages` and `default_lang`, and implement `synthesize`.
    Everything that changes the sound (voice, language, speed) must be part of `voice_id`,
    because the phrase cache keys entries by it.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    languages: ClassVar[tuple[str, ...]] = ()
    default_lang: ClassVar[str] = "en"
    online: ClassVar[bool] = False
    concurrent: ClassVar[bool] = False  # may synthesize several phrases at once (network engines)
    supports_speed: ClassVar[bool] = False  # accepts `speed` (1.0 normal, 1.2 a fifth faster)
    supports_voice: ClassVar[bool] = False  # accepts `voice` (a voice name or model file)

    def __init__(self, lang: str | None = None):
        self.lang = self.resolve_lang(lang or self.default_lang)

    @classmethod
    def resolve_lang(cls, lang: str) -> str:
        """The engine's own spelling of a language ("en" -> "en-US"); an error if it has none."""
        if match := cls.match_lang(lang):
            return match
        raise SpeechError(
            f"the {cls.name} engine does not speak '{lang}'. It speaks: {', '.join(cls.language_list())}"
        )

    @classmethod
    def match_lang(cls, lang: str) -> str | None:
        """The engine's code for `lang` ("en" -> "en-US"), or None if it has no such language."""
        known = cls.language_list()
        matches = [code for code in known if code.lower() == lang.lower()]
        matches += [code for code in known if code.lower().split("-")[0] == lang.lower()]
        return matches[0] if matches else None

    @classmethod
    def language_list(cls) -> tuple[str, ...]:
        """The languages this engine speaks here (some engines only know once loaded)."""
        return cls.languages

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why this engine cannot run on this machine, or None if it can."""
        return None

    @property
    def voice_id(self) -> str:
        """Everything that shapes the voice, as a stable string for cache keys."""
        return self.lang

    @abstractmethod
    def synthesize(self, text: str) -> AudioSegment:
        """Speak `text`; raise SpeechError with the probable cause when that fails."""


def duration_ms(audio: AudioSegment) -> int:
    """A clip's length, rounded up, so an event's end is never before its clip's last sample."""
    return math.ceil(audio.frame_count() * 1000 / audio.frame_rate)


ENGINES: dict[str, type[Engine]] = {}  # the built-in engines; `engines()` adds third-party ones


def register(engine: type[Engine]) -> type[Engine]:
    """Class decorator: make an engine selectable by its name."""
    ENGINES[engine.name] = engine
    return engine


@cache
def load_plugins() -> None:
    """Register engines that other packages declare under `audioguide.engines`, once. Looking
    them up reads every installed package's metadata (tens of milliseconds), so it waits
    until a name is asked for that no built-in engine has, or the whole list."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="audioguide.engines"):
        register(entry.load())


def engines() -> dict[str, type[Engine]]:
    """Every engine by name, third-party ones included."""
    load_plugins()
    return ENGINES


def engine_class(name: str) -> type[Engine]:
    cls = ENGINES.get(name) or engines().get(name)
    if cls is None:
        known = ", ".join(sorted(ENGINES))
        raise SpeechError(f"no speech engine named '{name}'. Choose one of: auto, {known}")
    return cls
