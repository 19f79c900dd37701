"""SVOX Pico: offline, clear, six languages. The offline default.

Two bindings of the same engine and the same language files, chosen at install time by
the environment markers in pyproject.toml: py-nanotts, a wheel, where it publishes one
(Linux x86_64 and aarch64, Windows x86_64), and ttspico, built from source, elsewhere.
Both speak a phrase to the same samples, so they share phrase-cache entries.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from audioguide.errors import SpeechError
from audioguide.speech import pico_nanotts, pico_ttspico
from audioguide.speech.base import Engine, register
from audioguide.speech.text import for_engine

if TYPE_CHECKING:
    from pydub import AudioSegment

PICO_RATE = 16_000
PERCENT = 100  # Pico's <speed level> is a percentage of its normal speed
BINDINGS: tuple[ModuleType, ...] = (pico_nanotts, pico_ttspico)  # the first installed one speaks


def binding() -> ModuleType | None:
    """The installed Pico binding (pico_nanotts or pico_ttspico), or None."""
    return next((module for module in BINDINGS if module.installed()), None)


@register
class PicoEngine(Engine):
    name = "pico"
    description = "SVOX Pico, offline"
    languages = ("en-US", "en-GB", "de-DE", "es-ES", "fr-FR", "it-IT")
    default_lang = "en-US"
    supports_speed = True

    def __init__(self, lang: str | None = None, speed: float = 1.0):
        super().__init__(lang)
        self.speed = speed

    @property
    def voice_id(self) -> str:
        return self.lang if self.speed == 1.0 else f"{self.lang}/x{self.speed:g}"

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if (module := binding()) is None:
            return (
                f"neither {pico_nanotts.PACKAGE} nor {pico_ttspico.PACKAGE} is installed "
                f"(pip install {pico_nanotts.PACKAGE} on Linux x86_64 or aarch64 and Windows x86_64, "
                f"pip install {pico_ttspico.PACKAGE} elsewhere)"
            )
        return module.unavailable_reason()

    def synthesize(self, text: str) -> AudioSegment:
        module = binding()
        if module is None or module.unavailable_reason():
            raise SpeechError(f"the pico voice cannot run: {self.unavailable_reason()}")
        # Pico reads its own markup (<genfile> writes files): the text must never open a tag.
        text = for_engine(self.name, text)
        if self.speed != 1.0:
            text = f'<speed level="{round(self.speed * PERCENT)}">{text}</speed>'
        pcm = module.speak(self.lang, text)
        if not pcm:
            raise SpeechError(f'the pico voice produced no audio for "{text}"')
        from pydub import AudioSegment

        return AudioSegment(pcm, sample_width=2, frame_rate=PICO_RATE, channels=1)
