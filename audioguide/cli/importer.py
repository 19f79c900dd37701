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
    help="Where to write the draft (default: ./<FILE's name>.yaml); - prints it instead.",
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
    """Turn an exercise article (plain text, Markdown or a saved web page; - reads standard input)
    into a draft routine. Every number in the draft comes from the article, with its sentence
    beside it as a comment; each default it had to use is marked `check:` and listed here."""
    raw, name = importer.read_input(source)
    imported = importer.import_article(raw, name, lang)
    draft = imported.draft
    if output == TO_STDOUT:
        click.echo(imported.text, nl=False)
        where = "standard output"
    else:
        path = Path(output) if output else _default_output(source, draft.title)
        importer.write_draft(imported.text, path, force)
        where = str(path)
    say = lambda text="": click.echo(text, err=output == TO_STDOUT)  # noqa: E731
    say(f"Wrote {where}: {draft.title!r}, {len(draft.exercises)} exercises.")
    for n, exercise in enumerate(draft.exercises, 1):
        say(f"  {n}. {exercise.name}: {describe(exercise)}")
    checks = draft.checks()
    if checks:
        say(f"Check these {len(checks)} (marked `# check:` in the draft):")
        for check in checks:
            say(f"  {check}")
    if draft.dropped:
        say(f"Left out as asides ({len(draft.dropped)}):")
        for sentence in draft.dropped:
            say(f"  {sentence}")
    if draft.skipped:
        say("Sections that are not exercises, left out: " + "; ".join(draft.skipped))
    for problem in imported.problems:
        say(f"warning: the draft cannot be built as it is, {problem}")
    if output != TO_STDOUT:
        say(f"Then: audioguide validate {where} && audioguide build {where}")


COMMANDS = (import_command,)
