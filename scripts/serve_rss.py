"""Peak memory of `audioguide serve` under a 200 MB request body and under 2,000 idle connections.

Starts `audioguide serve` on 127.0.0.1 over an empty output folder and reads the server
process's resident memory from /proc (VmRSS now, VmHWM its peak so far) after start-up,
after a 200 MB POST body (once with a Content-Length, once chunked, as fast as the server
takes it), and while 2,000 connections are held open without a request, when it also times
one request made through the crowd. Linux only; nothing leaves 127.0.0.1.

    .venv/bin/python scripts/serve_rss.py
"""

from __future__ import annotations

import socket
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from serving import Server  # noqa: E402

BODY_BYTES = 200 * 1024 * 1024
CHUNK = 1024 * 1024
IDLE_CONNECTIONS = 2_000
SETTLE_S = 2.0


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of the process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return tuple(int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM"))  # type: ignore[return-value]


def send_body(address: tuple[str, int], chunked: bool) -> tuple[int, str]:
    """POST a 200 MB body to /log as fast as the server reads it; (bytes it took, its status line)."""
    head = "POST /log HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {BODY_BYTES}\r\n\r\n"
    sent = 0
    with socket.create_connection(address, timeout=30) as client:
        client.sendall(head.encode())
        block = b"[" * CHUNK
        try:
            while sent < BODY_BYTES:
                client.sendall(b"%x\r\n%s\r\n" % (CHUNK, block) if chunked else block)
                sent += CHUNK
            if chunked:
                client.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed before taking it all
        try:
            status = client.recv(200).split(b"\r\n", 1)[0].decode("latin-1")
        except OSError as exc:
            status = f"(no answer: {exc.strerror or exc})"
    return sent, status


def timed_get(address: tuple[str, int]) -> str:
    started = time.monotonic()
    try:
        with socket.create_connection(address, timeout=30) as client:
            client.sendall(b"GET /tracks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            status = client.recv(200).split(b"\r\n", 1)[0].decode("latin-1") or "(closed)"
    except OSError as exc:
        status = f"(failed: {exc.strerror or exc})"
    return f"{status} in {time.monotonic() - started:.2f} s"


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for name in ("routines", "out", "cache"):
            (root / name).mkdir()
        server = Server(root / "out", root / "routines", root / "cache")
        pid = server.process.pid
        parts = urlsplit(server.url)
        address = (parts.hostname or "127.0.0.1", parts.port or 80)
        try:
            print(f"started, one listing: {timed_get(address)}; RSS {memory(pid)[0]:.0f} MB")
            for chunked in (False, True):
                sent, status = send_body(address, chunked)
                time.sleep(SETTLE_S)
                rss, peak = memory(pid)
                kind = "chunked" if chunked else "with Content-Length"
                print(f"200 MB body {kind}: server took {sent / 1e6:.0f} MB, answered {status!r}; "
                      f"RSS {rss:.0f} MB, peak so far {peak:.0f} MB")
            idle = []
            for _ in range(IDLE_CONNECTIONS):
                try:
                    idle.append(socket.create_connection(address, timeout=5))
                except OSError as exc:
                    print(f"connection {len(idle) + 1} failed: {exc}")
                    break
            time.sleep(SETTLE_S)
            open_fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
            rss, peak = memory(pid)
            through = timed_get(address)
            print(f"{len(idle)} idle connections held: server has {open_fds} descriptors open; "
                  f"a request through them: {through}; RSS {rss:.0f} MB, peak so far {peak:.0f} MB")
            for client in idle:
                client.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
