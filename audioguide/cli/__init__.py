"""The command line: one module per command group; here the group, its error boundary and main.

Parse options, call the library, turn its errors into messages.

Exit status: 0 success, 1 a problem the message explains (bad routine, engine failure,
unwritable output), 2 a usage mistake (unknown option), 130 interrupted by Ctrl-C (SIGINT),
143 stopped by SIGTERM. These stay stable: scripts may rely on them.
"""

from __future__ import annotations

import importlib
import io
import os
import signal
import sys

import click

from audioguide import __version__
from audioguide.cli.helptext import whole_short_help
from audioguide.errors import AudioguideError, RoutineError

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM
# Every command: its module in this package, its name there, and its summary in `--help`.
# A command's module (and the library it needs: numpy, the engines, the web stack) is
# imported only when that command runs, so `--help` and `--version` start at once;
# tests/test_cli_helptext.py checks each summary against the command's own.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "build": ("pipeline", "build_command", "Build a routine into an MP3 track with its sidecars."),
    "coach": ("coach", "coach_command", "Play a routine live, with voice and keyboard commands."),
    "cache": ("speech", "cache_command", "Inspect and tidy the phrase cache."),
    "config": ("config", "config_command", "Keep your defaults: engine, voice, lang, level, output, music."),
    "import": ("importer", "import_command",
               "Draft a routine from an exercise article: text, Markdown or a saved web page."),
    "init": ("custom", "init_command", "Write an editable copy of a built-in routine."),
    "list": ("pipeline", "list_command", "List the built-in routines and their length at each level."),
    "log": ("serve", "log_command",
            "Show your training log: tracks played through on the page, and live coach sessions."),
    "schema": ("custom", "schema_command", "Print the routine format's JSON Schema, for editors."),
    "script": ("pipeline", "script_command", "Print a routine's cue script and estimated lengths; no audio."),
    "serve": ("serve", "serve_command", "Serve the tracks to your phone: a page to play, download and "
              "customize them, and a podcast feed."),
    "validate": ("custom", "validate_command", "Check routine files; list every problem with its place."),
    "voices": ("speech", "voices_command", "List speech engines: usable here or why not, languages, voices."),
}  # fmt: skip


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it leaves the way Ctrl-C does."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


class UserError(click.ClickException):
    """An error for the person at the terminal: `error: <what>: <why>. <fix>`, exit 1."""

    def show(self, file=None) -> None:
        click.echo(f"error: {self.message}", err=True)


def _message(exc: AudioguideError) -> str:
    if isinstance(exc, RoutineError) and len(exc.problems) > 1:
        return f"{len(exc.problems)} problems in the routine:\n  " + "\n  ".join(exc.problems)
    return str(exc)


class Boundary(click.Group):
    """The one place where library errors and Ctrl-C become messages and exit codes.

    Its commands are loaded when first asked for (COMMANDS); the listing in `--help` loads none.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, name, _ = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(f"audioguide.cli.{module}"), name)
            whole_short_help(command)  # every summary in `--help` listings reads whole
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AudioguideError as exc:
            raise UserError(_message(exc)) from None
        except KeyboardInterrupt as exc:
            # Temporary files were removed on the way out; finished files were never touched.
            stopped = isinstance(exc, Terminated)
            click.echo(f"{'terminated' if stopped else 'interrupted'}: no partial files were left", err=True)
            raise click.exceptions.Exit(EXIT_TERMINATED if stopped else EXIT_INTERRUPTED) from None


@click.group(
    cls=Boundary,
    epilog="Exit status: 0 ok, 1 error (explained), 2 usage, 130 interrupted, 143 terminated (SIGTERM).",
)
@click.version_option(__version__, prog_name="audioguide")
def cli() -> None:
    """Turn exercise routines into narrated, exactly timed MP3 workout tracks."""



def main() -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)
    _fill_closed_streams()
    _forgiving_streams()
    try:
        try:
            cli(prog_name="audioguide")
        finally:
            sys.stdout.flush()  # here, where a full disk or closed pipe can still be reported
    except OSError as exc:  # the terminal's output itself failed (`> /dev/full`), or a file no error named
        _silence(sys.stdout)
        what = (
            f"{exc.filename}: {exc.strerror}" if exc.filename else f"cannot write the output: {exc.strerror}"
        )
        try:
            click.echo(f"error: {what}", err=True)
        except OSError:
            pass
        sys.exit(1)


def _fill_closed_streams() -> None:
    """A standard stream the caller closed (`audioguide list >&-`) is the null device instead:
    its output is dropped quietly, and no file opened later takes its number (nor ffmpeg's output)."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, "r" if fd == 0 else "w", encoding="utf-8", closefd=False))  # noqa: SIM115


def _forgiving_streams() -> None:
    """A terminal that cannot show a character (a Latin-1 locale and an emoji) gets an escape, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _silence(stream: object) -> None:
    """Point a failed stream at the null device, so that leaving does not try to flush it again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())  # type: ignore[attr-defined]
        os.close(null)
    except (OSError, AttributeError, ValueError):
        pass
