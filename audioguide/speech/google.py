"""Google's online voice through gTTS.

gTTS packages the request (`get_bodies`); audioguide sends it itself, so that the endpoint
can be pointed at a local fake (AUDIOGUIDE_GTTS_URL) and so that failures become messages
that say what failed and what to do.
"""

from __future__ import annotations

import base64
import io
import os
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from audioguide import ffmpeg
from audioguide.errors import SpeechError
from audioguide.speech import mp3
from audioguide.speech.base import Engine, register
from audioguide.speech.text import for_engine

if TYPE_CHECKING:
    from pydub import AudioSegment

if TYPE_CHECKING:
    import requests

# requests and gTTS are imported where Google is used: with their TLS stack they add about
# 17 MB and 0.1 s to every build, and an offline build never needs them.

ENDPOINT_ENV = "AUDIOGUIDE_GTTS_URL"
ENDPOINT = "https://translate.google.{tld}/_/TranslateWebserverUi/data/batchexecute"
# Google's domains are google.com and google.<country>, .co.<country> or .com.<country>.
TLD = re.compile(r"(com|co)(\.[a-z]{2})?|[a-z]{2}")
TIMEOUT_S = 10.0
PROBE_TIMEOUT_S = 3.0
# Every request has a total deadline (not only per read: a server sending a byte a second
# never trips a per-read timeout) and a size cap (an endless answer would fill memory).
MAX_ANSWER_BYTES = 20_000_000  # one request's answer is a few hundred kB of base64 audio
READ_CHUNK = 1 << 16
_AUDIO = re.compile(r'jQ1olc","\[\\"(.*)\\"]')
TOO_MANY_REQUESTS = 429
SERVER_ERROR = 500
# Google answers bursts with HTTP 429; gTTS's maintainer recommends throttling. A few
# requests a second keeps a cold build of a long routine quick without looking like a flood.
DEFAULT_REQUESTS_PER_S = 16.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to ask again after a timeout, HTTP 429 or 5xx.

    Waits grow exponentially with full jitter (so parallel requests do not retry in
    step); a Retry-After header from Google is honoured when it is longer, up to a limit.
    """

    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait before attempt `attempt + 1` (attempt counts from 1)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        jittered = random.uniform(ceiling / 2, ceiling)
        return max(jittered, retry_after or 0.0)


NO_RETRY = RetryPolicy(attempts=1)
DEFAULT_RETRY = RetryPolicy()  # the engine reads it at construction: tests swap in a faster one


class RateLimiter:
    """Spaces request starts at least 1/per_second apart, across threads."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, sleep: Callable[[float], None] = time.sleep) -> None:
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            sleep(start - now)


class _Retryable(SpeechError):
    """A failure worth asking again for; `retry_after` is Google's own requested wait."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@register
class GoogleEngine(Engine):
    name = "gtts"
    description = "Google Translate's voice through gTTS, online"
    online = True
    concurrent = True

    def __init__(
        self,
        lang: str | None = None,
        tld: str = "com",
        slow: bool = False,
        retry: RetryPolicy | None = None,
        requests_per_s: float = DEFAULT_REQUESTS_PER_S,
    ):
        super().__init__(lang)
        if not TLD.fullmatch(tld):  # it names the host the text is sent to: Google's own only
            raise SpeechError(
                f"--tld must be the end of one of Google's domains, such as com, co.uk or com.au; "
                f"got '{ascii(tld)[1:-1][:40]}'"
            )
        self.tld = tld
        self.slow = slow
        self.endpoint = os.environ.get(ENDPOINT_ENV) or ENDPOINT.format(tld=tld)
        self.retry = retry or DEFAULT_RETRY
        self.limiter = RateLimiter(requests_per_s)
        self._session = threading.local()  # one keep-alive connection per worker thread

    @classmethod
    def language_list(cls) -> tuple[str, ...]:
        return _languages()

    @property
    def voice_id(self) -> str:
        return f"{self.lang}/{self.tld}/{'slow' if self.slow else 'normal'}"

    def synthesize(
        self, text: str, timeout: float = TIMEOUT_S, retry: RetryPolicy | None = None
    ) -> AudioSegment:
        text = for_engine(self.name, text)  # text is data, never markup
        retry = retry or self.retry
        mp3 = b"".join(self._fetch_retrying(body, timeout, retry) for body in self._bodies(text))
        return decode_mp3(mp3, f'Google\'s audio for "{text}"')

    def reachable(self) -> bool:
        """Does Google answer quickly with real audio? Decides what `auto` uses."""
        try:
            self.synthesize("OK", timeout=PROBE_TIMEOUT_S, retry=NO_RETRY)
        except SpeechError:
            return False
        return True

    def _fetch_retrying(self, body: str, timeout: float, retry: RetryPolicy) -> bytes:
        for attempt in range(1, retry.attempts + 1):
            self.limiter.wait()
            try:
                return self._fetch(body, timeout)
            except _Retryable as exc:
                if attempt == retry.attempts:
                    tries = f" (tried {retry.attempts} times)" if retry.attempts > 1 else ""
                    raise SpeechError(f"{exc}{tries}") from None
                if exc.retry_after is not None and exc.retry_after > retry.max_retry_after_s:
                    raise SpeechError(
                        f"{exc}; Google asks to wait {exc.retry_after:g} s before trying again"
                    ) from None
                retry.sleep(retry.delay(attempt, exc.retry_after))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _post(self, body: str, timeout: float) -> requests.Response:
        import requests
        from gtts import gTTS

        session = getattr(self._session, "value", None)
        if session is None:
            session = self._session.value = requests.Session()
        return session.post(
            self.endpoint, data=body, headers=gTTS.GOOGLE_TTS_HEADERS, timeout=timeout, stream=True
        )

    def _bodies(self, text: str) -> list[str]:
        from gtts import gTTS

        tts = gTTS(text, lang=self.lang, tld=self.tld, slow=self.slow, lang_check=False)
        return tts.get_bodies()

    def _fetch(self, body: str, timeout: float) -> bytes:
        import requests

        deadline = time.monotonic() + timeout
        try:
            response = self._post(body, timeout)
            with response:
                if response.status_code == TOO_MANY_REQUESTS or response.status_code >= SERVER_ERROR:
                    raise _Retryable(
                        _refusal(response.status_code), _retry_after(response.headers.get("Retry-After"))
                    )
                if response.status_code != 200:
                    raise SpeechError(_refusal(response.status_code))
                answer = _read_within(response, deadline)
        except requests.Timeout:
            raise _timed_out(timeout) from None
        except requests.RequestException:
            raise SpeechError(
                "could not reach Google TTS. Probable cause: no internet connection; "
                "use --engine pico to build offline"
            ) from None
        if answer is None:
            raise _timed_out(timeout)
        for line in answer.splitlines():
            if match := _AUDIO.search(line.decode("utf-8", "replace")):
                audio = base64.b64decode(match[1])
                if mp3.cut_off(audio):  # it would decode, into a clip missing its end
                    raise _Retryable(
                        "Google TTS's audio stopped part-way through. Probable cause: a broken "
                        "connection; retry later or use --engine pico"
                    )
                return audio
        raise SpeechError(
            "Google TTS answered without audio. Probable cause: an unsupported language "
            f"'{self.lang}' or a changed Google API; use --engine pico"
        )


def _read_within(response: requests.Response, deadline: float) -> bytes | None:
    """The whole answer, or None if it was still coming at the deadline; an error past the size cap.

    `read1` returns whatever has arrived, so a server sending a byte at a time meets the
    deadline between bytes (a plain `read(n)` would wait for all n of them).
    """
    from urllib3.exceptions import HTTPError, ReadTimeoutError

    answer = bytearray()
    try:
        while chunk := response.raw.read1(READ_CHUNK, decode_content=True):
            answer += chunk
            if len(answer) > MAX_ANSWER_BYTES:
                raise SpeechError(
                    f"Google TTS's answer went on past {MAX_ANSWER_BYTES // 1_000_000} MB. Probable cause: "
                    f"not Google at the other end ({ENDPOINT_ENV}?) or a broken proxy; use --engine pico"
                )
            if time.monotonic() > deadline:
                return None
    except ReadTimeoutError:
        return None
    except HTTPError:
        raise _Retryable(
            "Google TTS's answer broke off. Probable cause: a broken connection; retry later "
            "or use --engine pico"
        ) from None
    return bytes(answer)


def _timed_out(timeout: float) -> _Retryable:
    return _Retryable(
        f"Google TTS did not answer within {timeout:g} s. Probable cause: a slow or "
        "blocked connection; retry later or use --engine pico"
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


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # an HTTP date: rare, and the email package is slow to import

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def decode_mp3(data: bytes, what: str) -> AudioSegment:
    """Decode MP3 bytes with ffmpeg (never ffprobe); an error if they are not audio."""
    if not data:
        raise SpeechError(f"{what} was empty")
    ffmpeg.executable()
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError

    try:
        audio = AudioSegment.from_file(io.BytesIO(data), format="mp3", codec="mp3")
    except (CouldntDecodeError, IndexError, OSError):
        raise SpeechError(f"{what} could not be decoded as MP3") from None
    if len(audio) == 0:
        raise SpeechError(f"{what} held no sound")
    return audio


@cache
def _languages() -> tuple[str, ...]:
    from gtts.lang import tts_langs

    return tuple(sorted(tts_langs()))
