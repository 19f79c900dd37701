"""gTTS made dependable, against the local fake of Google: bounded concurrency, a rate
limit, retries with backoff on 429, 5xx and timeouts, clear failures, no garbage cached."""

from __future__ import annotations

import pytest
from fake_google import Reply, batchexecute_body

from audioguide import speech
from audioguide.errors import SpeechError
from audioguide.speech.cache import PhraseCache
from audioguide.speech.google import GoogleEngine, RateLimiter, RetryPolicy
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
