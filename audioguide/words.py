"""Numbers, durations and lists as words, so every engine says them the same way."""

from __future__ import annotations

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number(n: int) -> str:
    """0 <= n < 1,000,000 in words: 21 -> "twenty-one"."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {number(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{number(thousands)} thousand" + (f" {number(rest)}" if rest else "")


def plural(n: int, noun: str) -> str:
    return f"{number(n)} {noun}{'' if n == 1 else 's'}"


def duration(ms: int) -> str:
    """12_500 -> "twelve and a half seconds"; 90_000 -> "one minute thirty seconds"."""
    minutes, ms = divmod(ms, 60_000)
    seconds, fraction = divmod(ms, 1000)
    parts = [plural(minutes, "minute")] if minutes else []
    if fraction >= 500 and not minutes:
        return f"{number(seconds)} and a half seconds"
    if seconds or not parts:
        parts.append(plural(seconds, "second"))
    return " ".join(parts)


def join(items: tuple[str, ...] | list[str]) -> str:
    """("a band", "a chair") -> "a band and a chair"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
