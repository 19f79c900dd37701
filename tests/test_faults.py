"""Engine faults: every way Google's endpoint fails ends in a retry, a fallback or a clear error.

Against the local fake of Google's endpoint: a stall past the timeout, HTTP 429 with and
without Retry-After, HTTP 500, a connection reset, an empty body, a truncated MP3 and an
HTML error page sent with status 200. Whatever the outcome, nothing bad is ever cached:
every cached Google phrase is exactly the audio a good answer gives.
"""

from __future__ import annotations

import functools

import pytest
import requests
from builds import damaged_cache_entries
from fake_google import HTML_ERROR_PAGE, Reply, sample_mp3, truncated_mp3_body

from audioguide import routine
from audioguide.build import BuildOptions, build
from audioguide.errors import SpeechError
from audioguide.speech import PhraseCache, clips
from audioguide.speech.google import GoogleEngine, decode_mp3
from audioguide.speech.text import prepare

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
