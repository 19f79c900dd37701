"""Values as a routine writes them: durations, rests, ranges, counts, texts, switches."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from audioguide.routine.model import (
    HALFWAY_MIN_MS,
    MAX_COUNT,
    MAX_DURATION_MS,
    MAX_TEXT_CHARS,
    Count,
)

# --- values ----------------------------------------------------------------------------

_DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m(?!s))?"
    r"(?:(?P<s>\d+(?:\.\d+)?)s)?(?:(?P<ms>\d+)ms)?$"
)
_RANGE = re.compile(r"^\s*(\d+)\s*[-\u2013]\s*(\d+)\s*$")


class Invalid(ValueError):
    """A value is wrong; the text says what was expected."""


def parse_duration(value: Any) -> int:
    """`20s`, `1m30s`, `1.5s`, `500ms` or a bare number of seconds -> milliseconds."""
    _refuse_negative(value)
    if isinstance(value, bool):
        raise Invalid(f"must be a duration like 20s or 1m30s, got {value!r}")
    if isinstance(value, int | float):
        exact = value * 1000
    elif isinstance(value, str) and value.strip() and (m := _DURATION.match(value.strip())):
        parts = {k: float(v) for k, v in m.groupdict().items() if v}
        exact = (
            parts.get("h", 0) * 3_600_000
            + parts.get("m", 0) * 60_000
            + parts.get("s", 0) * 1000
            + parts.get("ms", 0)
        )
    else:
        raise Invalid(f"must be a duration like 20s or 1m30s, got {quoted(value)}")
    if math.isnan(exact):
        raise Invalid(f"must be a duration like 20s or 1m30s, got {quoted(value)}")
    if exact > MAX_DURATION_MS:  # also `.inf` and numbers of hundreds of digits
        raise Invalid(f"must be at most 2h, got {quoted(value)}")
    ms = round(max(exact, 0))  # `-.inf` cannot be rounded
    if ms <= 0:
        raise Invalid(f"must be longer than zero, got {quoted(value)}")
    if ms > MAX_DURATION_MS:
        raise Invalid(f"must be at most 2h, got {quoted(value)}")
    return ms


def _refuse_negative(value: Any) -> None:
    """`-30s` or `-5`: say that the minus is the mistake, and what to write instead."""
    text = value.strip() if isinstance(value, str) else ""
    if text.startswith("-") and _DURATION.match(text[1:]):
        raise Invalid(
            f"cannot be negative, got {quoted(value)}; durations have no minus sign: write {text[1:]}"
        )
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0 and math.isfinite(value):
        raise Invalid(
            f"cannot be negative, got {quoted(value)}; durations have no minus sign: write {-value:g}s"
        )


def parse_rest(value: Any) -> int:
    """A rest: a duration, or 0 where the programme has none."""
    if not isinstance(value, bool) and (
        value == 0 or (isinstance(value, str) and value.strip() in ("0", "0s"))
    ):
        return 0
    return parse_duration(value)


_DURATION_RANGE = re.compile(r"^\s*([\d.]+[a-z]*)\s*[-\u2013]\s*([\d.]+)([a-z]*)\s*$")


def parse_span(value: Any) -> Count:
    """A duration, or a range `15-30s` spread over the levels like a count (ms per level)."""
    if isinstance(value, str) and (m := _DURATION_RANGE.match(value)):
        low_text = m[1] if re.search(r"[a-z]$", m[1]) else m[1] + m[3]
        low, high = parse_duration(low_text), parse_duration(m[2] + m[3])
        if low >= high:
            raise Invalid(f"a range must go from a shorter to a longer time, got {quoted(value)}")
        middle = math.ceil((low + (high - low) / 2) / 1000) * 1000
        return Count(low, middle, high)
    return Count.fixed(parse_duration(value))


def parse_count(value: Any) -> Count:
    """A positive whole number, or a range `low-high` spread over the levels."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= MAX_COUNT:
            raise Invalid(f"must be between 1 and {MAX_COUNT}, got {value}")
        return Count.fixed(value)
    if isinstance(value, str) and (m := _RANGE.match(value)):
        # Compare as text first: int() refuses numbers of thousands of digits.
        low, high = (int(n) if len(n) <= len(str(MAX_COUNT)) else MAX_COUNT + 1 for n in (m[1], m[2]))
        if not 1 <= low < high <= MAX_COUNT:
            shown = repr(value) if len(value) <= _SHOW_CHARS else quoted(value)
            raise Invalid(f"a range must go from a low to a higher count within 1-{MAX_COUNT}, got {shown}")
        return Count(low, low + (high - low + 1) // 2, high)
    raise Invalid(f"must be a positive whole number or a range like 10-20, got {quoted(value)}")


_SHOW_CHARS = 40  # a value quoted in a message is cut to this length


def quoted(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= _SHOW_CHARS else text[: _SHOW_CHARS - 3] + "..."


def as_text(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise Invalid(f"must be text, got {quoted(value)}")
    text = " ".join(str(value).split())
    if not text:
        raise Invalid("must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise Invalid(f"is too long ({len(text)} characters); keep it under {MAX_TEXT_CHARS}")
    if any(unicodedata.category(c) == "Cc" for c in text):  # NUL, escape, DEL and the like
        raise Invalid("contains control characters; remove them")
    if any(unicodedata.category(c) == "Cs" for c in text):  # "\ud800": half of a character
        raise Invalid("contains a lone surrogate escape (like \\ud800), which is no character; remove it")
    return text


_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def as_lang(value: Any) -> str:
    if not isinstance(value, str) or not _LANG.match(value):
        raise Invalid(f"must be a language code like en, de or pt-BR, got {quoted(value)}")
    return value


def as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, got {quoted(value)}")
    return value


def one_of(*allowed: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if value not in allowed:
            raise Invalid(f"must be one of {', '.join(allowed)}, got {quoted(value)}")
        return value

    return convert


def as_halfway(value: Any) -> int:
    """`true` (the default length), `false` (never: 0), or the shortest hold that gets one: `20s`."""
    if isinstance(value, bool):
        return HALFWAY_MIN_MS if value else 0
    try:
        return parse_duration(value)
    except Invalid:
        raise Invalid(f"must be true, false or a duration like 20s, got {quoted(value)}") from None


def as_then(value: Any) -> bool:
    if value not in ("continue", "stop"):
        raise Invalid(f"must be continue or stop, got {quoted(value)}")
    return value == "continue"


def as_until(value: Any) -> bool:
    if value != "ready":
        raise Invalid(f"must be ready (live, the coach then waits for the word), got {quoted(value)}")
    return True


def as_countdown(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise Invalid(f"must be a whole number of seconds from 0 to 10, got {quoted(value)}")
    return value
