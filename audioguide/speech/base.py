"""The engine interface and the registry every engine, built-in or third-party, joins."""

from __future__ import annotations

from abc import ABC, abstractmethod
from importlib.metadata import entry_points
from typing import ClassVar

from pydub import AudioSegment

from audioguide.errors import SpeechError


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

    def __init__(self, lang: str | None = None):
        self.lang = self.resolve_lang(lang or self.default_lang)

    @classmethod
    def resolve_lang(cls, lang: str) -> str:
        """The engine's own spelling of a language ("en" -> "en-US"); an error if it has none."""
        matches = [code for code in cls.languages if code.lower() == lang.lower()]
        matches += [code for code in cls.languages if code.lower().split("-")[0] == lang.lower()]
        if not matches:
            raise SpeechError(
                f"the {cls.name} engine does not speak '{lang}'. It speaks: {', '.join(cls.languages)}"
            )
        return matches[0]

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


ENGINES: dict[str, type[Engine]] = {}


def register(engine: type[Engine]) -> type[Engine]:
    """Class decorator: make an engine selectable by its name."""
    ENGINES[engine.name] = engine
    return engine


def load_plugins() -> None:
    """Register engines that other packages declare under `audioguide.engines`."""
    for entry in entry_points(group="audioguide.engines"):
        register(entry.load())


def engine_class(name: str) -> type[Engine]:
    try:
        return ENGINES[name]
    except KeyError:
        raise SpeechError(
            f"no speech engine named '{name}'. Choose one of: auto, {', '.join(sorted(ENGINES))}"
        ) from None
