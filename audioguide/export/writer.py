"""Write a build's files: the MP3 (encoded whole, or from cached segments), its tags, cover and
chapters, its synced cue text, its sidecars and, in split mode, a playlist.

Every file is staged beside its target and renamed into place with the rest at the end
(see files.py), so a rebuild replaces a track and its sidecars together.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from audioguide import fingerprint
from audioguide.cues import CueScript
from audioguide.export import AudioFormat, TrackInfo, Written, parts, sidecar_paths, text
from audioguide.export import cover as covers
from audioguide.export.encode import encode
from audioguide.export.files import Staging, owned, remove_owned, staged
from audioguide.export.segments import Reuse, encode_reusing
from audioguide.export.tags import TrackTags, write_tags
from audioguide.render import sample_at

LYRICS_SUFFIXES = (".lrc", ".vtt")
DEFAULT_AUDIO = AudioFormat()
WHOLE = (1, 1)  # a whole-routine track is track 1 of 1: players that sort by number show it so


def write_track(
    script: CueScript,
    pcm: Iterable[bytes],
    mp3: Path,
    info: TrackInfo,
    audio: AudioFormat = DEFAULT_AUDIO,
    reuse: Reuse | None = None,
) -> Written:
    """Encode the PCM into `mp3`, tag it, and write its sidecars beside it.

    With `reuse`, the track is encoded from cached segments where it can be, and `pcm`
    is not read.
    """
    audio.check()
    picture = _cover(info)
    timeline, cues = sidecar_paths(mp3)
    with staged(mp3) as stage:
        tags = TrackTags(info.title, info.album, info.settings, info.year, WHOLE)
        lyrics = _write_one(stage, script, pcm, mp3, tags, picture, audio, reuse)
        stage.write_text(cues, script.to_text())
        stage.write_text(timeline, _timeline(script, info, stage.stamps(timeline.parent)))
    return Written(mp3, timeline, cues, tracks=(mp3,), lyrics=lyrics)


def write_split(
    script: CueScript,
    pcm: Iterable[bytes],
    folder: Path,
    info: TrackInfo,
    audio: AudioFormat = DEFAULT_AUDIO,
    reuse: Reuse | None = None,
) -> Written:
    """One MP3 per exercise in `folder`, tagged as an album in order, with an .m3u8 playlist.

    The whole routine's timeline and cue sheet sit beside the playlist. Tracks that an
    earlier build wrote and this one does not are removed, but only those its manifest
    lists with their content unchanged: never a file audioguide cannot prove it wrote.
    """
    audio.check()
    picture = _cover(info)
    playlist = folder / f"{folder.name}.m3u8"
    timeline, cues = sidecar_paths(playlist)
    previous = owned(playlist)
    pieces = parts.split(script)
    cutter = parts.Cutter(pcm)
    tracks: list[Path] = []
    lyrics: list[Path] = []
    with staged(playlist) as stage:
        for part, length in zip(pieces, parts.byte_lengths(pieces, audio.rate), strict=True):
            mp3 = folder / f"{part.file_stem}.mp3"
            tags = TrackTags(part.title, info.album, info.settings, info.year, (part.number, len(pieces)))
            span = (sample_at(part.start_ms, audio.rate), sample_at(part.end_ms, audio.rate), script)
            piece = reuse and Reuse(reuse.clip_for, reuse.cache, reuse.progress, span, reuse.bed)
            lyrics += _write_one(stage, part.script, cutter.take(length), mp3, tags, picture, audio, piece)
            tracks.append(mp3)
        entries = [
            text.PlaylistEntry(t.name, p.title, p.duration_ms) for t, p in zip(tracks, pieces, strict=True)
        ]
        stage.write_text(playlist, text.m3u8(info.album, entries))
        stage.write_text(cues, script.to_text())
        stage.write_text(timeline, _timeline(script, info, stage.stamps(timeline.parent)))
        manifest = stage.write_manifest(playlist, previous)
    remove_owned(folder, previous, {*stage.targets(), manifest.name})
    return Written(tracks[0], timeline, cues, tuple(tracks), tuple(lyrics), playlist)


def _write_one(
    stage: Staging,
    script: CueScript,
    pcm: Iterable[bytes],
    mp3: Path,
    tags: TrackTags,
    picture: covers.Cover,
    audio: AudioFormat,
    reuse: Reuse | None = None,
) -> tuple[Path, ...]:
    """Stage one tagged MP3 and its synced-lyrics sidecars; return the sidecars' paths."""
    staged_mp3 = stage.path_for(mp3)
    if reuse:
        gapless = encode_reusing(reuse, staged_mp3, audio, script, mp3).gapless
    else:
        gapless = encode(pcm, staged_mp3, audio, mp3)
    write_tags(staged_mp3, script, tags, picture, gapless)
    lrc, vtt = (mp3.with_suffix(suffix) for suffix in LYRICS_SUFFIXES)
    stage.write_text(lrc, text.lrc(script, tags.title, tags.album))
    stage.write_text(vtt, text.vtt(script))
    return lrc, vtt


def _timeline(script: CueScript, info: TrackInfo, written: fingerprint.FileStamps) -> str:
    """The timeline JSON, with the build's fingerprint and the files written beside it (`written`)."""
    record = fingerprint.Record(info.fingerprint, info.phrase_keys, written) if info.fingerprint else None
    return text.timeline_json(script, info.engine, info.voice, info.custom, info.source, record)


def _cover(info: TrackInfo) -> covers.Cover:
    return covers.from_file(info.cover) if info.cover else covers.generated(info.album)
