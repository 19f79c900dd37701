"""Every network read has a total deadline and a size cap: a slow or endless answer never hangs
`auto` or fills memory. The servers here listen on 127.0.0.1 only."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from audioguide import speech
from audioguide.errors import SpeechError
from audioguide.speech import google
from audioguide.speech.google import NO_RETRY, GoogleEngine

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
