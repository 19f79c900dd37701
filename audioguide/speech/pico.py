"""SVOX Pico through the ttspico package: offline, clear, six languages. The offline default."""

from __future__ import annotations

import sys
from functools import cache
from importlib import metadata
from pathlib import Path

from pydub import AudioSegment

from audioguide import files
from audioguide.errors import SpeechError
from audioguide.speech.base import Engine, register
from audioguide.speech.text import for_engine

PICO_RATE = 16_000
PERCENT = 100  # Pico's <speed level> is a percentage of its normal speed
LEGACY_DATA_DIR = "languages"  # ttspico's setup.py data_files target


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
            installed = Path(str(dist.locate_file(file))).resolve()
            if installed.is_file():
                return installed.parent
            # An older pip without the `wheel` package installs with `setup.py install`,
            # whose file list names the sources (picopi/pico/lang/...); setup.py puts the
            # files themselves in its data_files folder under the prefix.
            legacy = Path(sys.prefix) / LEGACY_DATA_DIR / file.name
            if legacy.is_file():
                return legacy.parent
    return None


def _installed_at() -> str:
    """Where the ttspico distribution is installed, for messages about its files."""
    try:
        return str(metadata.distribution("ttspico").locate_file(""))
    except metadata.PackageNotFoundError:
        return "this Python environment"


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
        try:
            import ttspico  # noqa: F401
        except ImportError:
            return "the ttspico package is not installed (pip install ttspico)"
        if language_dir() is None:
            return (
                f"ttspico's language files (*_ta.bin) are missing from {_installed_at()}; "
                "reinstall it: pip install --force-reinstall ttspico"
            )
        return None

    def _engine(self):
        """A new ttspico engine for every phrase (it takes about half a millisecond).

        One engine carries state from phrase to phrase, so the same text would sound
        slightly different depending on what was spoken before it; then a build would
        depend on which phrases happened to be cached. A fresh engine makes each phrase's
        audio a function of its text alone, and every build of a routine byte-identical.
        """
        if reason := self.unavailable_reason():
            raise SpeechError(f"the pico voice cannot run: {reason}")
        import ttspico

        try:
            return ttspico.TtsEngine(self.lang, str(language_dir()))
        except RuntimeError:
            raise SpeechError(
                f"the pico voice for {self.lang} did not load from {language_dir()}. "
                "Probable cause: damaged language files; reinstall with "
                "pip install --force-reinstall ttspico"
            ) from None

    def synthesize(self, text: str) -> AudioSegment:
        chunks: list[bytes] = []
        # Pico reads its own markup (<genfile> writes files): the text must never open a tag.
        text = for_engine(self.name, text)
        if self.speed != 1.0:
            text = f'<speed level="{round(self.speed * PERCENT)}">{text}</speed>'
        engine = self._engine()
        # Ctrl-C inside ttspico's C callback would surface as a SystemError with a traceback;
        # held until the phrase is done (a fraction of a second), it stops the build cleanly.
        with files.signals_deferred():
            try:
                engine.speak(text, lambda _fmt, audio, _fin: chunks.append(audio) or True)
            except SystemError as exc:
                if isinstance(exc.__cause__, KeyboardInterrupt):  # however it got through
                    raise exc.__cause__ from None
                raise
        pcm = b"".join(chunks)
        if not pcm:
            raise SpeechError(f'the pico voice produced no audio for "{text}"')
        return AudioSegment(pcm, sample_width=2, frame_rate=PICO_RATE, channels=1)
