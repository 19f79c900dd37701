"""The error `audioguide import` raises for an input it cannot read as an article."""

from __future__ import annotations

from audioguide.errors import AudioguideError


class ImportArticleError(AudioguideError):
    """The input cannot be read, or no exercise was found in it. The text says why and what to do."""
