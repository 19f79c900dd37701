"""`audioguide init`: an editable copy of a built-in routine, with comments that explain it.

The copy keeps the built-in's own comments and gains a header on how to edit, check and
build it. Beside it goes the routine format's JSON Schema, which the header's
`yaml-language-server` line points editors at, for completion and checking as you type.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from audioguide import routine
from audioguide.authoring.schema import routine_schema
from audioguide.errors import InitError
from audioguide.files import in_the_way
from audioguide.phrases import base_language

SCHEMA_FILE = "audioguide-routine.schema.json"
# A copy's title, in the routine's language: it is spoken, and it names the copy's track, so
# that the copy's track never takes the place of the built-in's.
COPY_TITLES = {
    "en": "{title}, my copy",
    "de": "{title}, meine Kopie",
    "es": "{title}, mi copia",
    "fr": "{title}, ma copie",
    "it": "{title}, la mia copia",
    "pt": "{title}, a minha cópia",
    "nl": "{title}, mijn kopie",
}
TITLE_LINE = re.compile(r"^title:.*$", re.MULTILINE)

HEADER = """\
# yaml-language-server: $schema={schema}
# Your own copy of the built-in routine "{name}", made by `audioguide init`.
# Its title is its own, so its track (output/<title>.mp3) never replaces the built-in's.
#
# Change what you like: rep counts (reps: 12), holds (hold: 30s), rounds (sets: 3),
# rests (rest: 20s), or the words that are spoken. Then check it and build it:
#
#     audioguide validate {path}
#     audioguide script {path}      # the cue script and each exercise's length
#     audioguide build {path}
#
# A range like `reps: 10-20` becomes levels: --level easy takes 10, medium 15, hard 20.
# Durations are written 20s, 1m30s or 500ms. Every key is described in the audioguide
# project's docs/routine-format.md.
#
# The first line lets editors that use the YAML language server (VS Code's YAML
# extension, Neovim, Helix...) complete and check this file against the schema beside it.

"""


@dataclass(frozen=True)
class Started:
    routine: Path
    schema: Path


def default_path(name: str) -> Path:
    return Path(f"{name}.yaml")


def write_copy(name: str | None = None, path: Path | None = None, force: bool = False) -> Started:
    """Write the built-in routine `name` to `path` (a file, or a folder for <name>.yaml)."""
    name = name or routine.DEFAULT_ROUTINE
    text = own_title(routine.builtin_text(name), routine.load_builtin(name))
    if path is None:
        path = default_path(name)
    elif path.is_dir():
        path = path / default_path(name)
    if path.exists() and not force:
        raise InitError(
            f"{path}: already exists; init never overwrites a routine you may have edited. "
            "Choose another path, or add --force to replace it"
        )
    schema = path.parent / SCHEMA_FILE
    for target in (path, schema):
        if kind := in_the_way(target):
            raise InitError(
                f"{target}: is {kind}; init replaces only a regular file, even with --force. "
                "Choose another path"
            )
    header = HEADER.format(name=name, path=path, schema=SCHEMA_FILE)
    _write(path, header + text)
    _write(schema, json.dumps(routine_schema(), indent=1) + "\n")
    return Started(path, schema)


def own_title(text: str, original: routine.Routine) -> str:
    """The built-in's text with a title of the copy's own ("Feet and back, my copy")."""
    template = COPY_TITLES.get(base_language(original.language), COPY_TITLES["en"])
    title = template.format(title=original.title)
    return TITLE_LINE.sub(lambda _: f"title: {json.dumps(title, ensure_ascii=False)}", text, count=1)


def _write(path: Path, text: str) -> None:
    """Atomically: a temporary file beside the target, then a rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InitError(f"cannot write {path}: {exc.strerror}. Choose a writable folder") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; a routine is not
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InitError(f"cannot write {path}: {exc.strerror}. Choose a writable folder") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
