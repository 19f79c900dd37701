"""Pico through ttspico, where py-nanotts has no wheel: built from source, so it needs a compiler.

ttspico never frees about 190 KB per phrase: it speaks in a worker process (pico_worker.py)
replaced after a few dozen phrases, so the leak is bounded (a few MB) however many phrases
a routine has.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys
import threading
from functools import cache
from importlib import util
from pathlib import Path

from audioguide import files
from audioguide.errors import SpeechError

PACKAGE = "ttspico"
PHRASES_PER_WORKER = 24
WORKER = Path(__file__).with_name("pico_worker.py")
# Runs the worker file as a script, without putting its folder (or the current one) on sys.path.
_LAUNCH = "import runpy, sys; sys.path.pop(0); runpy.run_path(sys.argv[1], run_name='__main__')"
_LENGTH_BYTES = 8
WORKER_EXIT_S = 5.0  # a worker whose input is closed ends at once; one that does not is killed
LEGACY_DATA_DIR = "languages"  # ttspico's setup.py data_files target


def installed() -> bool:
    return util.find_spec("ttspico") is not None


@cache
def language_dir() -> Path | None:
    """Where ttspico installed its language files.

    They live under the environment's prefix (`<venv>/languages`), not inside the package,
    so find them in the installed distribution's own file list instead of guessing.
    """
    from importlib import metadata  # slow to import: only where ttspico is asked for

    try:
        dist = metadata.distribution("ttspico")
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name.endswith("_ta.bin"):
            installed = Path(str(dist.locate_file(file))).resolve()
            if installed.is_file():
                return installed.parent
            # An older pip without the `wheel` package installs with `setup.py install`,
            # whose file list names the sources (picopi/pico/lang/...); setup.py puts the
            # files themselves in its data_files folder under the prefix.
            legacy = Path(sys.prefix) / LEGACY_DATA_DIR / file.name
            if legacy.is_file():
                return legacy.parent
    return None


def _installed_at() -> str:
    """Where the ttspico distribution is installed, for messages about its files."""
    from importlib import metadata

    try:
        return str(metadata.distribution("ttspico").locate_file(""))
    except metadata.PackageNotFoundError:
        return "this Python environment"


def unavailable_reason() -> str | None:
    if not installed():
        return f"the {PACKAGE} package is not installed (pip install {PACKAGE})"
    if language_dir() is None:
        return (
            f"ttspico's language files (*_ta.bin) are missing from {_installed_at()}; "
            "reinstall it: pip install --force-reinstall ttspico"
        )
    return None


def speak(lang: str, text: str) -> bytes:
    """`text` (Pico markup allowed) as 16 kHz mono 16-bit PCM."""
    # Ctrl-C (which the worker ignores) waits until the phrase is done, a fraction of a second.
    with files.signals_deferred():
        return _worker().speak(lang, str(language_dir()), text)


class _Worker:
    """The Pico worker process (pico_worker.py), started when needed and replaced now and then.

    A new ttspico engine speaks every phrase in it: one engine carries state from phrase
    to phrase, so the same text would sound slightly different depending on what was
    spoken before it, and a build would depend on which phrases happened to be cached.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._served = 0
        self._lock = threading.Lock()

    def speak(self, lang: str, folder: str, text: str) -> bytes:
        with self._lock:
            try:
                return self._ask(lang, folder, text)
            except _WorkerGone:
                self.close()
                try:
                    return self._ask(lang, folder, text)  # once more, with a fresh worker
                except _WorkerGone:
                    self.close()
                    raise SpeechError(
                        "the pico voice's worker process stopped. Probable cause: too little memory; "
                        "retry, or use --engine espeak"
                    ) from None

    def _ask(self, lang: str, folder: str, text: str) -> bytes:
        if self._process is None or self._served >= PHRASES_PER_WORKER or self._process.poll() is not None:
            self.close()
            self._process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCH, str(WORKER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            self._served = 0
        process = self._process
        if process.stdin is None or process.stdout is None:
            raise _WorkerGone
        request = json.dumps({"lang": lang, "folder": folder, "text": text}, ensure_ascii=True) + "\n"
        try:
            process.stdin.write(request.encode("ascii"))
            process.stdin.flush()
            length = int.from_bytes(_read_exactly(process.stdout, _LENGTH_BYTES), "little", signed=True)
            reply = _read_exactly(process.stdout, length if length >= 0 else -length - 1)
        except OSError:
            raise _WorkerGone from None
        self._served += 1
        if length >= 0:
            return reply
        stage, _, why = reply.decode("utf-8", "replace").partition(":")
        if stage == "load":
            raise SpeechError(
                f"the pico voice for {lang} did not load from {folder}. "
                "Probable cause: damaged language files; reinstall with "
                "pip install --force-reinstall ttspico"
            )
        raise SpeechError(f"the pico voice failed on a phrase: {why}")

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            try:
                if stream:
                    stream.close()  # the worker ends at the end of its input
            except OSError:
                pass
        try:
            process.wait(timeout=WORKER_EXIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _WorkerGone(Exception):
    """The worker process ended (killed, or out of memory) before it answered."""


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise _WorkerGone
    return data


@cache
def _worker() -> _Worker:
    worker = _Worker()
    atexit.register(worker.close)
    return worker
