"""eSpeak NG through the espeakng-loader wheel (libespeak-ng and its data; no system package).

Robotic but tiny and fast, and it speaks over a hundred languages: the offline voice for
every language Pico lacks. libespeak-ng keeps one global synthesizer per process, so every
call goes through one lock.
"""

from __future__ import annotations

import ctypes
import threading
from functools import cache
from typing import TYPE_CHECKING

from audioguide.errors import SpeechError
from audioguide.speech.base import Engine, register
from audioguide.speech.text import for_engine

if TYPE_CHECKING:
    from pydub import AudioSegment

# From espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_EE_OK = 0
_BUFFER_MS = 0  # 0: the library's default buffer
_WORDS_PER_MINUTE = 175  # espeak-ng's default speaking rate, the rate of --rate 1.0
_MIN_WPM, _MAX_WPM = 80, 450  # the range espeak-ng accepts

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # not c_char_p: it holds NULs
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


class _Library:
    """The process's one libespeak-ng, initialised once, used under a lock."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lock = threading.Lock()
        self.lib = ctypes.CDLL(str(espeakng_loader.get_library_path()))
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        data = str(espeakng_loader.get_data_path()).encode()
        self.rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data, 0)
        if self.rate <= 0:
            raise SpeechError(
                "the espeak-ng voice did not start: its data files did not load. "
                "Reinstall it: pip install --force-reinstall espeakng-loader"
            )
        self._chunks: list[bytes] = []
        self._callback = _SYNTH_CALLBACK(self._collect)  # kept alive as long as the library
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, count: int, _events) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0: go on synthesizing

    def voices(self) -> dict[str, str]:
        """Language code -> voice identifier, for every voice espeak-ng ships."""
        found: dict[str, str] = {}
        listed = self.lib.espeak_ListVoices(None)
        index = 0
        while listed[index]:
            voice = listed[index].contents
            # `languages` is a run of (priority byte, name, NUL), ended by a zero priority.
            address = voice.languages
            while ctypes.string_at(address, 1) != b"\0":
                name = ctypes.string_at(address + 1)
                found.setdefault(name.decode(), voice.identifier.decode())
                address += len(name) + 2
            index += 1
        return found

    def speak(self, text: str, voice: str, words_per_minute: int) -> bytes:
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
                raise SpeechError(f"espeak-ng has no voice '{voice}'. See `audioguide voices`")
            self.lib.espeak_SetParameter(_PARAM_RATE, words_per_minute, 0)
            self._chunks = []
            encoded = text.encode("utf-8")
            self.lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            self.lib.espeak_Synchronize()
            return b"".join(self._chunks)


@cache
def library() -> _Library:
    return _Library()


@register
class EspeakEngine(Engine):
    name = "espeak"
    description = "eSpeak NG, offline, 100+ languages, robotic"
    default_lang = "en-us"
    supports_speed = True
    supports_voice = True  # an espeak-ng voice name, with an optional variant: en-us+f3

    def __init__(self, lang: str | None = None, voice: str | None = None, speed: float = 1.0):
        super().__init__(lang)
        self.voice = voice or self.lang
        self.speed = speed

    @classmethod
    def language_list(cls) -> tuple[str, ...]:
        if cls.unavailable_reason():
            return ()
        return tuple(sorted(library().voices()))

    @classmethod
    def unavailable_reason(cls) -> str | None:
        try:
            import espeakng_loader  # noqa: F401
        except ImportError:
            return "the espeakng-loader package is not installed (pip install espeakng-loader)"
        return None

    @property
    def voice_id(self) -> str:
        return f"{self.lang}/{self.voice}/x{self.speed:g}"

    def synthesize(self, text: str) -> AudioSegment:
        words_per_minute = round(min(_MAX_WPM, max(_MIN_WPM, _WORDS_PER_MINUTE * self.speed)))
        text = for_engine(self.name, text)  # text is data, never markup
        pcm = library().speak(text, self.voice, words_per_minute)
        if not pcm:
            raise SpeechError(f'the espeak-ng voice produced no audio for "{text}"')
        from pydub import AudioSegment

        return AudioSegment(pcm, sample_width=2, frame_rate=library().rate, channels=1)
