"""Helpers for tests of `audioguide serve`: a real server process on 127.0.0.1 and a tiny routine."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import lameenc

from audioguide import build, routine

# A 54-second routine: a hold in two rounds and a rep step, quick to build with Pico.
TINY = """\
title: Tiny
rest_between: 8s
cues: {countdown: 1, get_ready: 4s, halfway: false}
exercises:
  - name: Squeeze
    sets: 2
    rest: 8s
    steps:
      - hold: 3s
        say: Squeeze.
  - name: Lift
    steps:
      - reps: 2
        say: Lift.
        tempo:
          - {say: up, for: 2s}
"""
START_TIMEOUT_S = 30
PAGE_LINE = re.compile(r"^Page: (http://\S+)$", re.MULTILINE)


def tiny_folders(root: Path) -> tuple[Path, Path, Path]:
    """A routines folder with tiny.yaml, an output folder with its track built, and a phrase cache."""
    routines, out, cache = root / "routines", root / "out", root / "cache"
    routines.mkdir(parents=True)
    (routines / "tiny.yaml").write_text(TINY, encoding="utf-8")
    build.build(
        routine.load(routines / "tiny.yaml"),
        build.BuildOptions(engine="pico", output=out, cache_dir=cache),
    )
    return routines, out, cache


class Server:
    """`audioguide serve` in its own process group, as a shell would start it."""

    def __init__(self, out: Path, routines: Path, cache: Path, *extra: str):
        command = [sys.executable, "-m", "audioguide", "serve", "--port", "0", "-o", str(out)]
        command += ["--routines", str(routines), "--engine", "pico", "--cache-dir", str(cache), *extra]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "AUDIOGUIDE_CACHE_DIR": str(cache)},
        )
        self.stdout = ""
        self.url = self._wait_for_address()
        self.stderr = ""

    def _wait_for_address(self) -> str:
        found: list[str] = []

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.stdout += line
                if match := PAGE_LINE.match(line.rstrip("\n")):
                    found.append(match[1])

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not found and time.monotonic() < deadline and self.process.poll() is None:
            time.sleep(0.05)
        if not found:
            self.process.kill()
            raise AssertionError(
                f"serve did not start: {self.process.stderr.read() if self.process.stderr else ''}"
            )
        wait_until_listening(found[0])
        return found[0]

    def stop(self, sig: int = signal.SIGINT, timeout: float = 20) -> int:
        """Send `sig` to the process group, as Ctrl-C does; return the exit status."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise
        self.stderr = self.process.stderr.read() if self.process.stderr else ""
        return status


def wait_until_listening(url: str, timeout: float = START_TIMEOUT_S) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def wait_for_job(client, base: str, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"{base}builds/{job_id}").json()["job"]
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"build {job_id} did not finish in {timeout} s")


def mp3(path: Path, seconds: float = 0.5) -> Path:
    """A short silent MP3, as LAME writes it (no tags)."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(22_050)
    encoder.set_channels(1)
    path.write_bytes(encoder.encode(bytes(int(22_050 * seconds) * 2)) + encoder.flush())
    return path
