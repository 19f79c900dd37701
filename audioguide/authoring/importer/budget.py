"""A time budget for one import: no article takes long to read, so one that does is refused.

Reading is linear in the article's length; the budget is the guard for what no test foresaw.
It is checked where the work goes round (each line, element and sentence), so it ends an
import with a message, never by stopping the process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from audioguide.authoring.importer.errors import ImportArticleError

MAX_SECONDS = 20.0  # the longest article of the corpus takes about a second

_deadline: ContextVar[tuple[float, float, str] | None] = ContextVar("import_deadline", default=None)


@contextmanager
def limited(name: str, seconds: float = MAX_SECONDS) -> Iterator[None]:
    """Within this block, `check()` refuses the article named `name` once `seconds` have passed."""
    token = _deadline.set((time.monotonic() + seconds, seconds, name))
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """Raise ImportArticleError if the import under way has used up its time."""
    limit = _deadline.get()
    if limit is not None and time.monotonic() > limit[0]:
        _, seconds, name = limit
        raise ImportArticleError(
            f"{name}: reading it took longer than {seconds:g} s, and no article needs so long; "
            "save the part with the exercises alone and import that"
        )
