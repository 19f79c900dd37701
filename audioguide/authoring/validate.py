"""Check routine files without building them: every problem in every file, each located.

A file is checked by the strict loader (keys, types, values, placeholders), its cover
picture must exist, and it is compiled at every level as a build would lay it out: with
real clip lengths where the phrase cache has them, otherwise with an upper bound on what
the engine's voice takes, calibrated from measured speaking rates. So a routine that
validates builds with that engine; timing errors come located by the compiler itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audioguide import routine, speech
from audioguide.compiler import compile_routine
from audioguide.cues import counted
from audioguide.errors import RoutineError, SpeechError, TimingError
from audioguide.estimates import rough_length, upper_bound
from audioguide.routine import LEVELS
from audioguide.speech.text import prepare, preparers

KnownLength = Callable[[str], int | None]  # a phrase's real length, or None when not known


@dataclass(frozen=True)
class Report:
    """What checking one file found."""

    path: Path
    problems: tuple[str, ...]
    summary: str  # for a good file: its title, exercises and length
    warnings: tuple[str, ...] = ()  # what a build would drop, each located

    @property
    def ok(self) -> bool:
        return not self.problems


def check(path: str | Path, engine: str | None = None, duration_of: KnownLength | None = None) -> Report:
    """Check one file, laid out for `engine` (None: the slowest measured voice).

    `duration_of` may give real clip lengths (from the phrase cache); it returns None for a
    phrase it does not know, which is then bounded by the engine's calibrated rate.
    """
    path = Path(path)
    try:
        text = routine.read_file(path)
        loaded = routine.placed(routine.loads(text, source=str(path)), path)
    except RoutineError as exc:
        return Report(path, tuple(exc.problems), "")
    problems: list[str] = []
    if loaded.cover and not Path(loaded.cover).is_file():
        problems.append(
            f"{loaded.line_of('cover')}: cover: no such picture: {loaded.cover}. "
            "Put the picture beside the routine file, or fix its name"
        )
    if loaded.music and not Path(loaded.music).exists():
        problems.append(
            f"{loaded.line_of('music')}: music: no such file or folder: {loaded.music}. "
            "Put the music beside the routine file, or fix its name"
        )
    bound = upper_bound(engine)
    known = duration_of

    def length(phrase: str) -> int:
        real = known(phrase) if known else None
        return real if real is not None else bound(phrase)

    by_message: dict[str, list[str]] = {}
    lengths = []
    warnings: dict[str, None] = {}
    for level in LEVELS:
        try:
            script = compile_routine(loaded, level, length)
            lengths.append(script.duration_ms)
            warnings.update(dict.fromkeys(script.warnings))
        except TimingError as exc:  # one line for each place that cannot be laid out
            for message in str(exc).splitlines():
                by_message.setdefault(message, []).append(level)
    problems += [f"{message} (at {_levels(levels)})" for message, levels in by_message.items()]
    summary = f"{loaded.title}, {counted(len(loaded.exercises), 'exercise')}"
    if lengths:
        summary += f", about {rough_length(max(lengths))} at most"
    return Report(path, tuple(problems), summary, tuple(warnings))


def _levels(levels: list[str]) -> str:
    return "every level" if len(levels) == len(LEVELS) else "level " + ", ".join(levels)


def cached_lengths(engine: str, cache_dir: Path | None = None) -> KnownLength:
    """Real clip lengths from the phrase cache for an engine's voice; None where it has none."""
    try:
        voice = speech.make_engine(engine, "en")
    except SpeechError:
        return lambda phrase: None
    cache = speech.PhraseCache(cache_dir)

    def length(phrase: str) -> int | None:
        clip = cache.get(cache.key(voice.name, voice.voice_id, prepare(phrase, preparers(voice.lang))))
        from audioguide.speech import clips

        return clips.duration_ms(clip) if clip is not None else None

    return length
