"""gTTS made dependable, against the local fake of Google: bounded concurrency, a rate
limit, retries with backoff on 429, 5xx and timeouts, clear failures, no garbage cached."""

from __future__ import annotations

import functools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from builds import damaged_cache_entries
from fake_google import HTML_ERROR_PAGE, Reply, batchexecute_body, sample_mp3, truncated_mp3_body

from audioguide import routine, speech
from audioguide.build import BuildOptions, build
from audioguide.errors import SpeechError
from audioguide.speech import clips, google
from audioguide.speech.cache import PhraseCache
from audioguide.speech.google import NO_RETRY, GoogleEngine, RateLimiter, RetryPolicy, decode_mp3
from audioguide.speech.text import prepare
from audioguide.speech.voice import Voice

RATE = 44_100
PHRASES = [f"Phrase number {i}." for i in range(1, 10)]


class Sleeps:
    """A RetryPolicy sleep that records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def peak_in_flight(requests, latency_s: float) -> int:
    """Most requests the fake was serving at once: each is busy from arrival for its latency."""
    starts = sorted(r.at for r in requests)
    return max(sum(1 for s in starts if s <= t < s + latency_s) for t in starts)


def test_phrases_are_synthesized_a_few_at_a_time(google, tmp_path):
    google.default = Reply(delay_s=0.2)
    voice = Voice(GoogleEngine("en", requests_per_s=1000), PhraseCache(tmp_path), RATE, jobs=3)
    voice.load(PHRASES)
    assert sorted(r.text for r in google.requests) == sorted(prepare(p) for p in PHRASES)
    assert peak_in_flight(google.requests, 0.2) == 3, "three at once: concurrent, and never more"
    assert voice.synthesized == len(PHRASES) and all(voice.has(p) for p in PHRASES)


def test_one_job_means_one_request_at_a_time(google, tmp_path):
    google.default = Reply(delay_s=0.1)
    Voice(GoogleEngine("en", requests_per_s=1000), PhraseCache(tmp_path), RATE, jobs=1).load(PHRASES[:4])
    assert peak_in_flight(google.requests, 0.1) == 1


def test_request_starts_are_spaced_by_the_rate_limit(google, tmp_path):
    per_second = 8.0
    voice = Voice(GoogleEngine("en", requests_per_s=per_second), PhraseCache(tmp_path), RATE, jobs=4)
    voice.load(PHRASES[:6])
    arrivals = sorted(r.at for r in google.requests)
    # Four workers with instant answers would otherwise arrive together. A busy machine can
    # delay one start and bunch it with the next, but never compress the whole schedule.
    span = arrivals[-1] - arrivals[0]
    assert len(arrivals) == 6 and span >= 0.9 * (len(arrivals) - 1) / per_second, arrivals


def test_rate_limiter_schedules_starts_without_real_time():
    now = [100.0]
    limiter = RateLimiter(4.0, clock=lambda: now[0])
    waits = Sleeps()
    for _ in range(3):
        limiter.wait(sleep=waits)
    assert waits.waits == [0.25, 0.5]


def test_429_is_retried_honouring_retry_after(google):
    google.plan = [Reply(status=429, headers={"Retry-After": "3"}), Reply()]
    sleeps = Sleeps()
    audio = GoogleEngine("en", retry=RetryPolicy(sleep=sleeps)).synthesize("Rest.")
    assert len(audio) > 500 and len(google.requests) == 2
    assert sleeps.waits == [3.0], "waited what Google asked, longer than its own backoff"


def test_5xx_is_retried_with_growing_jittered_waits(google):
    google.plan = [Reply(status=503), Reply(status=500), Reply(status=502), Reply()]
    sleeps = Sleeps()
    policy = RetryPolicy(attempts=4, base_delay_s=1.0, max_delay_s=8.0, sleep=sleeps)
    GoogleEngine("en", retry=policy).synthesize("Rest.")
    assert len(google.requests) == 4 and len(sleeps.waits) == 3
    for attempt, wait in enumerate(sleeps.waits, 1):
        ceiling = 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling, (attempt, wait)


def test_backoff_is_capped_and_jitter_spreads_clients():
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=4.0)
    waits = [policy.delay(10) for _ in range(50)]
    assert max(waits) <= 4.0 and min(waits) >= 2.0 and len(set(waits)) > 40


def test_a_timeout_is_retried(google):
    google.plan = [Reply(delay_s=1.0), Reply()]
    audio = GoogleEngine("en").synthesize("Rest.", timeout=0.3)
    assert len(audio) > 500 and len(google.requests) == 2


def test_after_the_retries_a_clear_error(google):
    google.default = Reply(status=503)
    with pytest.raises(SpeechError) as caught:
        GoogleEngine("en", retry=RetryPolicy(attempts=3, sleep=Sleeps())).synthesize("Rest.")
    assert len(google.requests) == 3
    assert str(caught.value) == (
        "Google TTS refused the request (HTTP 503). Probable cause: a problem on Google's side; "
        "retry later or use --engine pico (tried 3 times)"
    )


def test_a_too_long_retry_after_fails_at_once(google):
    google.default = Reply(status=429, headers={"Retry-After": "3600"})
    with pytest.raises(SpeechError, match=r"too many requests.*Google asks to wait 3600 s"):
        GoogleEngine("en", retry=RetryPolicy(sleep=Sleeps())).synthesize("Rest.")
    assert len(google.requests) == 1


def test_refusals_that_will_not_change_are_not_retried(google):
    google.default = Reply(status=404)
    with pytest.raises(SpeechError, match=r"HTTP 404\)\. Probable cause: an unsupported --tld"):
        GoogleEngine("en", retry=RetryPolicy(sleep=Sleeps())).synthesize("Rest.")
    assert len(google.requests) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (batchexecute_body(b""), "was empty"),
        (batchexecute_body(b"\x00garbage, not an mp3" * 50), "could not be decoded as MP3"),
        (b"<html>Sorry</html>", "answered without audio"),
    ],
)
def test_garbage_is_an_error_and_never_cached(google, tmp_path, body, message):
    google.default = Reply(body=body)
    cache = PhraseCache(tmp_path)
    voice = Voice(GoogleEngine("en"), cache, RATE)
    with pytest.raises(SpeechError, match=message):
        voice.load(["Hold.", "Rest."])
    assert cache.entries() == [] and not voice.has("Hold.")
    google.default = Reply()
    voice.load(["Hold."])
    assert voice.synthesized == 1 and len(cache.entries()) == 1


def test_a_failure_stops_the_other_jobs_and_is_raised(google, tmp_path):
    google.plan = [Reply(status=403)]
    google.default = Reply(delay_s=0.05)
    voice = Voice(GoogleEngine("en"), PhraseCache(tmp_path), RATE, jobs=2)
    with pytest.raises(SpeechError, match="HTTP 403"):
        voice.load([f"Phrase {i}." for i in range(40)])
    assert len(google.requests) < 40, "phrases not yet started were cancelled"


def test_auto_probe_does_not_retry(google):
    google.default = Reply(status=503)
    assert speech.make_engine("auto").name == "pico"
    assert len(google.requests) == 1


# Every network read has a total deadline and a size cap: a slow or endless answer never hangs
# `auto` or fills memory. The servers here listen on 127.0.0.1 only.

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"


@contextmanager
def server(answer) -> Iterator[str]:
    """A raw HTTP server on 127.0.0.1 that answers every request with `answer(connection)`."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    def handle(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            try:
                answer(connection, stop)
            except OSError:
                pass  # the client gave up, as it should

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/batchexecute"
    finally:
        stop.set()
        listener.close()


def trickle(connection: socket.socket, stop: threading.Event) -> None:
    """Headers, then one byte every 0.2 s for as long as the client listens."""
    connection.sendall(HEADERS + b"Content-Length: 100000\r\n\r\n")
    while not stop.is_set():
        connection.sendall(b")")
        time.sleep(0.2)


def endless(connection: socket.socket, stop: threading.Event) -> None:
    """A body without end, as fast as the client reads it."""
    connection.sendall(HEADERS + b"\r\n")
    block = b"x" * 65536
    while not stop.is_set():
        connection.sendall(block)


def test_a_trickling_answer_is_given_up_on_at_the_deadline(monkeypatch):
    with server(trickle) as url:
        monkeypatch.setenv("AUDIOGUIDE_GTTS_URL", url)
        engine = GoogleEngine("en")
        started = time.monotonic()
        assert engine.reachable() is False
        assert time.monotonic() - started < 2 * google.PROBE_TIMEOUT_S + 1
        started = time.monotonic()
        with pytest.raises(SpeechError, match="did not answer within 1 s"):
            engine.synthesize("Hold.", timeout=1.0, retry=NO_RETRY)
        assert time.monotonic() - started < 3


def test_auto_falls_back_offline_quickly_when_google_trickles(monkeypatch):
    with server(trickle) as url:
        monkeypatch.setenv("AUDIOGUIDE_GTTS_URL", url)
        started = time.monotonic()
        engine = speech.make_engine("auto", "en")
        assert engine.name in ("pico", "espeak")
        assert time.monotonic() - started < 2 * google.PROBE_TIMEOUT_S + 1


def test_an_endless_answer_stops_at_the_size_cap(monkeypatch):
    monkeypatch.setattr(google, "MAX_ANSWER_BYTES", 2_000_000)
    with server(endless) as url:
        monkeypatch.setenv("AUDIOGUIDE_GTTS_URL", url)
        with pytest.raises(SpeechError, match="went on past 2 MB"):
            GoogleEngine("en").synthesize("Hold.", timeout=30.0, retry=NO_RETRY)


# Engine faults: every way Google's endpoint fails ends in a retry, a fallback or a clear error.
#
# Against the local fake of Google's endpoint: a stall past the timeout, HTTP 429 with and
# without Retry-After, HTTP 500, a connection reset, an empty body, a truncated MP3 and an
# HTML error page sent with status 200. Whatever the outcome, nothing bad is ever cached:
# every cached Google phrase is exactly the audio a good answer gives.

CLIENT_TIMEOUT_S = 0.3  # every request's timeout in these tests, so a stall costs little
STALL_S = 1.0  # how long the fake stalls: well past the client's timeout

FAULTS = {
    "timeout": Reply(delay_s=STALL_S),
    "429 with Retry-After": Reply(status=429, headers={"Retry-After": "1"}),
    "429 without Retry-After": Reply(status=429),
    "500": Reply(status=500),
    "connection reset": Reply(reset=True),
    "empty body": Reply(body=b""),
    "truncated MP3": Reply(body=truncated_mp3_body()),
    "HTML error page with status 200": Reply(body=HTML_ERROR_PAGE),
}
# The outcome "a clear error" must say what failed and what to do.
CLEAR = ("Google", "--engine pico")

TINY = """
title: Faults
exercises:
  - name: Plank
    cues: {countdown: 1, get_ready: 3s}
    steps: [{hold: 3s, say: Hold.}]
"""


@pytest.fixture
def short_timeouts(monkeypatch):
    """Cap every HTTP request's timeout, whoever sets it, so stalls are quick to test."""
    original = requests.Session.request

    @functools.wraps(original)
    def capped(self, method, url, **kwargs):
        kwargs["timeout"] = min(kwargs.get("timeout") or CLIENT_TIMEOUT_S, CLIENT_TIMEOUT_S)
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", capped)


@pytest.fixture(scope="module")
def good_clip() -> bytes:
    """The samples every good answer of the fake becomes once conditioned."""
    return clips.condition(decode_mp3(sample_mp3(), "the sample")).raw_data


def google_entries(cache: PhraseCache, asked: list[str]) -> dict[str, bytes]:
    """The cached samples of every phrase Google was asked for, by phrase."""
    engine = GoogleEngine("en")
    found = {}
    for text in dict.fromkeys(asked):
        clip = cache.get(cache.key(engine.name, engine.voice_id, prepare(text)))
        if clip is not None:
            found[text] = clip.raw_data
    return found


def build_tiny(tmp_path, engine: str):
    return build(
        routine.loads(TINY, source="faults.yaml"),
        BuildOptions(engine=engine, output=tmp_path / "out", cache_dir=tmp_path / "cache"),
    )


def assert_nothing_bad_cached(tmp_path, google, good_clip) -> None:
    assert damaged_cache_entries(tmp_path / "cache") == []
    cached = google_entries(PhraseCache(tmp_path / "cache"), [r.text for r in google.requests])
    assert all(samples == good_clip for samples in cached.values()), [
        text for text, samples in cached.items() if samples != good_clip
    ]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_passing_fault_is_retried_or_clearly_reported(fault, google, short_timeouts, tmp_path, good_clip):
    google.plan = [FAULTS[fault]]  # the first request fails, the rest are answered
    try:
        result = build_tiny(tmp_path, "gtts")
    except SpeechError as exc:
        assert all(word in str(exc) for word in CLEAR), str(exc)
        assert_nothing_bad_cached(tmp_path, google, good_clip)
        return
    # Retried: the failed phrase was asked again, and the track was built with Google's voice.
    assert result.engine == "gtts" and result.written.mp3.stat().st_size > 0
    assert len(google.requests) > result.synthesized
    assert_nothing_bad_cached(tmp_path, google, good_clip)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_lasting_fault_is_a_clear_error_and_caches_nothing(fault, google, short_timeouts, tmp_path):
    google.default = FAULTS[fault]
    with pytest.raises(SpeechError) as caught:
        build_tiny(tmp_path, "gtts")
    assert all(word in str(caught.value) for word in CLEAR), str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert not list((tmp_path / "cache").rglob("*.clip")), "a failed phrase was cached"
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("fault", list(FAULTS))
def test_auto_falls_back_to_the_offline_voice(fault, google, short_timeouts, tmp_path, good_clip):
    google.plan = [Reply(), Reply()]  # the probe and the first phrase succeed...
    google.default = FAULTS[fault]  # ...then every answer has this fault
    result = build_tiny(tmp_path, "auto")
    if result.engine == "gtts":  # the fault was passed by a retry only if it is not lasting
        pytest.fail(f"a lasting {fault} cannot give a Google track")
    assert result.engine == "pico" and any("offline voice" in w for w in result.warnings), result.warnings
    assert result.written.mp3.stat().st_size > 0
    assert_nothing_bad_cached(tmp_path, google, good_clip)
