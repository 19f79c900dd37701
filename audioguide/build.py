"""The whole pipeline behind one call: routine -> cue script -> speech -> PCM -> MP3 files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from audioguide import files, grid, music, phrases, render, speech, tracks
from audioguide.compiler import compile_routine, estimate_ms
from audioguide.cues import LENGTH_ROLE, SPEECH, CueScript
from audioguide.errors import MusicError, SpeechError
from audioguide.export import (
    DEFAULT_BITRATE,
    DEFAULT_RATE,
    AudioFormat,
    Reuse,
    TrackInfo,
    Written,
    write_split,
    write_track,
)
from audioguide.export.segment_cache import SegmentCache
from audioguide.music import Settings as MusicSettings
from audioguide.routine import DEFAULT_LEVEL, Routine
from audioguide.tracks import output_path

# (stage, done, total): stage is "speech" or "render"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    level: str = DEFAULT_LEVEL
    engine: str = speech.AUTO
    lang: str | None = None
    engine_options: dict[str, object] = field(default_factory=dict, hash=False)
    output: Path | None = None  # a file, a folder, or None for output/<routine>.mp3
    bitrate: str = DEFAULT_BITRATE
    rate: int = DEFAULT_RATE
    cache_dir: Path | None = None
    jobs: int = speech.DEFAULT_JOBS  # phrases synthesized at once, where the engine allows it
    channels: int = 1
    split: bool = False  # one MP3 per exercise in a folder, with a playlist
    cover: Path | None = None  # overrides the routine's cover; None: the routine's or generated
    custom: str = ""  # what overrides changed ("heel-raises reps 12"): in the name and title
    reuse: bool = True  # encode from cached segments where possible; False: the whole track in one pass
    music: Path | None = None  # a file, folder or playlist to mix under the voice; None: the routine's
    music_settings: MusicSettings = MusicSettings()


@dataclass(frozen=True)
class BuildResult:
    written: Written
    script: CueScript
    engine: str
    voice: str
    synthesized: int  # phrases synthesized by this build (the rest came from the cache)
    phrases: int
    warnings: tuple[str, ...]


def music_of(routine: Routine, options: BuildOptions) -> music.Music | None:
    """The music a build mixes in: `--music`, else the routine's `music:` (confined to its
    folder), else none. Its `identity()` changes whenever the bed would."""
    if options.music is not None:
        found = music.find(options.music)
    elif routine.music:
        source = Path(routine.source)
        folder = source.parent if source.is_file() else Path.cwd()
        found = music.find(folder / routine.music, confine_to=folder)
    else:
        return None
    if problem := options.music_settings.problem():
        raise MusicError(problem)
    return music.Music(found, options.music_settings)


def speech_lang(routine: Routine, options: BuildOptions) -> str | None:
    """The language a build speaks: `--lang`, else the routine's own; None: the voice's default."""
    return options.lang or routine.lang or None


def language_warnings(routine: Routine, lang: str | None) -> list[str]:
    """What a user should know before hearing the track: phrases or text in another language."""
    warnings: list[str] = []
    if lang is None:
        return warnings
    if not phrases.has_phrasebook(lang):
        warnings.append(
            f"audioguide has no phrases in '{lang}' yet (it has {', '.join(phrases.languages())}): "
            "its own cues are spoken in English"
        )
    if phrases.base_language(lang) != phrases.base_language(routine.language):
        warnings.append(
            f"the routine is written in '{routine.language}': its own text is read by a '{lang}' voice"
        )
    return warnings


def lay_out(
    routine: Routine,
    level: str,
    voice: speech.Voice,
    progress: Progress | None = None,
    lang: str | None = None,
) -> CueScript:
    """Compile with real clip lengths, synthesizing phrases until the script is settled.

    The first pass uses estimates to learn which phrases exist; later passes use the real
    lengths, which can change a phrase (the intro states the track's length). Each part
    starts on the MP3 frame grid of the voice's rate, where a frame is whole milliseconds.
    """
    frames = grid.of(voice.rate)

    def report(done: int, total: int) -> None:
        if progress:
            progress("speech", done, total)

    def duration_ms(text: str) -> int:
        return voice.duration_ms(text) if voice.has(text) else estimate_ms(text)

    script = compile_routine(routine, level, duration_ms, lang, frames)  # a loaded phrase: its real length
    while missing := [e for e in script.events if e.kind == SPEECH and not voice.has(e.text)]:
        # The phrase stating the track's length is settled last, once every other phrase
        # has its real length; otherwise a guess at it would be synthesized for nothing.
        content = [e.text for e in missing if e.role != LENGTH_ROLE]
        voice.load(content or [e.text for e in missing], report)
        script = compile_routine(routine, level, duration_ms, lang, frames)
    return script


def kept_voice(
    routine: Routine, options: BuildOptions, lang: str | None, target: Path, cache: speech.PhraseCache
) -> speech.Voice | None:
    """Under `auto`, the voice of the track this build replaces: an offline voice always, an
    online one when the cache holds every phrase (which are then loaded).

    So a rebuild (a rep count changed, a new cover) keeps its track's voice whatever the
    network does that day, and sends nothing anywhere. None when the track is new, its voice
    cannot speak here, or Google's voice would be asked for a phrase.
    """
    if options.engine != speech.AUTO:
        return None
    before = tracks.previous(tracks.anchor(target, options.split))
    if before is None or before.engine not in speech.ENGINES:
        return None
    try:
        engine = speech.make_engine(before.engine, lang, **options.engine_options)
    except SpeechError:
        return None
    if engine.voice_id != before.voice:
        return None
    voice = speech.Voice(engine, cache, options.rate, options.jobs)
    if not engine.online:
        return voice  # it speaks here, without sending anything anywhere
    frames = grid.of(voice.rate)

    def duration_ms(text: str) -> int:
        return voice.duration_ms(text) if voice.has(text) else estimate_ms(text)

    script = compile_routine(routine, options.level, estimate_ms, lang, frames)
    while missing := [e for e in script.events if e.kind == SPEECH and not voice.has(e.text)]:
        content = [e.text for e in missing if e.role != LENGTH_ROLE] or [e.text for e in missing]
        if voice.uncached(content):
            return None
        voice.load(content)
        script = compile_routine(routine, options.level, duration_ms, lang, frames)
    return voice


def build(
    routine: Routine, options: BuildOptions = BuildOptions(), progress: Progress | None = None
) -> BuildResult:
    """Build the routine's MP3 and sidecars. Under `auto`, one voice for the whole track."""
    audio = AudioFormat(options.rate, options.bitrate, options.channels).check()
    cache = speech.PhraseCache(options.cache_dir)
    lang = speech_lang(routine, options)
    target, moved = place(routine, options, lang)
    # Builds killed outright (SIGKILL, power loss) cannot clean up after themselves.
    files.sweep_leftovers(target.parent)
    files.sweep_leftovers(target.with_suffix(""))  # split mode's folder of parts
    cache.sweep_leftovers()
    bed_music = music_of(routine, options)
    if bed_music:
        music.check(bed_music.files, options.rate, cache.root)  # before any speech
    voice = kept_voice(routine, options, lang, target, cache)
    if voice is None:
        engine = speech.make_engine(options.engine, lang, **options.engine_options)
        voice = speech.Voice(engine, cache, options.rate, options.jobs)
    warnings: list[str] = [*([moved] if moved else []), *language_warnings(routine, lang)]
    try:
        script = lay_out(routine, options.level, voice, progress, lang)
    except SpeechError as exc:
        if options.engine != speech.AUTO or not voice.engine.online:
            raise
        # Google failed part-way: start again offline, so the track never mixes two voices.
        warnings.append(f"{exc}; building the whole track with the offline voice instead")
        voice = speech.Voice(speech.offline_engine(lang, **options.engine_options), cache, options.rate)
        script = lay_out(routine, options.level, voice, progress, lang)
    warnings.extend(script.warnings)
    info = TrackInfo(
        title=_title(routine, options.level, options.custom),
        album=_title(routine, options.level),
        engine=voice.engine.name,
        voice=voice.engine.voice_id,
        level=options.level,
        year=str(date.today().year),
        cover=options.cover or (Path(routine.cover) if routine.cover else None),
        custom=options.custom,
        source=tracks.source_of(routine),
    )
    pcm = _counted(render.pcm_chunks(script, voice.clip, options.rate), script, options.rate, progress)
    bed = None
    if bed_music:
        sounds = render.placements(script, voice.clip, options.rate)
        length = render.sample_at(script.duration_ms, options.rate)
        bed = bed_music.laid(sounds, length, options.rate, cache.root)
        pcm = music.mixed(pcm, bed)
    if replaced := tracks.replaced_voice(
        tracks.anchor(target, options.split), voice.engine.name, voice.engine.voice_id
    ):
        warnings.append(replaced)
    reuse = _reuse(voice, cache, progress, bed) if options.reuse else None
    if options.split:
        written = write_split(script, pcm, target.with_suffix(""), info, audio, reuse)
    else:
        written = write_track(script, pcm, target, info, audio, reuse)
    return BuildResult(
        written=written,
        script=script,
        engine=voice.engine.name,
        voice=voice.engine.voice_id,
        synthesized=voice.synthesized,
        phrases=len(script.phrases()),
        warnings=tuple(warnings),
    )


def place(routine: Routine, options: BuildOptions, lang: str | None) -> tuple[Path, str]:
    """The track's path, and a note when another routine's track holds its usual name (see tracks)."""
    target = output_path(routine, options.level, options.output, options.custom, lang)
    if options.output is not None and options.output.suffix.lower() == ".mp3":
        return target, ""  # a file named on the command line is written, whatever it held

    def rename(base: str) -> Path:
        return output_path(routine, options.level, options.output, options.custom, lang, base)

    return tracks.own_place(routine, target, options.split, rename)


def _reuse(
    voice: speech.Voice, cache: speech.PhraseCache, progress: Progress | None, bed: music.Bed | None
) -> Reuse:
    def report(done: int, total: int) -> None:
        if progress:
            progress("render", done, total)

    return Reuse(voice.clip, SegmentCache.beside(cache.root), report, bed=bed)


def _title(routine: Routine, level: str, custom: str = "") -> str:
    notes = [level] if level != DEFAULT_LEVEL else []
    notes += [custom] if custom else []
    return f"{routine.title} ({'; '.join(notes)})" if notes else routine.title


def _counted(chunks, script: CueScript, rate: int, progress: Progress | None):
    """Pass PCM chunks through, reporting rendering progress in seconds of audio."""
    total = script.duration_ms // 1000
    written = 0
    for chunk in chunks:
        written += len(chunk)
        if progress:
            progress("render", min(total, written // (2 * rate)), total)
        yield chunk
