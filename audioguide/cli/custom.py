"""Commands for customizing routines: overrides for build and script, init, validate and schema.

The cli package registers these commands
on its group, whose error boundary turns library errors into messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from audioguide import routine
from audioguide.authoring import overrides
from audioguide.cues import counted
from audioguide.errors import RoutineError

if TYPE_CHECKING:  # init, validate and schema import theirs when they run: build needs only overrides
    from audioguide.authoring import validate

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
    return overrides.resolve(builtin_name(spec), overrides.from_options(asked))


def chosen(typed: str | None) -> str | None:
    """The routine a typed ROUTINE means (your file first); says on stderr when a built-in shares its name."""
    choice = routine.choose(typed)
    if choice.note:
        click.echo(f"note: {choice.note}", err=True)
    return choice.spec


def builtin_name(spec: str | None) -> str | None:
    """A built-in routine's name as installed, whatever its case (`Feet-And-Back`); else `spec`."""
    if spec is None or routine.is_file_spec(spec):
        return spec
    spec = spec.removeprefix(routine.BUILTIN_PREFIX)
    names = {name.casefold(): name for name in routine.builtin_names()}
    return names.get(spec.casefold(), spec)


@click.command("init", short_help="Write an editable copy of a built-in routine.")
@click.argument("name", metavar="[ROUTINE]", required=False)
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def init_command(name: str | None, path: Path | None, force: bool) -> None:
    """Write an editable copy of built-in ROUTINE to PATH (default: ./<routine>.yaml)."""
    from audioguide.authoring import starter

    started = starter.write_copy(builtin_name(name), path, force)
    click.echo(f"Wrote {started.routine} and, for your editor, {started.schema}.")
    click.echo(f"Edit it, then run: audioguide build {started.routine}")


@click.command("validate", short_help="Check routine files; list every problem with its place.")
@click.argument("files", nargs=-1, required=True)
@click.option("--engine", default=None, help="Check timing for this voice (default: the slowest measured).")
def validate_command(files: tuple[str, ...], engine: str | None) -> None:
    """Check routine FILES; list every problem with its file, line and place.

    A name without .yaml is NAME.yaml (or .yml) in this folder. Each file is loaded strictly
    and compiled at every level. Exits 1 if any file has a problem.
    """
    from audioguide.authoring import validate

    known = validate.cached_lengths(engine) if engine else None
    reports = [_checked(typed, engine, known) for typed in files]
    for report in reports:
        if report.ok:
            click.echo(f"ok: {report.path}: {report.summary}")
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        for problem in report.problems:
            click.echo(problem)
    bad = [report for report in reports if not report.ok]
    if bad:
        problems = counted(sum(len(report.problems) for report in bad), "problem")
        where = str(bad[0].path) if len(reports) == 1 else f"{len(bad)} of {counted(len(reports), 'file')}"
        raise RoutineError(
            [f"validate: {problems} in {where}. Fix each at the place listed above, then validate again"]
        )


def _checked(typed: str, engine: str | None, known: validate.KnownLength | None) -> validate.Report:
    """validate's report on one typed FILE: your file first, as build takes it."""
    from audioguide.authoring import validate

    try:
        spec = chosen(typed)
    except RoutineError as exc:
        return validate.Report(Path(typed), tuple(exc.problems), "")
    if spec is not None and not routine.is_file_spec(spec):
        return validate.Report(
            Path(typed),
            (
                f"{typed}: is the built-in routine {spec}, not a file of yours (built-ins are checked "
                f"already). For a copy to edit and check: audioguide init {spec}",
            ),
            "",
        )
    return validate.check(spec or typed, engine, known)


@click.command("schema", short_help="Print the routine format's JSON Schema, for editors.")
def schema_command() -> None:
    """Print the JSON Schema of the routine format, for editors' completion and checking."""
    from audioguide.authoring.schema import routine_schema

    click.echo(json.dumps(routine_schema(), indent=1))
