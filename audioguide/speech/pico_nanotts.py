"""Pico through py-nanotts: wheels with the engine and its six languages inside, no compiler.

py-nanotts starts a fresh Pico engine for every phrase and frees all of it afterwards, so
it speaks in audioguide's own process without growing (300 phrases: RSS +0.2 MB).

Pico reads part of its 2.5 MB working memory before writing it. Memory fresh from the
operating system is zeros, and then a phrase sounds exactly as ttspico says it; memory
reused from an earlier phrase or clip makes the same text sound slightly different each
time, so a build would depend on which phrases happened to be cached. So while Pico
speaks, glibc is told to fill every block it hands out with zeros (its M_PERTURB
setting, a debugging aid; it costs well under a millisecond a phrase).
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import util
from pathlib import Path

from audioguide.errors import SpeechError

PACKAGE = "py-nanotts"
_M_PERTURB = -6  # glibc's malloc.h
# M_PERTURB fills each new block with the complement of this byte (and freed ones with it).
_ZERO_FILL = 0xFF
_lock = threading.Lock()


def installed() -> bool:
    return util.find_spec("py_nanotts") is not None


def language_dir() -> Path | None:
    """The folder of Pico's language files inside the py_nanotts package, if they are there."""
    spec = util.find_spec("py_nanotts")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "lang"
    return folder if any(folder.glob("*_ta.bin")) else None


def _installed_at() -> str:
    spec = util.find_spec("py_nanotts")
    return str(Path(spec.origin).parent) if spec and spec.origin else "this Python environment"


def unavailable_reason() -> str | None:
    if not installed():
        return f"the {PACKAGE} package is not installed (pip install {PACKAGE})"
    try:
        import py_nanotts  # noqa: F401
    except ImportError as exc:
        return f"{PACKAGE} does not load here ({exc}); reinstall it: pip install --force-reinstall {PACKAGE}"
    if language_dir() is None:
        return (
            f"{PACKAGE}'s language files (*_ta.bin) are missing from {_installed_at()}; "
            f"reinstall it: pip install --force-reinstall {PACKAGE}"
        )
    return None


def speak(lang: str, text: str) -> bytes:
    """`text` (Pico markup allowed) as 16 kHz mono 16-bit PCM."""
    import py_nanotts

    try:
        with _lock, _zeroed_allocations():
            return py_nanotts.NanoTTS().speak(text, voice=lang)
    except MemoryError:
        raise SpeechError(
            "the pico voice ran out of memory. Probable cause: too little free memory; "
            "close other programs, or use --engine espeak"
        ) from None
    except (RuntimeError, ValueError) as exc:
        if "loadResource" in str(exc):
            raise SpeechError(
                f"the pico voice for {lang} did not load from {language_dir()}. "
                f"Probable cause: damaged language files; reinstall with "
                f"pip install --force-reinstall {PACKAGE}"
            ) from None
        raise SpeechError(f"the pico voice failed on a phrase: {exc}") from None


@contextmanager
def _zeroed_allocations() -> Iterator[None]:
    """Within the block, glibc's malloc hands out zero-filled memory (see the module's doc).

    Windows' heap serves blocks as large as Pico's straight from the system (VirtualAlloc),
    zero-filled each time; that is not measured here.
    """
    mallopt = _glibc_mallopt()
    if mallopt is None:
        yield
        return
    mallopt(_M_PERTURB, _ZERO_FILL)
    try:
        yield
    finally:
        mallopt(_M_PERTURB, 0)


@cache
def _glibc_mallopt() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    return getattr(ctypes.CDLL(None), "mallopt", None)
