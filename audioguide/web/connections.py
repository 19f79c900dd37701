"""Connections `serve` keeps: a cap on how many, and a deadline for the idle ones.

uvicorn closes a connection idle after a response (keep-alive), but not one that never sends
a request, or sends its headers a byte at a time: 2,000 of those would hold a file
descriptor each for ever, until the server could accept no more. Here every connection must
start a request within IDLE_S of opening or of its last response, and when MAX_CONNECTIONS
are open a new one closes the oldest idle connection to make room (or, if every one is busy
answering, is closed itself). The cap keeps memory flat whatever a client on the network does.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_CONNECTIONS = 100  # a few phones and a podcast app use a dozen at most
IDLE_S = 10.0  # to send a request's head, from the connection's start or the last answer
KEEP_ALIVE_S = 5  # uvicorn's own wait for the next request after an answer
MAX_HEAD_BYTES = 16 * 1024  # request line and headers (h11's limit for an unfinished event)


class GuardedH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with an idle deadline and a cap on connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._opened = 0.0
        self._checked: object = None
        self._idle_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._opened = self.loop.time()
        if len(self.connections) > MAX_CONNECTIONS and not self._make_room():
            transport.abort()
            return
        self._idle_timer = self.loop.call_later(IDLE_S, self._check_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        super().connection_lost(exc)

    def _idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _make_room(self) -> bool:
        """Close the oldest idle connection; False if every other one is answering a request."""
        others = [c for c in self.connections if c is not self and isinstance(c, GuardedH11) and c._idle()]
        if not others:
            return False
        oldest = min(others, key=lambda c: c._opened)
        oldest.transport.abort()
        oldest.connections.discard(oldest)  # connection_lost follows; the count is right at once
        return True

    def _check_idle(self) -> None:
        """Close the connection if it started no request since the last check and answers none."""
        self._idle_timer = None
        if self.transport.is_closing():
            return
        if self._idle() and self.cycle is self._checked:
            self.transport.abort()
            return
        self._checked = self.cycle
        self._idle_timer = self.loop.call_later(IDLE_S, self._check_idle)
