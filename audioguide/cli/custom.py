"""Commands for customizing routines: overrides for build and script, init, validate and schema.

The cli package registers these commands
on its group, whose error boundary turns library errors into messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from audioguide.authoring import overrides, starter, validate
from audioguide.authoring.schema import routine_schema
from audioguide.errors import RoutineError

OVERRIDE_HELP = {
    overrides.REPS: "Reps of EXERCISE's rep steps (or step STEP, from 1), e.g. heel-raises=12.",
    overrides.SETS: "Rounds of EXERCISE, e.g. toe-walking=3.",
    overrides.HOLD: "Length of EXERCISE's holds (or hold STEP, from 1), e.g. toe-walking=30s.",
    overrides.REST: "Rest between EXERCISE's rounds, e.g. toe-walking=20s.",
    overrides.SET: "Any key, by its place as validate prints it: cues.countdown=5, "
    "exercises[2].sets=3, heel-raises.rest_after=45s.",
}
METAVARS = {
    overrides.REPS: "EXERCISE[.STEP]=N",
    overrides.SETS: "EXERCISE=N",
    overrides.HOLD: "EXERCISE[.STEP]=TIME",
    overrides.REST: "EXERCISE=TIME",
    overrides.SET: "PATH=VALUE",
}


def override_options(command: Callable) -> Callable:
    """--reps, --sets, --hold, --rest and --set, each repeatable; EXERCISE is a slug, name or number."""
    for kind in reversed(overrides.KINDS):
        command = click.option(
            f"--{kind}",
            f"override_{kind}",
            multiple=True,
            metavar=METAVARS[kind],
            help=OVERRIDE_HELP[kind],
        )(command)
    return command


def customized(spec: str | None, options: dict[str, object]) -> overrides.Customized:
    """The routine with the command line's overrides (the options named override_*) applied."""
    asked = {
        key.removeprefix("override_"): value for key, value in options.items() if key.startswith("override_")
    }
    return overrides.resolve(spec, overrides.from_options(asked))


@click.command("init")
@click.argument("name", metavar="[ROUTINE]", required=False)
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def init_command(name: str | None, path: Path | None, force: bool) -> None:
    """Write an editable copy of built-in ROUTINE to PATH (default: ./<routine>.yaml)."""
    started = starter.write_copy(name, path, force)
    click.echo(f"Wrote {started.routine} and, for your editor, {started.schema}.")
    click.echo(f"Edit it, then run: audioguide build {started.routine}")


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--engine", default=None, help="Check timing for this voice (default: the slowest measured).")
def validate_command(files: tuple[Path, ...], engine: str | None) -> None:
    """Check routine FILES; list every problem with its file, line and place."""
    known = validate.cached_lengths(engine) if engine else None
    reports = [validate.check(path, engine, known) for path in files]
    for report in reports:
        if report.ok:
            click.echo(f"ok: {report.path}: {report.summary}")
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        for problem in report.problems:
            click.echo(problem)
    bad = [report for report in reports if not report.ok]
    if bad:
        count = sum(len(report.problems) for report in bad)
        raise RoutineError(
            [
                f"validate: {count} problem{'s' if count > 1 else ''} in {len(bad)} of {len(reports)} "
                "files. Fix each at the place listed above, then validate again"
            ]
        )


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the routine format, for editors' completion and checking."""
    click.echo(json.dumps(routine_schema(), indent=1))


COMMANDS = (init_command, validate_command, schema_command)
