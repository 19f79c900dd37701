"""Connections `serve` keeps: idle ones are closed, and a crowd of them cannot stop it accepting.

A real uvicorn server with serve's protocol, in this process, listening on 127.0.0.1 only.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn

from audioguide.web import connections

IDLE_S = 0.5
CAP = 40


async def hello(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(connections, "IDLE_S", IDLE_S)
    monkeypatch.setattr(connections, "MAX_CONNECTIONS", CAP)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(512)
    config = uvicorn.Config(
        hello, http=connections.GuardedH11, lifespan="off", log_level="warning", limit_concurrency=CAP + 1
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    while not running.started:
        time.sleep(0.01)
    running.address = listening.getsockname()
    yield running
    running.should_exit = True
    thread.join(5)
    listening.close()


def get(address) -> bytes:
    with socket.create_connection(address, timeout=5) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return client.recv(1024)


def closed_within(client: socket.socket, seconds: float) -> bool:
    client.settimeout(seconds)
    try:
        return client.recv(1024) == b""
    except (TimeoutError, ConnectionResetError):
        return False


def test_a_connection_that_sends_nothing_or_half_a_request_is_closed(server):
    silent = socket.create_connection(server.address)
    slow = socket.create_connection(server.address)
    slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
    assert closed_within(silent, 4 * IDLE_S) and closed_within(slow, 4 * IDLE_S)  # open for ever before


def test_2000_idle_connections_cannot_stop_the_server_answering(server):
    idle = []
    try:
        for _ in range(2_000):
            idle.append(socket.create_connection(server.address))
        started = time.monotonic()
        assert get(server.address).startswith(b"HTTP/1.1 200")
        assert time.monotonic() - started < 2.0
        # the server holds a descriptor for at most CAP of them (it held all 2,000 before)
        assert len(server.server_state.connections) <= CAP
    finally:
        for client in idle:
            client.close()
