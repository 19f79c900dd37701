"""The whole pipeline behind one call: routine -> cue script -> speech -> PCM -> MP3 files.

A build first asks whether the track in place is already this build's (`up_to_date`), which
needs only the routine, the phrase cache's headers and the timeline. The stages that make a
track (the compiler, render, the music bed, the encoders) are imported by the functions that
run them, so a build with nothing to do answers at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide import files, fingerprint, music, phrases, speech, tracks
from audioguide.cues import LENGTH_ROLE, SPEECH, CueScript
from audioguide.errors import MusicError, SpeechError
from audioguide.export import DEFAULT_BITRATE, DEFAULT_RATE, AudioFormat, TrackInfo, Written, sidecar_paths
from audioguide.export.files import owned
from audioguide.music import Settings as MusicSettings
from audioguide.routine import DEFAULT_LEVEL, Routine
from audioguide.tracks import output_path

if TYPE_CHECKING:
    from audioguide.export.segments import Reuse
    from audioguide.music.bed import Bed

# (stage, done, total): stage is "speech" or "render"
MAX_COVER_BYTES = 50_000_000  # a cover larger than this is not read for the fingerprint: a new build then
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
    force: bool = False  # build even when the track in place is up to date


@dataclass(frozen=True)
class BuildResult:
    written: Written
    script: CueScript
    engine: str
    voice: str
    synthesized: int  # phrases synthesized by this build (the rest came from the cache)
    phrases: int
    warnings: tuple[str, ...]
    up_to_date: bool = False  # the track in place was this build's already: nothing was written


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
    from audioguide import grid
    from audioguide.compiler import compile_routine, estimate_ms

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
    if before is None or before.engine not in speech.engines():
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
    from audioguide import grid
    from audioguide.compiler import compile_routine, estimate_ms

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
    if not options.force and (fresh := up_to_date(routine, options, lang, target, cache)):
        return BuildResult(
            **fresh, synthesized=0, warnings=(*language_warnings(routine, lang), *fresh["script"].warnings),
            up_to_date=True,
        )  # fmt: skip
    from audioguide import render
    from audioguide.export.writer import write_split, write_track
    from audioguide.music.bed import mixed

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
        **_fingerprinted(routine, options, lang, voice, script),
    )
    pcm = _counted(render.pcm_chunks(script, voice.clip, options.rate), script, options.rate, progress)
    bed = None
    if bed_music:
        sounds = render.placements(script, voice.clip, options.rate)
        length = render.sample_at(script.duration_ms, options.rate)
        bed = bed_music.laid(sounds, length, options.rate, cache.root)
        pcm = mixed(pcm, bed)
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


def inputs(
    routine: Routine,
    options: BuildOptions,
    lang: str | None,
    voice: tuple[str, str],
    phrases: list[list[str | None]],
) -> dict[str, object]:
    """What shapes a build's files, by name, for its fingerprint (fingerprint.py): the installed
    audioguide, the routine, the options that reach the files, the cover, the year in the tags,
    the voice (engine, voice id), each phrase's cache entry ([key, digest]) and the music bed."""
    cover = options.cover or (Path(routine.cover) if routine.cover else None)
    bed = music_of(routine, options)
    return {
        "audioguide": fingerprint.installed(),
        "routine": repr(routine),
        "source": tracks.source_of(routine),
        "options": [options.level, options.engine, lang, sorted(options.engine_options.items()),
                    options.bitrate, options.rate, options.channels, options.split, options.custom,
                    options.reuse],
        "cover": [str(cover), files.sha256_of(cover, MAX_COVER_BYTES)] if cover else None,
        "year": date.today().year,
        "voice": list(voice),
        "phrases": phrases,
        "music": bed.identity() if bed else None,
    }  # fmt: skip


def up_to_date(
    routine: Routine, options: BuildOptions, lang: str | None, target: Path, cache: speech.PhraseCache
) -> dict[str, object] | None:
    """The result of a build with nothing to do, if the track at `target` is this build's: the
    timeline beside it records this build's fingerprint, with the voice it kept, and its files
    are as that build left them. None otherwise. Reads the timeline and the phrases' cache
    headers only."""
    anchor = tracks.anchor(target, options.split)
    timeline, cues = sidecar_paths(anchor)
    try:
        data = json.loads(files.read_regular(timeline, tracks.MAX_TIMELINE_BYTES))
        record = fingerprint.Record.from_json(data.get(fingerprint.RECORD_KEY))
        voice = (str(data["engine"]), str(data["voice"]))
        script = CueScript.from_json(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if record is None or not record.intact(timeline.parent):
        return None
    if options.split and _tidy_up_pending(anchor, record, timeline):
        return None
    phrases: list[list[str | None]] = [[key, cache.digest(key)] for key in record.phrases]
    if any(digest is None for _, digest in phrases):
        return None
    if fingerprint.fingerprint(inputs(routine, options, lang, voice, phrases)) != record.fingerprint:
        return None
    tracks_written = tuple(timeline.parent / name for name in record.files if name.endswith(".mp3"))
    lyrics = tuple(timeline.parent / name for name in record.files if name.endswith((".lrc", ".vtt")))
    playlist = anchor if options.split else None
    mp3 = target if not options.split else min(tracks_written, default=target)
    written = Written(mp3, timeline, cues, tuple(sorted(tracks_written)), tuple(sorted(lyrics)), playlist)
    return {"written": written, "script": script, "engine": voice[0], "voice": voice[1],
            "phrases": len(script.phrases())}  # fmt: skip


def _tidy_up_pending(playlist: Path, record: fingerprint.Record, timeline: Path) -> bool:
    """Does a split folder still hold a file an earlier build wrote and meant to delete (a build
    stopped while tidying up)? Then the next build is not up to date: it finishes the tidy-up."""
    leftover = set(owned(playlist)) - set(record.files) - {timeline.name}
    return any((playlist.parent / name).exists() for name in leftover)


def _fingerprinted(
    routine: Routine, options: BuildOptions, lang: str | None, voice: speech.Voice, script: CueScript
) -> dict[str, object]:
    """The fingerprint fields of the track's info: none when a phrase is not in the cache (a
    cache folder that could not keep it), since a later build could not tell it is the same."""
    keys = tuple(voice.key(text) for text in script.phrases())
    phrases: list[list[str | None]] = [[key, voice.cache.digest(key)] for key in keys]
    if any(digest is None for _, digest in phrases):
        return {}
    made_by = (voice.engine.name, voice.engine.voice_id)
    return {"fingerprint": fingerprint.fingerprint(inputs(routine, options, lang, made_by, phrases)),
            "phrase_keys": keys}  # fmt: skip


def place(routine: Routine, options: BuildOptions, lang: str | None) -> tuple[Path, str]:
    """The track's path, and a note when another routine's track holds its usual name (see tracks)."""
    target = output_path(routine, options.level, options.output, options.custom, lang)
    if options.output is not None and options.output.suffix.lower() == ".mp3":
        return target, ""  # a file named on the command line is written, whatever it held

    def rename(base: str) -> Path:
        return output_path(routine, options.level, options.output, options.custom, lang, base)

    return tracks.own_place(routine, target, options.split, rename)


def _reuse(
    voice: speech.Voice, cache: speech.PhraseCache, progress: Progress | None, bed: Bed | None
) -> Reuse:
    from audioguide.export.segment_cache import SegmentCache
    from audioguide.export.segments import Reuse

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
