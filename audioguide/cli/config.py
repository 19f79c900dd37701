"""`audioguide config`: settings that stay, used as defaults by build, script and serve."""

from __future__ import annotations

import click

from audioguide import settings

KEY_ARG = click.argument("key", metavar="KEY")


@click.group("config", short_help="Keep your defaults: engine, voice, lang, level, output, music.")
def config_command() -> None:
    """Keep your defaults for build, script and serve: engine, voice, lang, level and output.

    A command-line option always wins over a setting. `audioguide config set engine pico`
    keeps every build offline. `build --dry-run` shows each value and where it came from.
    """


@config_command.command("list", short_help="Show every setting, and where they are kept.")
def list_command() -> None:
    """Show every setting (or `not set`) and the file they are kept in."""
    kept = settings.load()
    click.echo(f"# {settings.config_path()}")
    for key, (_, meaning) in settings.KEYS.items():
        value = kept.get(key)
        click.echo(f"{key:<7} {value}" if value is not None else f"{key:<7} (not set: {meaning})")


@config_command.command("get", short_help="Print one setting's value.")
@KEY_ARG
def get_command(key: str) -> None:
    """Print KEY's value; nothing (and exit 1) when it is not set."""
    settings.check_key(key)
    value = settings.load().get(key)
    if value is None:
        raise click.exceptions.Exit(1)
    click.echo(value)


@config_command.command("set", short_help="Keep a setting.")
@KEY_ARG
@click.argument("value")
def set_command(key: str, value: str) -> None:
    """Keep KEY as VALUE: engine, voice, lang, level, output (a folder) or music (what the page offers)."""
    kept = settings.set_value(key, value)
    click.echo(f"{key} = {kept} (in {settings.config_path()})")


@config_command.command("unset", short_help="Forget a setting: audioguide's default applies again.")
@KEY_ARG
def unset_command(key: str) -> None:
    """Forget KEY; audioguide's own default applies again."""
    if settings.unset(key):
        click.echo(f"{key} is no longer set")
    else:
        click.echo(f"{key} was not set")
