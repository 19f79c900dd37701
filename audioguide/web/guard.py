"""What stands between the network and the app: the Host header, the body's size, and errors.

A pure ASGI wrapper around the whole app, so no request reaches a route before these
checks, and no error of a route ever reaches the client or the terminal as a traceback:
  - the Host header must be a host name or address (at most 255 characters: the page's
    QR code is made of it), and name this computer when the server is for this computer
    only (DNS rebinding), read as browsers send it: `localhost:8000`, `[::1]:8000`;
  - a request body larger than MAX_BODY_BYTES is refused with 413, at once when its
    Content-Length says so, else as soon as the bytes received pass the limit;
  - anything a route raises becomes a plain 500 page (Starlette's) and one log line.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 64 * 1024  # the page sends a form or a session: a few hundred bytes
MAX_HOST_CHARS = 255  # a DNS name is at most 253 characters, with a port and brackets this
MAX_LENGTH_DIGITS = 12
_DIGITS = re.compile("[0-9]+")
_NAME = re.compile("[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*\\.?")  # a DNS name or an IPv4 address
BAD_REQUEST, TOO_LARGE, SERVER_ERROR = 400, 413, 500
INVALID_HOST = "Invalid host header"
TOO_LARGE_TEXT = f"the request's body is larger than {MAX_BODY_BYTES // 1024} KB"

log = logging.getLogger(__name__)


def host_name(header: str) -> str | None:
    """The name or address a Host header gives, without its port, lowercased; IPv6 without its
    brackets (`[::1]:8000` -> `::1`). None when it is no host at all."""
    header = header.strip().lower()
    if not header or len(header) > MAX_HOST_CHARS:
        return None
    if header.startswith("["):
        address, bracket, port = header[1:].partition("]")
        if not bracket or (port and not (port.startswith(":") and _DIGITS.fullmatch(port[1:]))):
            return None
        try:
            return str(ipaddress.IPv6Address(address))
        except ValueError:
            return None
    name, _, port = header.partition(":")
    if (port and not _DIGITS.fullmatch(port)) or not _NAME.fullmatch(name):
        return None
    return name


class Guard:
    """The app, behind the checks above. `allowed_hosts` None: any host may be named."""

    def __init__(self, app: App, allowed_hosts: tuple[str, ...] | None = None):
        self.app = app
        self.allowed = None if allowed_hosts is None else {_normal(h) for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value for key, value in scope.get("headers", [])}
        given = headers.get("host", b"").decode("latin-1")
        host = host_name(given)
        if (given and host is None) or (self.allowed is not None and host not in self.allowed):
            await _plain(send, BAD_REQUEST, INVALID_HOST)
            return
        length = headers.get("content-length", b"0").decode("latin-1").strip()
        if not _DIGITS.fullmatch(length):
            await _plain(send, BAD_REQUEST, "the request's Content-Length is not a number")
            return
        if len(length) > MAX_LENGTH_DIGITS or int(length) > MAX_BODY_BYTES:  # refused before it is read
            await _plain(send, TOO_LARGE, TOO_LARGE_TEXT)
            return
        started = False
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:  # sent in chunks, with no length given first: read no more
                raise HTTPException(TOO_LARGE, TOO_LARGE_TEXT, headers={"connection": "close"})
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception as exc:  # Starlette has answered 500 already, if it could; log one line
            log.warning("%s %s failed: %s", scope.get("method"), _path(scope), type(exc).__name__)
            if not started:
                try:
                    await _plain(send, SERVER_ERROR, "Internal Server Error")
                except Exception:  # the client has gone
                    pass


def _normal(host: str) -> str:
    return host_name(f"[{host}]" if ":" in host and not host.startswith("[") else host) or host


def _path(scope: Scope) -> str:
    return json.dumps(str(scope.get("path", ""))[:200])


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
