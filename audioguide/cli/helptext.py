"""Help that reads whole: a command's summary in its group's listing is never cut short.

click shortens a command's summary to its first 45 or so characters and stops at the first
period, so "Fetch the Piper voice NAME (e.g. en_US-lessac-medium) into ..." became "Fetch
the Piper voice NAME (e.g.". Commands without an explicit `short_help` get their docstring's
whole first sentence instead, which the listing wraps rather than cuts.
"""

from __future__ import annotations

import re

import click

# A sentence ends at . ! or ? followed by a space and a capital, so "e.g. en_US" stays whole.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'])")


def first_sentence(text: str) -> str:
    """The first sentence of the first paragraph, on one line."""
    paragraph = " ".join(text.split("\n\n")[0].replace("\b", "").split())
    return _SENTENCE_END.split(paragraph, maxsplit=1)[0]


def whole_short_help(command: click.Command) -> None:
    """Give `command` and every command below it a summary that is not cut short."""
    if not command.short_help and command.help:
        command.short_help = first_sentence(command.help)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            whole_short_help(sub)
