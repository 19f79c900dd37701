"""SVOX Pico through the ttspico package: offline, clear, six languages. The offline default."""

from __future__ import annotations

from functools import cache
from importlib import metadata
from pathlib import Path

from pydub import AudioSegment

from audioguide.errors import SpeechError
from audioguide.speech.base import Engine, register

PICO_RATE = 16_000
PERCENT = 100  # Pico's <speed level> is a percentage of its normal speed


@cache
def language_dir() -> Path | None:
    """Where ttspico installed its language files.

    They live under the environment's prefix (`<venv>/languages`), not inside the package,
    so find them in the installed distribution's own file list instead of guessing.
    """
    try:
        dist = metadata.distribution("ttspico")
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name.endswith("_ta.bin"):
            return Path(str(dist.locate_file(file))).resolve().parent
    return None


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
        self._tts = None

    @property
    def voice_id(self) -> str:
        return self.lang if self.speed == 1.0 else f"{self.lang}/x{self.speed:g}"

    @classmethod
    def unavailable_reason(cls) -> str | None:
        try:
            import ttspico  # noqa: F401
        except ImportError:
            return "the ttspico package is not installed (pip install ttspico)"
        if language_dir() is None:
            return "ttspico's language files are missing; reinstall it: pip install --force-reinstall ttspico"
        return None

    def _engine(self):
        if self._tts is None:
            if reason := self.unavailable_reason():
                raise SpeechError(f"the pico voice cannot run: {reason}")
            import ttspico

            try:
                self._tts = ttspico.TtsEngine(self.lang, str(language_dir()))
            except RuntimeError:
                raise SpeechError(
                    f"the pico voice for {self.lang} did not load from {language_dir()}. "
                    "Probable cause: damaged language files; reinstall with "
                    "pip install --force-reinstall ttspico"
                ) from None
        return self._tts

    def synthesize(self, text: str) -> AudioSegment:
        chunks: list[bytes] = []
        if self.speed != 1.0:
            # Pico reads its own markup; the text's angle brackets must not open a tag.
            plain = text.replace("<", " ").replace(">", " ")
            text = f'<speed level="{round(self.speed * PERCENT)}">{plain}</speed>'
        self._engine().speak(text, lambda _fmt, audio, _fin: chunks.append(audio) or True)
        pcm = b"".join(chunks)
        if not pcm:
            raise SpeechError(f'the pico voice produced no audio for "{text}"')
        return AudioSegment(pcm, sample_width=2, frame_rate=PICO_RATE, channels=1)
