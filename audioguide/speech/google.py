"""Google's online voice through gTTS.

gTTS packages the request (`get_bodies`); audioguide sends it itself, so that the endpoint
can be pointed at a local fake (AUDIOGUIDE_GTTS_URL) and so that failures become messages
that say what failed and what to do.
"""

from __future__ import annotations

import base64
import io
import os
import re

import requests
from gtts import gTTS
from gtts.lang import tts_langs
from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError

from audioguide import ffmpeg
from audioguide.errors import SpeechError
from audioguide.speech.base import Engine, register

ENDPOINT_ENV = "AUDIOGUIDE_GTTS_URL"
ENDPOINT = "https://translate.google.{tld}/_/TranslateWebserverUi/data/batchexecute"
TIMEOUT_S = 10.0
PROBE_TIMEOUT_S = 3.0
_AUDIO = re.compile(r'jQ1olc","\[\\"(.*)\\"]')


@register
class GoogleEngine(Engine):
    name = "gtts"
    description = "Google Translate's voice through gTTS, online"
    languages = tuple(sorted(tts_langs()))
    online = True

    def __init__(self, lang: str | None = None, tld: str = "com", slow: bool = False):
        super().__init__(lang)
        self.tld = tld
        self.slow = slow
        self.endpoint = os.environ.get(ENDPOINT_ENV) or ENDPOINT.format(tld=tld)

    @property
    def voice_id(self) -> str:
        return f"{self.lang}/{self.tld}/{'slow' if self.slow else 'normal'}"

    def synthesize(self, text: str, timeout: float = TIMEOUT_S) -> AudioSegment:
        mp3 = b"".join(self._fetch(body, timeout) for body in self._bodies(text))
        return decode_mp3(mp3, f'Google\'s audio for "{text}"')

    def reachable(self) -> bool:
        """Does Google answer quickly with real audio? Decides what `auto` uses."""
        try:
            self.synthesize("OK", timeout=PROBE_TIMEOUT_S)
        except SpeechError:
            return False
        return True

    def _bodies(self, text: str) -> list[str]:
        tts = gTTS(text, lang=self.lang, tld=self.tld, slow=self.slow, lang_check=False)
        return tts.get_bodies()

    def _fetch(self, body: str, timeout: float) -> bytes:
        try:
            response = requests.post(
                self.endpoint, data=body, headers=gTTS.GOOGLE_TTS_HEADERS, timeout=timeout
            )
        except requests.Timeout:
            raise SpeechError(
                f"Google TTS did not answer within {timeout:g} s. Probable cause: a slow or "
                "blocked connection; retry later or use --engine pico"
            ) from None
        except requests.RequestException:
            raise SpeechError(
                "could not reach Google TTS. Probable cause: no internet connection; "
                "use --engine pico to build offline"
            ) from None
        if response.status_code != 200:
            raise SpeechError(_refusal(response.status_code))
        for line in response.iter_lines():
            if match := _AUDIO.search(line.decode("utf-8", "replace")):
                return base64.b64decode(match[1])
        raise SpeechError(
            "Google TTS answered without audio. Probable cause: an unsupported language "
            f"'{self.lang}' or a changed Google API; use --engine pico"
        )


def _refusal(status: int) -> str:
    cause = {
        429: "too many requests; retry later or use --engine pico",
        403: "Google refused this client; use --engine pico",
        404: "an unsupported --tld; try the default com",
    }.get(status, "a problem on Google's side; retry later or use --engine pico")
    if status >= 500:
        cause = "a problem on Google's side; retry later or use --engine pico"
    return f"Google TTS refused the request (HTTP {status}). Probable cause: {cause}"


def decode_mp3(data: bytes, what: str) -> AudioSegment:
    """Decode MP3 bytes with ffmpeg (never ffprobe); an error if they are not audio."""
    if not data:
        raise SpeechError(f"{what} was empty")
    ffmpeg.executable()
    try:
        audio = AudioSegment.from_file(io.BytesIO(data), format="mp3", codec="mp3")
    except (CouldntDecodeError, IndexError, OSError):
        raise SpeechError(f"{what} could not be decoded as MP3") from None
    if len(audio) == 0:
        raise SpeechError(f"{what} held no sound")
    return audio
