"""Commands about voices and the phrase cache: `voices`, `voices download`, `cache ...`.

They join the pipeline commands in the same
group, behind the same error boundary.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from audioguide import speech
from audioguide.dryrun import Plan
from audioguide.speech import piper
from audioguide.speech.cache import parse_age, parse_size

LANGUAGES_SHOWN = 12  # the text listing abbreviates long language lists; --json has them all
CACHE_DIR_OPTION = click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    envvar="AUDIOGUIDE_CACHE_DIR",
    help="Phrase cache folder (env AUDIOGUIDE_CACHE_DIR). Default: your user cache.",
)


class _Parsed(click.ParamType):
    """A click type over one of the library's parsers (ValueError -> usage error, exit 2)."""

    def __init__(self, name: str, parse) -> None:
        self.name = name
        self.parse = parse

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            return self.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.group("voices", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the engines as JSON.")
@click.pass_context
def voices_command(ctx: click.Context, as_json: bool) -> None:
    """List speech engines: usable here or why not, their languages and voices."""
    if ctx.invoked_subcommand:
        return
    engines = speech.catalog()
    if as_json:
        click.echo(json.dumps([e.to_json() for e in engines], indent=1))
        return
    for engine in engines:
        state = f"not usable: {engine.unavailable}" if engine.unavailable else "usable"
        if engine.online and not engine.unavailable:
            state = "usable when Google can be reached"
        click.echo(f"{engine.name}: {engine.description}. {state}.")
        if engine.languages:
            shown = ", ".join(engine.languages[:LANGUAGES_SHOWN])
            more = len(engine.languages) - LANGUAGES_SHOWN
            click.echo(f"  languages: {shown}" + (f" and {more} more (--json lists all)" if more > 0 else ""))
        if engine.models:
            click.echo("  voices:")
            for model in engine.models:
                click.echo(
                    f"    {model.name}: {model.language}, {model.sample_rate} Hz, {model.quality}, "
                    f"{_size(model.size_bytes)}, licence {model.licence} ({model.source})"
                )
        elif engine.voices:
            click.echo(f"  voices: {', '.join(engine.voices)}")
        if engine.speed:
            click.echo("  --rate: yes")
    click.echo(f"auto: Google if it answers, else {' or '.join(speech.OFFLINE_ORDER)} by language.")


@voices_command.command("download")
@click.argument("name")
def voices_download(name: str) -> None:
    """Fetch the Piper voice NAME (e.g. en_US-lessac-medium) into your data folder."""
    path = piper.download(name)
    click.echo(f"Downloaded {name} to {path}. Use it with --engine piper --voice {name}")


@click.group("cache")
def cache_command() -> None:
    """Inspect and tidy the phrase cache."""


@cache_command.command("info")
@CACHE_DIR_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def cache_info(cache_dir: Path | None, as_json: bool) -> None:
    """Where the cache is, how many phrases it holds and their size, by engine."""
    info = speech.PhraseCache(cache_dir).info()
    if as_json:
        click.echo(json.dumps(info.to_json(), indent=1))
        return
    click.echo(f"{info.root}: {info.entries} phrases, {_size(info.size_bytes)}")
    for engine, count in sorted(info.entries_by_engine.items()):
        click.echo(f"  {engine}: {count} phrases, {_size(info.bytes_by_engine[engine])}")


@cache_command.command("prune")
@CACHE_DIR_OPTION
@click.option(
    "--older-than", type=_Parsed("age", parse_age), help="Remove phrases unused this long: 90d, 12h."
)
@click.option("--max-size", type=_Parsed("size", parse_size), help="Then keep the cache under this: 500MB.")
def cache_prune(cache_dir: Path | None, older_than: float | None, max_size: int | None) -> None:
    """Remove phrases not used lately, or the least recently used past a size."""
    if older_than is None and max_size is None:
        raise click.UsageError("give --older-than, --max-size or both")
    pruned = speech.PhraseCache(cache_dir).prune(older_than, max_size)
    click.echo(f"Removed {pruned.removed} phrases, {_size(pruned.freed_bytes)}.")


@cache_command.command("clear")
@CACHE_DIR_OPTION
def cache_clear(cache_dir: Path | None) -> None:
    """Remove every cached phrase (they are synthesized again when needed)."""
    pruned = speech.PhraseCache(cache_dir).clear()
    click.echo(f"Removed {pruned.removed} phrases, {_size(pruned.freed_bytes)}.")


def show_plan(plan: Plan) -> None:
    """The dry run's report: per engine, what is cached and what would be synthesized."""
    click.echo(f"Dry run: {len(plan.phrases)} phrases; nothing synthesized, nothing written.")
    for engine in plan.engines:
        click.echo(
            f"{engine.engine} ({engine.voice}): {len(engine.to_synthesize)} to synthesize, "
            f"{len(engine.cached)} cached"
        )
        for text in engine.to_synthesize:
            click.echo(f"  synthesize  {text}")
        for text in engine.cached:
            click.echo(f"  cached      {text}")


def _size(n: int) -> str:
    for unit, scale in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


COMMANDS = (voices_command, cache_command)
