"""A local stand-in for Google Translate's TTS endpoint, answering the way Google does.

Tests script its answers: each request takes the next planned `Reply` (or the default),
so a test can serve audio, refuse with HTTP 429, stall past a timeout, or send garbage.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from audioguide import ffmpeg

POLL_S = 0.02  # how often the server checks for shutdown; the default 0.5 s slows every test
LOOPBACK = "127.0.0.1"
LOOPBACK_TIMEOUT_S = 1.0


@cache
def loopback_problem() -> str | None:
    """Why this machine cannot reach 127.0.0.1 (a sandbox with networking off), or None if it can.

    Binding works even with the loopback interface down; connecting is what fails, so both are tried.
    """
    try:
        with socket.create_server((LOOPBACK, 0)) as server:
            with socket.create_connection(server.getsockname(), timeout=LOOPBACK_TIMEOUT_S):
                return None
    except OSError as exc:
        return (
            f"cannot connect to {LOOPBACK} ({exc.strerror or exc}): the loopback interface is down or "
            "missing, as in a sandbox with networking off. Bring it up (ip link set lo up) to run these tests"
        )


@cache
def sample_mp3(seconds: float = 0.8) -> bytes:
    """A real MP3 (a tone with silence around it, as Google pads its speech)."""
    return subprocess.run(
        [ffmpeg.executable(), "-v", "error", "-f", "lavfi", "-i",
         f"sine=frequency=300:duration={seconds},adelay=150,apad=pad_dur=0.2",
         "-ac", "1", "-ar", "24000", "-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


def batchexecute_body(mp3: bytes) -> bytes:
    """The response format gTTS parses: the audio base64-encoded inside a jQ1olc RPC line."""
    encoded = base64.b64encode(mp3).decode("ascii")
    return f')]}}\'\n\n123\n[["wrb.fr","jQ1olc","[\\"{encoded}\\"]",null,null,null,"generic"]]\n'.encode()


@dataclass
class Reply:
    status: int = 200
    body: bytes | None = None  # None: a good answer with sample_mp3()
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False  # drop the connection with a TCP reset instead of answering


def truncated_mp3_body(fraction: float = 0.5) -> bytes:
    """A well-formed answer whose MP3 stops part-way through a frame, as a cut download does."""
    mp3 = sample_mp3()
    return batchexecute_body(mp3[: int(len(mp3) * fraction)])


HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Error 502 (Server Error)!!1</title></head>"
    b"<body><p><b>502.</b> That\xe2\x80\x99s an error.</p></body></html>"
)


@dataclass
class Request:
    text: str  # the phrase gTTS asked for
    lang: str
    at: float  # time.monotonic() when it arrived


class FakeGoogle:
    def __init__(self) -> None:
        self.plan: list[Reply] = []
        self.default = Reply()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                fake._record(self.rfile.read(length).decode())
                reply = fake._next()
                time.sleep(reply.delay_s)
                if reply.reset:
                    # SO_LINGER with a zero timeout makes close() send RST, not FIN.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                body = batchexecute_body(sample_mp3()) if reply.body is None else reply.body
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/_/TranslateWebserverUi/data/batchexecute"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(POLL_S,), daemon=True)

    def _record(self, body: str) -> None:
        rpc = json.loads(urllib.parse.unquote(body.removeprefix("f.req=").rstrip("&")))
        text, lang, *_ = json.loads(rpc[0][0][1])
        with self._lock:
            self.requests.append(Request(text, lang, time.monotonic()))

    def _next(self) -> Reply:
        with self._lock:
            return self.plan.pop(0) if self.plan else self.default

    def __enter__(self) -> FakeGoogle:
        if problem := loopback_problem():
            self.server.server_close()
            raise RuntimeError(f"the fake of Google's endpoint is unreachable: {problem}")
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
