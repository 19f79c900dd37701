"""Every command's summary and every option's help reads whole in `--help`, at any width."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from audioguide.cli import cli
from audioguide.cli.helptext import first_sentence

WIDTHS = (60, 80, 200)  # a narrow terminal, the usual one and a wide one


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    """(path, command) for every command and subcommand under `group`, the group itself first."""
    yield path, group
    for name, command in sorted(_subcommands(group).items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _subcommands(group: click.Group) -> dict[str, click.Command]:
    """A group's commands by name, loading those it loads only when asked for (the top level)."""
    context = click.Context(group)
    return {name: group.get_command(context, name) for name in group.list_commands(context)}


ALL = list(_commands(cli))
GROUPS = [(path, command) for path, command in ALL if isinstance(command, click.Group)]


def _help(path: tuple[str, ...], width: int) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], env={"COLUMNS": str(width)}, terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.output


def _listing(help_text: str) -> dict[str, str]:
    """The Commands section of a group's help: each name and its summary, wrapped lines joined."""
    section = help_text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    summaries: dict[str, str] = {}
    name = ""
    for line in section.splitlines():
        if match := re.match(r"^  (\S+)\s{2,}(.*)$", line):
            name, summaries[match[1]] = match[1], match[2]
        else:
            summaries[name] += " " + line.strip()
    return summaries


def test_the_walk_finds_every_command():
    names = {" ".join(path) for path, _ in ALL}
    assert {"build", "script", "list", "voices", "voices download", "cache info", "validate"} <= names


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path, group", GROUPS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_summary_in_a_listing_is_whole(path, group, width):
    listed = _listing(_help(path, width))
    commands = _subcommands(group)
    assert set(listed) == set(commands)
    for name, summary in listed.items():
        command = commands[name]
        expected = " ".join((command.short_help or first_sentence(command.help or "")).split())
        # Wrapping may break a line at a hyphen; the words must all be there, none cut.
        assert summary.replace(" ", "") == expected.replace(" ", ""), (
            f"{' '.join((*path, name))}: {summary!r}"
        )
        assert not summary.endswith("...") and summary.endswith((".", ")")), summary
        assert summary.count("(") == summary.count(")"), f"cut inside brackets: {summary!r}"


@pytest.mark.parametrize(
    "path, command", ALL, ids=lambda v: " ".join(v) or "audioguide" if isinstance(v, tuple) else ""
)
def test_every_option_and_description_reads_whole(path, command):
    # Compared without whitespace: wrapping may break a line anywhere, but must drop nothing.
    shown = "".join(_help(path, 80).split())
    assert command.help, f"{' '.join(path)} has no help text"
    assert "".join(command.help.replace("\b", "").split()) in shown
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"
            assert "".join(param.help.split()) in shown, f"{' '.join(path)} {param.opts[0]}"


def test_the_piper_download_summary_is_no_longer_cut_at_e_g():
    listed = _listing(_help(("voices",), 80))
    assert listed["download"] == "Download the Piper voice NAME (e.g. en_US-lessac-medium)."


def test_first_sentence_keeps_abbreviations_and_stops_at_the_next_sentence():
    assert first_sentence("Fetch NAME (e.g. en_US) into a folder. Then use it.\n\nMore.") == (
        "Fetch NAME (e.g. en_US) into a folder."
    )
