"""Where a track goes, and what an earlier build left there.

A track is named after its routine (`output/<routine>[-level][-custom][-lang].mp3`); the
timeline JSON beside it records the routine it was made from and the voice that spoke it.

The rule for a name already taken: a build replaces its own routine's track (saying so if
the voice changed), never another routine's. When the track at the name was made from
another routine, the new track is named after its own file instead (`my-knees.yaml` ->
`my-knees.mp3`); if that name is taken too, the build stops and says how to replace the
track (`-o` naming the .mp3 file: an explicit file name is always written).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audioguide import files, phrases
from audioguide.errors import ExportError
from audioguide.export import sidecar_paths
from audioguide.routine import BUILTIN_PREFIX, DEFAULT_LEVEL, TRANSLATION_MARK, Routine, builtin_of, slugify

DEFAULT_OUTPUT_DIR = Path("output")
MAX_SUFFIX_CHARS = 40  # longer customizations are named by a digest, to keep file names short
SUFFIX_DIGEST_CHARS = 6
MAX_TIMELINE_BYTES = 50_000_000  # a timeline larger than any build writes is not one of ours


def output_path(
    routine: Routine,
    level: str,
    output: Path | None,
    custom: str = "",
    lang: str | None = None,
    base: str = "",
) -> Path:
    """Where the MP3 goes: `-o` as a file, as a folder, or output/<routine>[-level][-custom][-lang].mp3.

    The name tells the language only when it is not the routine's own (`--lang pt` on an
    English routine), so a track in another language never takes the original's place.
    """
    if output is not None and output.suffix.lower() == ".mp3":
        return output
    base = base or track_name(routine)
    name = base if level == DEFAULT_LEVEL else f"{base}-{level}"
    if custom:
        name += f"-{custom_suffix(custom)}"
    if lang and phrases.base_language(lang) != phrases.base_language(routine.language):
        name += f"-{slugify(lang)}"
    return (output or DEFAULT_OUTPUT_DIR) / f"{name}.mp3"


def track_name(routine: Routine) -> str:
    """A built-in's own name (a translation's with its language: `feet-and-back-de`); else the title's."""
    builtin = builtin_of(routine)
    return slugify(builtin.replace(TRANSLATION_MARK, "-")) if builtin else routine.slug


@dataclass(frozen=True)
class Previous:
    """What the timeline beside a track says about how the track was made."""

    engine: str
    voice: str
    source: str  # "" when it does not say (made before sources were recorded)


def previous(track: Path) -> Previous | None:
    """The track at `track` (an .mp3, or a split's .m3u8) as its timeline describes it; None if none."""
    timeline, _ = sidecar_paths(track)
    try:
        before = json.loads(files.read_regular(timeline, MAX_TIMELINE_BYTES))
        return Previous(str(before["engine"]), str(before["voice"]), str(before.get("source") or ""))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no earlier track, or one whose making is unknown


def source_of(routine: Routine) -> str:
    """Which routine a track is made from: `builtin:NAME`, a file's absolute path, or "" if unknown."""
    if builtin := builtin_of(routine):
        return f"{BUILTIN_PREFIX}{builtin}"
    path = Path(routine.source)
    try:
        return str(path.resolve()) if path.is_file() else ""
    except (OSError, ValueError):
        return ""


def anchor(target: Path, split: bool) -> Path:
    """The file whose timeline describes the build at `target`: the track, or a split's playlist."""
    return target.with_suffix("") / f"{target.stem}.m3u8" if split else target


def own_place(routine: Routine, target: Path, split: bool, rename: Callable[[str], Path]) -> tuple[Path, str]:
    """Where this build writes, given `target`, and a note when that is another name.

    `rename(base)` is the output path with another base name. Raises ExportError when the
    track at `target` was made from another routine and no name of this routine's own is free.
    """
    source = source_of(routine)
    before = previous(anchor(target, split))
    if not source or before is None or before.source in ("", source):
        return target, ""
    made_from = _shown(before.source)
    if not source.startswith(BUILTIN_PREFIX):
        other = rename(slugify(Path(routine.source).stem, routine.language))
        after = previous(anchor(other, split))
        if other != target and (after is None or after.source in ("", source)):
            note = (
                f"{target} was made from {made_from}, so this track is named after its own file: {other}. "
                f"To replace {target.name} instead, build with -o {target}"
            )
            return other, note
    raise ExportError(
        f"{target} was made from {made_from}, not from {_shown(source)}; a build never replaces "
        f"another routine's track. To replace it, build with -o {target}; to keep both, give the "
        "routine a title of its own (its title: line names the track) or choose another name with -o"
    )


def _shown(source: str) -> str:
    if source.startswith(BUILTIN_PREFIX):
        return f"the built-in routine {source.removeprefix(BUILTIN_PREFIX)}"
    return source


def replaced_voice(target: Path, engine: str, voice: str) -> str | None:
    """A warning if `target` holds a track made with another engine or voice, which this build replaces.

    The rule: a build may replace its own track, but says so when the old one was spoken by
    a different voice or in a different language (the voice names the language).
    """
    before = previous(target)
    if before is None or (before.engine, before.voice) == (engine, voice):
        return None
    return (
        f"replaced {target}, which was spoken by {before.engine} ({before.voice}), with a track spoken by "
        f"{engine} ({voice}). Use -o to keep both"
    )


def custom_suffix(custom: str) -> str:
    """A customized track's name says what changed, or, if that is too long, a short digest of it."""
    words = slugify(custom)
    if len(words) <= MAX_SUFFIX_CHARS:
        return words
    return "custom-" + hashlib.sha256(custom.encode("utf-8")).hexdigest()[:SUFFIX_DIGEST_CHARS]
