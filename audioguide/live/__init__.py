"""The same cue script played live: what a built track would play, to the sample, unless told otherwise.

`prepare` compiles the routine exactly as `build` does (the same voice, phrase cache, compiler
and frame grid) and lays out its sounds; `coach` plays it on the devices, listening for
commands between blocks (session.py); `log` writes the session to the training log.
Devices (devices.py, sound.py) and the recognizer (listen.py) are loaded only when a session
runs, so the rest of audioguide never imports miniaudio or pocketsphinx.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from audioguide import sessions, speech
from audioguide.build import Progress, lay_out
from audioguide.compiler import routine_phrasebook
from audioguide.errors import LiveError
from audioguide.export import DEFAULT_RATE
from audioguide.live.devices import open_input, open_output
from audioguide.live.session import Report, Session, Status
from audioguide.live.track import Track
from audioguide.phrases import Phrasebook, base_language
from audioguide.routine import DEFAULT_LEVEL, Routine, fill

LISTENS_IN = "en"  # the language of the spoken commands (pocketsphinx's bundled model)


@dataclass(frozen=True)
class CoachOptions:
    level: str = DEFAULT_LEVEL
    engine: str = speech.AUTO
    lang: str | None = None
    engine_options: dict[str, object] = field(default_factory=dict, hash=False)
    rate: int = DEFAULT_RATE
    cache_dir: Path | None = None
    output: str | None = None  # wav:PATH, or None for the sound device
    input: str | None = None  # wav:PATH, none, or None for the microphone
    fast: bool = False  # with file devices: a simulated clock, as fast as the machine allows
    voice_commands: bool = True


@dataclass(frozen=True)
class Prepared:
    track: Track
    book: Phrasebook
    say: Callable[[str], bytes]
    lang: str
    warnings: tuple[str, ...]


def prepare(routine: Routine, options: CoachOptions, progress: Progress | None = None) -> Prepared:
    """The routine laid out as `build` lays it out, with a voice to say what the session adds."""
    cache = speech.PhraseCache(options.cache_dir)
    lang = options.lang or routine.lang or None  # as build speaks: --lang, else the routine's
    engine = speech.make_engine(options.engine, lang, **options.engine_options)
    voice = speech.Voice(engine, cache, options.rate)
    script = lay_out(routine, options.level, voice, progress, lang)
    book = routine_phrasebook(routine, lang)

    def say(text: str) -> bytes:
        if not voice.has(text):
            voice.load([text])
        return voice.clip(text).raw_data

    track = Track(script, voice.clip, options.rate, _instructions(routine))
    return Prepared(track, book, say, lang or routine.language, script.warnings)


def _instructions(routine: Routine) -> frozenset[str]:
    """Every step's instruction as it may be said, on every side."""
    said = set()
    for exercise in routine.exercises:
        sides = exercise.sides or (None,)
        for index, side in enumerate(sides):
            other = sides[(index + 1) % len(sides)]
            said.update(fill(step.say, side, other) for step in exercise.steps)
    return frozenset(said)


def coach(
    prepared: Prepared,
    options: CoachOptions,
    keys: queue.SimpleQueue[str] | None = None,
    on_status: Callable[[Status], None] | None = None,
    on_note: Callable[[str], None] | None = None,
) -> Report:
    """Play the prepared session on the devices the options name, until it ends or is stopped."""
    microphone, note = open_input(options.input if options.voice_commands else "none")
    listener = None
    try:
        output = open_output(options.output, options.rate, options.fast)
    except BaseException:
        microphone.close()
        raise
    try:
        if options.voice_commands and not note:
            if base_language(prepared.lang) != LISTENS_IN:
                note = f"spoken commands are in English only: in '{prepared.lang}', use the keyboard"
            else:
                from audioguide.live.listen import Listener  # pocketsphinx, loaded only here

                listener = Listener()
        if note and on_note:
            on_note(note)
        session = Session(
            prepared.track, output, microphone, prepared.say, prepared.book, listener, keys, on_status
        )
        return session.run()
    finally:
        microphone.close()
        output.close()


def log(folder: Path, routine: Routine, level: str, custom: str, report: Report) -> sessions.Session:
    """Write the session to the training log that `audioguide log` and the page show."""
    ended = "completed" if report.completed else f"stopped at {report.stopped_at}"
    try:
        folder.mkdir(parents=True, exist_ok=True)  # the output folder, before any track is built
    except OSError as exc:
        raise LiveError(f"{folder}: cannot keep the training log there: {exc.strerror}") from None
    return sessions.record_live(folder, routine.title, level, custom, ended, report.pauses, report.skips)


__all__ = ["CoachOptions", "Prepared", "Report", "Status", "coach", "log", "prepare"]
