"""`audioguide import`: an exercise article -> a draft routine, and what the user must check."""

from __future__ import annotations

from pathlib import Path

import click

from audioguide import routine
from audioguide.authoring import importer
from audioguide.authoring.importer.draft import describe
from audioguide.authoring.importer.rules import DEFAULT_LANGUAGE, languages

TO_STDOUT = "-"


def _default_output(source: str, title: str) -> Path:
    stem = Path(source).stem if source != importer.STDIN else routine.slugify(title)
    return Path(f"{stem}.yaml")


@click.command("import")
@click.argument("source", metavar="FILE|-")
@click.option(
    "-o",
    "--output",
    metavar="PATH",
    help="The draft's file, or a folder for <FILE's name>.yaml (default: the current folder); "
    "- prints it instead.",
)
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@click.option(
    "--lang",
    default=DEFAULT_LANGUAGE,
    show_default=True,
    type=click.Choice(languages()),
    help="The article's language (the extraction rules to use).",
)
def import_command(source: str, output: str | None, force: bool, lang: str) -> None:
    """Draft a routine from an exercise article: text, Markdown or a saved web page.

    FILE is the article, or - to read it from standard input. Every number in the draft
    comes from the article, with its sentence beside it as a comment; each default it had
    to use is marked `check:` and listed in the summary. See docs/importing.md."""
    raw, name = importer.read_input(source)
    imported = importer.import_article(raw, name, lang)
    if output == TO_STDOUT:
        click.echo(imported.text, nl=False)
        where = "standard output"
    else:
        path = Path(output) if output else _default_output(source, imported.draft.title)
        if path.is_dir():
            path = path / _default_output(source, imported.draft.title)
        importer.write_draft(imported.text, path, force)
        where = str(path)
    _summary(imported, where, to_stderr=output == TO_STDOUT)


def _summary(imported: importer.Imported, where: str, to_stderr: bool) -> None:
    """What was found, what to check, what was left out: on stderr when the draft went to stdout."""
    draft = imported.draft
    lines = [f"Wrote {where}: {draft.title!r}, {len(draft.exercises)} exercises."]
    lines += [
        f"  {n}. {exercise.name}: {describe(exercise)}" for n, exercise in enumerate(draft.exercises, 1)
    ]
    checks = draft.checks()
    if checks:
        lines.append(f"Check these {len(checks)} (marked `# check:` in the draft):")
        lines += [f"  {check}" for check in checks]
    if draft.dropped:
        lines.append(f"Left out as asides ({len(draft.dropped)}):")
        lines += [f"  {sentence}" for sentence in draft.dropped]
    if draft.refused:
        lines.append(f"Numbers left out, out of a routine's range or without a unit ({len(draft.refused)}):")
        lines += [f"  {sentence}" for sentence in draft.refused]
    if draft.safety:
        lines.append(f"Safety advice, spoken once in the intro: {draft.safety}")
    if draft.unsure:
        lines.append(
            f"Sentences with numbers the draft does not use; check nothing was lost ({len(draft.unsure)}):"
        )
        lines += [f"  {sentence}" for sentence in draft.unsure]
    if draft.skipped:
        lines.append("Sections that are not exercises, left out: " + "; ".join(draft.skipped))
    lines += [f"warning: the draft cannot be built as it is, {problem}" for problem in imported.problems]
    if not to_stderr:
        lines.append(f"Then: audioguide validate {where} && audioguide build {where}")
    for line in lines:
        click.echo(line, err=to_stderr)
