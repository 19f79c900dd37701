"""Commands about voices and the phrase cache: `voices`, `voices download`, `cache ...`.

They join the pipeline commands in the same
group, behind the same error boundary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from audioguide import music, speech
from audioguide.cues import counted
from audioguide.export.segment_cache import SegmentCache
from audioguide.speech import google, piper
from audioguide.speech.cache import parse_age, parse_size

if TYPE_CHECKING:
    from audioguide.dryrun import EnginePlan, GoogleCheck, Plan

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


@click.group(
    "voices",
    invoke_without_command=True,
    short_help="List speech engines: usable here or why not, languages, voices.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the engines as JSON.")
@click.option(
    "--check",
    is_flag=True,
    help=f"Ask Google now if it answers (within {google.PROBE_TIMEOUT_S:g} s), as auto does before a build.",
)
@click.pass_context
def voices_command(ctx: click.Context, as_json: bool, check: bool) -> None:
    """List speech engines: usable here or why not, their languages and voices.

    Online engines are not asked unless --check is given.
    """
    if ctx.invoked_subcommand:
        return
    engines = speech.catalog()
    from audioguide.dryrun import check_google

    checked = check_google() if check else None
    if as_json:
        found = [e.to_json() for e in engines]
        for entry in found if checked else ():
            if entry["online"] and entry["usable"]:
                entry["answers_now"] = checked.answered
                entry["answer_s"] = round(checked.seconds, 3)
                entry["not_answering_because"] = checked.why_not or None
        click.echo(json.dumps(found, indent=1))
        return
    for engine in engines:
        state = f"not usable: {engine.unavailable}" if engine.unavailable else "usable"
        if engine.online and not engine.unavailable:
            state = _online_state(checked)
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


def _online_state(checked: GoogleCheck | None) -> str:
    if checked is None:
        return "usable when Google answers (ask it now: audioguide voices --check)"
    if checked.answered:
        return f"usable now: Google answered in {checked.seconds:.1f} s"
    return f"not usable now: {checked.why_not}"


@voices_command.command("download", short_help="Download the Piper voice NAME (e.g. en_US-lessac-medium).")
@click.argument("name")
def voices_download(name: str) -> None:
    """Fetch the Piper voice NAME (e.g. en_US-lessac-medium) into your data folder."""
    path = piper.download(name)
    click.echo(f"Downloaded {name} to {path}. Use it with --engine piper --voice {name}")


@click.group("cache")
def cache_command() -> None:
    """Inspect and tidy the phrase cache."""


@cache_command.command("info", short_help="Where the cache is, its phrases and their size, by engine.")
@CACHE_DIR_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def cache_info(cache_dir: Path | None, as_json: bool) -> None:
    """Where the cache is, how many phrases it holds and their size, by engine."""
    info = speech.PhraseCache(cache_dir).info()
    segments = SegmentCache.beside(info.root).info()
    if as_json:
        figures = {"entries": segments.entries, "size_bytes": segments.size_bytes}
        click.echo(json.dumps({**info.to_json(), "segments": figures}, indent=1))
        return
    click.echo(f"{info.root}: {counted(info.entries, 'phrase')}, {_size(info.size_bytes)}")
    for engine, count in sorted(info.entries_by_engine.items()):
        click.echo(f"  {engine}: {counted(count, 'phrase')}, {_size(info.bytes_by_engine[engine])}")
    click.echo(f"  encoded segments of tracks: {segments.entries}, {_size(segments.size_bytes)}")
    decoded = [path for path in music.copies(info.root) if path.suffix == ".pcm"]
    if decoded:
        size = sum(path.stat().st_size for path in decoded)
        click.echo(f"  decoded music: {counted(len(decoded), 'file')}, {_size(size)}")


@cache_command.command("prune", short_help="Remove phrases unused lately, or the oldest past a size.")
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
    click.echo(f"Removed {counted(pruned.removed, 'phrase')}, {_size(pruned.freed_bytes)}.")
    # Encoded segments of tracks are pruned with the phrases, within what the phrases leave of --max-size.
    room = None if max_size is None else max(0, max_size - speech.PhraseCache(cache_dir).info().size_bytes)
    _removed_segments(SegmentCache.beside(speech.PhraseCache(cache_dir).root).prune(older_than, room))


@cache_command.command("clear", short_help="Remove every cached phrase.")
@CACHE_DIR_OPTION
def cache_clear(cache_dir: Path | None) -> None:
    """Remove every cached phrase (they are synthesized again when needed)."""
    pruned = speech.PhraseCache(cache_dir).clear()
    click.echo(f"Removed {counted(pruned.removed, 'phrase')}, {_size(pruned.freed_bytes)}.")
    _removed_segments(SegmentCache.beside(speech.PhraseCache(cache_dir).root).clear())
    removed, freed = music.clear(speech.PhraseCache(cache_dir).root)
    if removed:
        click.echo(f"Removed {counted(removed, 'decoded music file')}, {_size(freed)}.")


def _removed_segments(removed: tuple[int, int]) -> None:
    if removed[0]:
        click.echo(f"Removed {counted(removed[0], 'encoded segment')} of tracks, {_size(removed[1])}.")


def show_plan(plan: Plan) -> None:
    """The dry run's report: per engine, what is cached and what would be synthesized."""
    click.echo(f"Dry run: {counted(len(plan.phrases), 'phrase')}; nothing synthesized, nothing written.")
    chosen = plan.chosen
    click.echo(f"Voice: {chosen.engine} ({chosen.voice}), {plan.why}.")
    click.echo(f"{chosen.engine} ({chosen.voice}): {_counts(chosen)}")
    for text in chosen.to_synthesize:
        click.echo(f"  synthesize  {text}")
    for text in chosen.cached:
        click.echo(f"  cached      {text}")
    for other in plan.engines[1:]:
        when = plan.other_when[:1].upper() + plan.other_when[1:]
        click.echo(f"{when} {other.engine} ({other.voice}): {_counts(other)}")


def _counts(engine: EnginePlan) -> str:
    return f"{len(engine.to_synthesize)} to synthesize, {len(engine.cached)} cached"


def _size(n: int) -> str:
    for unit, scale in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
