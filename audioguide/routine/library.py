"""The built-in routines, their translations, and what a command's ROUTINE argument names.

A built-in routine is `routines/<name>.yaml` in the package; a translation sits beside it
as `<name>.<lang>.yaml`. ROUTINE is a file when it looks like one (a path, a `.yaml` name,
or anything that exists), and a built-in name otherwise.

What a person types is read by `choose` first: your routines come first, so a bare name
means `NAME`, `NAME.yaml` or `NAME.yml` in the current folder when one is there, and the
built-in of that name only otherwise (or when asked for as `builtin:NAME`).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from audioguide.errors import RoutineError
from audioguide.phrases import base_language
from audioguide.routine.loader import load, loads, read_file
from audioguide.routine.model import Routine


def builtin_names() -> list[str]:
    """The built-in routines; their translations (`feet-and-back.de`) are in `builtin_languages`."""
    return [name for name in _builtin_files() if TRANSLATION_MARK not in name]


def _builtin_files() -> list[str]:
    folder = resources.files("audioguide") / "routines"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_text(name: str) -> str:
    if name not in _builtin_files():
        raise RoutineError(
            [f"{name}: no such file or built-in routine. Built-in: {', '.join(builtin_names())}"]
        )
    return (resources.files("audioguide") / "routines" / f"{name}.yaml").read_text("utf-8")


def load_builtin(name: str) -> Routine:
    return loads(builtin_text(name), source=builtin_source(name))


DEFAULT_ROUTINE = "feet-and-back"
TRANSLATION_MARK = "."  # `feet-and-back.de` is feet-and-back in German


def builtin_languages(name: str) -> dict[str, str]:
    """A built-in routine's languages, each with the name of its version: {"en": "feet-and-back", ...}.

    A translation is a file beside the original named `<name>.<lang>.yaml`.
    """
    original = name.split(TRANSLATION_MARK)[0]
    found = {load_builtin(original).language: original}
    prefix = original + TRANSLATION_MARK
    found.update({n[len(prefix) :]: n for n in _builtin_files() if n.startswith(prefix)})
    return found


def localized(spec: str | None, lang: str | None) -> str | None:
    """The built-in `spec` (or the default) in `lang`, when it has been translated to it.

    A file, or a language the built-in lacks, leaves `spec` as it is.
    """
    if not lang or is_file_spec(spec):
        return spec
    name = spec or DEFAULT_ROUTINE
    if name not in _builtin_files():
        return spec  # resolving it gives the error
    versions = builtin_languages(name)
    return versions.get(lang.lower(), versions.get(base_language(lang), spec))


def resolve(spec: str | None) -> Routine:
    """A routine from a file path or a built-in name; the default built-in when None."""
    if is_file_spec(spec):
        return load(spec)
    return loads(*resolve_text(spec))


def is_file_spec(spec: str | None) -> bool:
    """Does the command line's ROUTINE name a file (rather than a built-in)?"""
    return spec is not None and (_exists(spec) or spec.endswith((".yaml", ".yml")) or "/" in spec)


def _exists(spec: str) -> bool:
    """Is there anything at `spec`? False for a name no file can have (too long, a NUL in it)."""
    try:
        return Path(spec).exists()
    except (OSError, ValueError):
        return False


def resolve_text(spec: str | None) -> tuple[str, str]:
    """The YAML text of a routine file or built-in, and the source name its errors use."""
    if spec is not None and is_file_spec(spec):
        return read_file(spec), str(Path(spec))
    name = spec or DEFAULT_ROUTINE
    return builtin_text(name), builtin_source(name)


BUILTIN_SOURCE_SUFFIX = ".yaml (built-in)"


BUILTIN_PREFIX = "builtin:"  # `builtin:feet-and-back`: the built-in even beside a file of that name
ROUTINE_SUFFIXES = (".yaml", ".yml")
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Choice:
    """What a typed ROUTINE means: `spec` as `resolve` takes it, and a note when it was ambiguous."""

    spec: str | None
    note: str = ""  # one line for the person: which of two routines of that name is used


def choose(typed: str | None, folder: Path | None = None) -> Choice:
    """Your file first: a bare NAME is `NAME`, `NAME.yaml` or `NAME.yml` in `folder` (default: the
    current folder) if one is there, else the built-in NAME; `builtin:NAME` is always the built-in.

    A name that is neither is an error that suggests the near names it sees.
    """
    if typed is None:
        return Choice(None)
    folder = folder or Path(os.curdir)
    builtins = {name.casefold(): name for name in _builtin_files()}
    if typed.startswith(BUILTIN_PREFIX):
        name = typed[len(BUILTIN_PREFIX) :]
        if name.casefold() not in builtins:
            raise RoutineError([f"{typed}: no such built-in routine{_suggestion(name, [])}"])
        return Choice(builtins[name.casefold()])
    local = _routine_files(folder)
    if "/" in typed or typed.endswith(ROUTINE_SUFFIXES):  # a file, by its look
        if not _exists(typed):
            parent = Path(typed).parent
            beside = [str(parent / name) for name in _routine_files(parent)] if "/" in typed else local
            raise RoutineError([f"{typed}: no such file{_suggestion(typed, beside)}"])
        return Choice(typed)
    named = (typed, *(typed + suffix for suffix in ROUTINE_SUFFIXES))
    found = next((name for name in named if _is_file(folder / name)), None)
    builtin = builtins.get(typed.casefold())
    if found is not None:
        path = found if folder == Path(os.curdir) else str(folder / found)
        note = (
            f"using your file {path}, not the built-in routine {builtin}; for the built-in, "
            f"give its name as {BUILTIN_PREFIX}{builtin}"
            if builtin
            else ""
        )
        return Choice(path, note)
    if builtin is not None:
        return Choice(builtin)
    if _exists(typed):  # a folder or the like: reading it says what it is
        return Choice(typed)
    raise RoutineError([f"{typed}: no such file or built-in routine{_suggestion(typed, local)}"])


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _routine_files(folder: Path) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(folder) if e.name.endswith(ROUTINE_SUFFIXES) and e.is_file())
    except OSError:
        return []


def _suggestion(typed: str, local: list[str]) -> str:
    """`. Did you mean morning-knees.yaml?` from the files in the folder and the built-in names."""
    wanted = Path(typed).name.casefold()
    names = {Path(path).name.casefold(): path for path in local}
    names.update({Path(path).stem.casefold(): path for path in local})  # by stem too: morning-knes
    names.update({name: name for name in builtin_names()})
    near = difflib.get_close_matches(wanted, list(names), n=MAX_SUGGESTIONS, cutoff=0.6)
    shown = list(dict.fromkeys(names[n] for n in near))
    if shown:
        listed = ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]
        return f". Did you mean {listed}? (`audioguide list` shows the built-in routines)"
    return ". Run `audioguide list` for built-in routines"


def builtin_source(name: str) -> str:
    return f"{name}{BUILTIN_SOURCE_SUFFIX}"


def builtin_of(loaded: Routine) -> str | None:
    """The built-in's name (`feet-and-back.de`) when `loaded` is a built-in routine; else None."""
    if not loaded.source.endswith(BUILTIN_SOURCE_SUFFIX):
        return None
    name = loaded.source[: -len(BUILTIN_SOURCE_SUFFIX)]
    return name if name in _builtin_files() else None
