"""Piper: a neural voice that runs offline, much more natural than Pico or eSpeak NG.

An optional extra (`pip install 'audioguide[piper]'`). A voice is a model file
(`NAME.onnx`) with its config (`NAME.onnx.json`): `--voice` names the file, or the name of
a voice fetched with `audioguide voices download NAME` into the user's data folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import platformdirs
from pydub import AudioSegment

from audioguide.errors import SpeechError
from audioguide.speech.base import Engine, register
from audioguide.speech.text import for_engine

VOICES_ENV = "AUDIOGUIDE_PIPER_VOICES"
# Piper's published voices (the list that `python -m piper.download_voices` reads).
VOICE_URL = (
    "https://huggingface.co/rhasspy/piper-voices/resolve/main/"
    "{family}/{region}/{name}/{quality}/{voice}{suffix}?download=true"
)
DOWNLOAD_TIMEOUT_S = 60.0
INT16_MAX = 32767
HASH_CHUNK = 1 << 20


def voices_dir() -> Path:
    if env := os.environ.get(VOICES_ENV):
        return Path(env)
    return Path(platformdirs.user_data_dir("audioguide")) / "piper-voices"


def installed_voices() -> tuple[str, ...]:
    return tuple(sorted(p.name.removesuffix(".onnx") for p in voices_dir().glob("*.onnx")))


def model_path(voice: str) -> Path:
    """`voice` as a model file: a path to an .onnx file, or a downloaded voice's name."""
    path = Path(voice).expanduser()
    if path.suffix != ".onnx":
        path = voices_dir() / f"{voice}.onnx"
    if not path.is_file():
        raise SpeechError(
            f"no Piper voice model at {path}. Point --voice at a NAME.onnx file (with NAME.onnx.json "
            "beside it), or fetch one online with `audioguide voices download en_US-lessac-medium`"
        )
    if not Path(f"{path}.json").is_file():
        raise SpeechError(f"the Piper voice {path} has no config {path}.json beside it. Download both files")
    return path


@register
class PiperEngine(Engine):
    name = "piper"
    description = "Piper neural voice, offline (a voice model file is needed)"
    supports_speed = True
    supports_voice = True

    def __init__(self, lang: str | None = None, voice: str | None = None, speed: float = 1.0):
        if not voice:
            installed = installed_voices()
            if not installed:
                raise SpeechError(
                    "the piper engine needs a voice: --voice path/to/NAME.onnx, or fetch one with "
                    "`audioguide voices download en_US-lessac-medium`"
                )
            voice = installed[0]
        self.model = model_path(voice)
        config = json.loads(Path(f"{self.model}.json").read_text(encoding="utf-8"))
        self.model_lang = str(config.get("language", {}).get("code") or config["espeak"]["voice"])
        super().__init__(lang or self.model_lang)
        self.speed = speed
        self._voice = None

    @classmethod
    def language_list(cls) -> tuple[str, ...]:
        """The languages of the voices downloaded so far (a model speaks one language)."""
        return tuple(sorted({name.split("-")[0].replace("_", "-") for name in installed_voices()}))

    @classmethod
    def unavailable_reason(cls) -> str | None:
        try:
            import piper  # noqa: F401
        except ImportError:
            return "the piper-tts package is not installed (pip install 'audioguide[piper]')"
        return None

    def resolve_lang(self, lang: str) -> str:  # type: ignore[override]
        """A Piper model speaks one language: its own."""
        model = self.model_lang.replace("_", "-")
        if lang.replace("_", "-").lower() in (model.lower(), model.split("-")[0].lower()):
            return model
        raise SpeechError(
            f"the Piper voice {self.model.name} speaks {model}, not '{lang}'. Choose a {lang} voice"
        )

    @property
    def voice_id(self) -> str:
        # The model's content, not its path: a replaced model file must not reuse old clips.
        return f"{self.lang}/{self.model.stem}-{_file_digest(self.model)[:16]}/x{self.speed:g}"

    def _load(self):
        if self._voice is None:
            if reason := self.unavailable_reason():
                raise SpeechError(f"the piper voice cannot run: {reason}")
            from piper import PiperVoice

            try:
                self._voice = PiperVoice.load(self.model)
            except Exception as exc:  # onnxruntime raises its own types for a bad model
                raise SpeechError(
                    f"the Piper voice {self.model} did not load: {exc}. Probable cause: a damaged or "
                    "incomplete download; fetch the voice again"
                ) from None
        return self._voice

    def synthesize(self, text: str) -> AudioSegment:
        # Imported here: numpy alone adds about 14 MB and 0.2 s to every build, Piper or not.
        import numpy as np
        from piper import SynthesisConfig

        voice = self._load()
        config = SynthesisConfig(length_scale=1.0 / self.speed)
        text = for_engine(self.name, text)  # text is data, never markup
        parts = [chunk.audio_float_array for chunk in voice.synthesize(text, syn_config=config)]
        if not parts or not sum(len(p) for p in parts):
            raise SpeechError(f'the piper voice produced no audio for "{text}"')
        pcm = (np.clip(np.concatenate(parts), -1.0, 1.0) * INT16_MAX).astype("<i2").tobytes()
        return AudioSegment(pcm, sample_width=2, frame_rate=voice.config.sample_rate, channels=1)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(HASH_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def download(voice: str, timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Fetch a published Piper voice (`en_US-lessac-medium`) into voices_dir(); its model path."""
    try:
        region, name, quality = voice.split("-", 2)
        family = region.split("_")[0]
    except ValueError:
        raise SpeechError(
            f"'{voice}' is not a Piper voice name. Names look like en_US-lessac-medium "
            "(language_REGION-name-quality)"
        ) from None
    import urllib.request  # here, not at the top: it loads TLS, which only a download needs

    folder = voices_dir()
    for suffix in (".onnx.json", ".onnx"):
        url = VOICE_URL.format(
            family=family, region=region, name=name, quality=quality, voice=voice, suffix=suffix
        )
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                data = response.read()
        except OSError as exc:
            raise SpeechError(
                f"could not download the Piper voice {voice}: {exc}. Probable cause: no internet "
                "connection or no such voice; check the name against Piper's voice list"
            ) from None
        _write_atomic(folder / f"{voice}{suffix}", data)
    return folder / f"{voice}.onnx"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
