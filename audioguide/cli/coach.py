"""`coach`: a routine played live, controlled by voice and keyboard (the library is audioguide.live)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from audioguide import routine, settings, speech
from audioguide.cli.custom import chosen, customized, override_options
from audioguide.cli.pipeline import DEFAULTS, LEVEL_OPTION, ROUTINE_ARG, _engine_name, _lang_for, _takes_voice
from audioguide.cli.speech import CACHE_DIR_OPTION
from audioguide.cues import clock
from audioguide.export import DEFAULT_RATE
from audioguide.tracks import DEFAULT_OUTPUT_DIR

EXIT_INTERRUPTED = 130


@click.command("coach", short_help="Play a routine live, with voice and keyboard commands.")
@ROUTINE_ARG
@LEVEL_OPTION
@click.option(
    "--engine",
    callback=lambda ctx, param, value: None if value is None else _engine_name(value),
    help="Speech engine, as for build: auto, gtts, pico, espeak, piper. Default: your config's, else auto.",
)
@click.option("--lang", help="Language of the voice and the phrases, as for build. Default: the routine's.")
@click.option("--tld", default="com", show_default=True, help="gtts only: Google accent domain.")
@click.option("--slow", is_flag=True, help="gtts only: slower speech.")
@click.option("--voice", help="espeak: a voice such as en-us+f3; piper: a NAME.onnx model or voice.")
@click.option(
    "--rate", "speed", type=click.FloatRange(0.5, 2.0), default=1.0, show_default=True,
    help="Speaking speed (1.2 is a fifth faster): pico, espeak, piper.",
)  # fmt: skip
@click.option("--sample-rate", type=int, default=DEFAULT_RATE, show_default=True, help="Sample rate in Hz.")
@CACHE_DIR_OPTION
@click.option(
    "--no-voice-commands", is_flag=True, help="Listen to the keyboard only; the microphone is not opened."
)
@click.option(
    "--output", "output_spec", metavar="wav:PATH",
    help="Testing aid: write what would be played to a WAV file instead of the sound device.",
)  # fmt: skip
@click.option(
    "--input", "input_spec", metavar="wav:PATH",
    help="Testing aid: hear the microphone from a WAV file (in step with the output); none: no microphone.",
)  # fmt: skip
@click.option("--fast", is_flag=True, help="Testing aid, with --output wav:PATH: a simulated clock.")
@click.option(
    "--log-dir", type=click.Path(file_okay=False, path_type=Path),
    help=f"The training log's folder. Default: your config's output folder, else {DEFAULT_OUTPUT_DIR}.",
)  # fmt: skip
@override_options
def coach_command(
    routine_spec, level, engine, lang, tld, slow, voice, speed, sample_rate, cache_dir,
    no_voice_commands, output_spec, input_spec, fast, log_dir, **changes,
) -> None:  # fmt: skip
    """Play ROUTINE live on the sound device: what its built track says, when it says it, and
    commands to change its course.

    Say "pause", "resume" (or "continue"), "next", "back", "repeat", "how long", "ready" or
    "stop" (English, offline; the coach's own voice is never taken for a command). In a
    terminal: space pause/resume/ready, n next, b back, r repeat, h how long, q stop. A hold
    with `until: ready` waits for "ready" (or space) after its time. The session is written to
    the training log (`audioguide log`).
    """
    from audioguide import live
    from audioguide.live.keyboard import HELP, keyboard

    given = {"engine": engine, "voice": voice, "lang": lang, "level": level, "output": log_dir}
    chosen_settings = settings.effective(given, DEFAULTS)
    engine, voice, lang, level, folder = (chosen_settings[key].value for key in given)
    if chosen_settings["voice"].origin == settings.YOUR_CONFIG and not _takes_voice(engine):
        voice = None
    custom = customized(routine.localized(chosen(routine_spec), lang), changes)
    loaded = custom.routine
    lang = _lang_for(loaded, chosen_settings)
    engine_options = {"tld": tld, "slow": slow} if engine in ("gtts", speech.AUTO) else {}
    engine_options.update({"voice": voice} if voice else {}, **({"speed": speed} if speed != 1.0 else {}))
    if fast and not output_spec:
        raise click.UsageError("--fast runs on a simulated clock: give --output wav:PATH with it")
    options = live.CoachOptions(
        level=level, engine=engine, lang=lang, engine_options=engine_options, rate=sample_rate,
        cache_dir=cache_dir, output=output_spec, input=input_spec, fast=fast,
        voice_commands=not no_voice_commands,
    )  # fmt: skip
    prepared = live.prepare(loaded, options)
    for warning in prepared.warnings:
        click.echo(f"warning: {warning}", err=True)
    status = _StatusLine()
    length = clock(prepared.track.script.duration_ms)
    click.echo(f"{loaded.title} ({level}), {length}. Keys: {HELP}.", err=True)

    def note(text: str) -> None:
        click.echo(f"note: {text}", err=True)

    with keyboard() as keys:
        report = live.coach(prepared, options, keys, status, note)
    status.close()
    entry = live.log(Path(folder or DEFAULT_OUTPUT_DIR), loaded, level, custom.description, report)
    click.echo(f"Session {entry.live}: {report.pauses} pauses, {report.skips} skips; logged.")
    if report.interrupted:
        raise click.exceptions.Exit(EXIT_INTERRUPTED)


class _StatusLine:
    """One line on a terminal, rewritten in place: the part, what comes next, the time left."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.width = 0

    def __call__(self, status) -> None:
        if not self.enabled:
            return
        following = f" | next: {status.following}" if status.following else ""
        line = (
            f"{status.part}{following} | {clock(status.part_left_ms)} left, "
            f"{clock(status.total_left_ms)} in all | {status.state}"
        )
        click.echo("\r" + line.ljust(self.width), err=True, nl=False)
        self.width = len(line)

    def close(self) -> None:
        if self.enabled and self.width:
            click.echo(err=True)
