"""Where a track goes, and what an earlier build left there.

A track is named after its routine (`output/<routine>[-level][-custom][-lang].mp3`); the
timeline JSON beside it records the voice that spoke it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from audioguide import phrases
from audioguide.export import sidecar_paths
from audioguide.routine import DEFAULT_LEVEL, TRANSLATION_MARK, Routine, builtin_of, slugify

DEFAULT_OUTPUT_DIR = Path("output")
MAX_SUFFIX_CHARS = 40  # longer customizations are named by a digest, to keep file names short
SUFFIX_DIGEST_CHARS = 6


def output_path(
    routine: Routine, level: str, output: Path | None, custom: str = "", lang: str | None = None
) -> Path:
    """Where the MP3 goes: `-o` as a file, as a folder, or output/<routine>[-level][-custom][-lang].mp3.

    The name tells the language only when it is not the routine's own (`--lang pt` on an
    English routine), so a track in another language never takes the original's place.
    """
    if output is not None and output.suffix.lower() == ".mp3":
        return output
    base = track_name(routine)
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


def replaced_voice(target: Path, engine: str, voice: str) -> str | None:
    """A warning if `target` holds a track made with another engine or voice, which this build replaces.

    The rule: a build may replace its own track, but says so when the old one was spoken by
    a different voice or in a different language (the voice names the language).
    """
    timeline, _ = sidecar_paths(target)
    try:
        before = json.loads(timeline.read_text(encoding="utf-8"))
        old_engine, old_voice = str(before["engine"]), str(before["voice"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no earlier track, or one whose voice is unknown
    if (old_engine, old_voice) == (engine, voice):
        return None
    return (
        f"replaced {target}, which was spoken by {old_engine} ({old_voice}), with a track spoken by "
        f"{engine} ({voice}). Use -o to keep both"
    )


def custom_suffix(custom: str) -> str:
    """A customized track's name says what changed, or, if that is too long, a short digest of it."""
    words = slugify(custom)
    if len(words) <= MAX_SUFFIX_CHARS:
        return words
    return "custom-" + hashlib.sha256(custom.encode("utf-8")).hexdigest()[:SUFFIX_DIGEST_CHARS]
