"""Shared fixtures: an isolated cache per test, no network, and a fake engine."""

from __future__ import annotations

import math
import signal
from pathlib import Path

import pytest
from pydub import AudioSegment
from pydub.generators import Sine

from audioguide import routine
from audioguide.speech import ENGINES, Engine, register
from audioguide.speech.google import RetryPolicy

HERE = Path(__file__).parent
SMALL_ROUTINE = HERE / "routines" / "small.yaml"


def pytest_configure(config):
    """Ctrl-C reaches the tests and the builds they start: a shell starts a background job
    with SIGINT ignored, and its children would inherit that (a handler set here is reset to
    the default in each child)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def isolated(tmp_path, tmp_path_factory, monkeypatch):
    """Each test gets its own phrase cache, and Google is never reachable unless a test fakes it."""
    monkeypatch.setenv("AUDIOGUIDE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AUDIOGUIDE_CONFIG_DIR", str(tmp_path / "config"))  # never the user's settings
    # Nor the user's signing key; kept out of tmp_path, which tests list as an output folder.
    monkeypatch.setenv("AUDIOGUIDE_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    # A closed local port: `auto` sees Google as unreachable at once, and nothing leaves the machine.
    monkeypatch.setenv("AUDIOGUIDE_GTTS_URL", "http://127.0.0.1:9/batchexecute")


class FakeEngine(Engine):
    """Speaks every phrase as a tone whose length grows with the text; counts its calls."""

    name = "fake"
    languages = ("en", "de")
    calls: list[str] = []
    ms_per_char = 25

    def synthesize(self, text: str) -> AudioSegment:
        FakeEngine.calls.append(text)
        ms = 150 + self.ms_per_char * len(text)
        voice = Sine(330, sample_rate=22_050).to_audio_segment(duration=ms, volume=-12)
        pad = AudioSegment.silent(120, frame_rate=22_050)  # engines pad clips with silence
        return pad + voice + pad


@pytest.fixture
def fake_engine():
    FakeEngine.calls = []
    register(FakeEngine)
    yield FakeEngine
    ENGINES.pop(FakeEngine.name, None)


@pytest.fixture
def small_routine() -> routine.Routine:
    return routine.load(SMALL_ROUTINE)


def approx_ms(a: float, b: float, tolerance: float = 10.0) -> bool:
    return math.isclose(a, b, abs_tol=tolerance)


@pytest.fixture(scope="session")
def loopback() -> None:
    """Tests that talk to a local server need 127.0.0.1: without it they skip, saying why."""
    from fake_google import loopback_problem

    if problem := loopback_problem():
        pytest.skip(f"needs the loopback network: {problem}")


@pytest.fixture
def google(monkeypatch, loopback):
    """A local fake of Google's TTS endpoint, with the gtts engine pointed at it."""
    from fake_google import FakeGoogle

    from audioguide.speech import google as google_engine

    # Real backoff waits seconds between retries; the same policy, scaled down, keeps tests quick.
    monkeypatch.setattr(google_engine, "DEFAULT_RETRY", FAST_RETRY)
    with FakeGoogle() as fake:
        monkeypatch.setenv("AUDIOGUIDE_GTTS_URL", fake.url)
        yield fake


FAST_RETRY = RetryPolicy(base_delay_s=0.01, max_delay_s=0.05)


@pytest.fixture(params=["pico_nanotts", "pico_ttspico"])
def pico_binding(request, monkeypatch):
    """The Pico engine speaking through one binding; skipped where that binding is not installed."""
    from audioguide.speech import pico

    binding = getattr(pico, request.param)
    if not binding.installed():
        pytest.skip(f"{binding.PACKAGE} is not installed here (pyproject.toml's markers chose the other)")
    monkeypatch.setattr(pico, "BINDINGS", (binding,))
    return binding
