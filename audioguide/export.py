"""PCM -> an MP3 with ID3 tags, plus its timeline and cue-sheet sidecars, written atomically.

The encoder writes to a file path, not a pipe: only then does ffmpeg go back and fill in
the LAME/Info header that tells decoders how many priming samples to skip. Without it
every cue would be heard about 1105 samples (25 ms) late.
Everything is written to temporary files beside the destination and renamed into place
at the end, so an interrupted build leaves the previous track or nothing, never half a file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import COMM, ID3, TALB, TCON, TDRC, TIT2, TPE1, ID3NoHeaderError

from audioguide import ffmpeg, files
from audioguide.cues import CueScript
from audioguide.errors import ExportError

DEFAULT_BITRATE = "64k"  # mono speech: clean on phone speakers, about 7 MB for 15 minutes
DEFAULT_RATE = 44_100
ARTIST = "audioguide"
GENRE = "Fitness"


@dataclass(frozen=True)
class TrackInfo:
    """What the track's tags and sidecars say about how it was made."""

    title: str
    album: str
    engine: str  # e.g. "pico"
    voice: str  # the engine's voice and options, e.g. "en-US"
    level: str
    year: str = ""


@dataclass(frozen=True)
class Written:
    mp3: Path
    timeline: Path
    cues: Path


def sidecar_paths(mp3: Path) -> tuple[Path, Path]:
    stem = mp3.with_suffix("")
    return stem.with_name(stem.name + ".timeline.json"), stem.with_name(stem.name + ".cues.txt")


def write_track(
    script: CueScript,
    pcm: Iterable[bytes],
    mp3: Path,
    info: TrackInfo,
    rate: int = DEFAULT_RATE,
    bitrate: str = DEFAULT_BITRATE,
) -> Written:
    """Encode the PCM into `mp3`, tag it, and write its sidecars beside it."""
    timeline, cues = sidecar_paths(mp3)
    _make_dir(mp3.parent)
    temps: list[tuple[Path, Path]] = []
    try:
        audio_tmp = _temp_beside(mp3)
        temps.append((audio_tmp, mp3))
        encode(pcm, audio_tmp, rate, bitrate, mp3)
        tag(audio_tmp, info)
        for path, text in (
            (timeline, json.dumps(timeline_json(script, info), indent=1) + "\n"),
            (cues, script.to_text()),
        ):
            tmp = _temp_beside(path)
            temps.append((tmp, path))
            tmp.write_text(text, encoding="utf-8")
        for tmp, _ in temps:
            files.sync(tmp)
        # Sidecars first, the track last: a track on disk always has current sidecars.
        # Ctrl-C waits until all three are in place, so they never come from two builds.
        with files.signals_deferred():
            for tmp, final in reversed(temps):
                os.replace(tmp, final)
    except OSError as exc:
        raise ExportError(
            f"cannot write {mp3}: {exc.strerror or exc}. Check that the folder is writable "
            "and the disk has space, or choose another with -o"
        ) from None
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
    return Written(mp3, timeline, cues)


def encode(pcm: Iterable[bytes], path: Path, rate: int, bitrate: str, target: Path | None = None) -> None:
    """Stream mono 16-bit PCM through ffmpeg's LAME encoder into an MP3 file.

    `target` is the file the user asked for, named in errors instead of a temporary file.
    """
    command = [
        ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", bitrate, "-f", "mp3", str(path),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdin is not None
        with process.stdin:
            for chunk in pcm:
                process.stdin.write(chunk)
    except BrokenPipeError:
        pass  # ffmpeg stopped early; its exit status and message say why
    except BaseException:
        process.kill()
        process.wait()
        raise
    error = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    status = process.wait()
    if status != 0:
        lines = error.strip().splitlines()
        why = lines[-1] if lines else f"exit status {status}"
        if status < 0:  # e.g. SIGXFSZ when a file-size limit is hit
            why = f"stopped by {signal.Signals(-status).name}"
        raise ExportError(
            f"cannot write {target or path}: the MP3 encoder failed ({why}). Check that the folder is "
            "writable and the disk has space, and that --bitrate is valid (like 64k)"
        )


def tag(path: Path, info: TrackInfo) -> None:
    """Basic ID3v2.3 tags, the version phones read most widely."""
    try:
        tags = ID3(path)
    except ID3NoHeaderError:
        tags = ID3()
    tags.delete(path)
    tags.clear()
    tags.add(TIT2(encoding=3, text=info.title))
    tags.add(TPE1(encoding=3, text=ARTIST))
    tags.add(TALB(encoding=3, text=info.album))
    tags.add(TCON(encoding=3, text=GENRE))
    if info.year:
        tags.add(TDRC(encoding=3, text=info.year))
    tags.add(
        COMM(
            encoding=3,
            lang="eng",
            desc="",
            text=f"level {info.level}; engine {info.engine}; voice {info.voice}",
        )
    )
    tags.save(path, v2_version=3)


def timeline_json(script: CueScript, info: TrackInfo) -> dict:
    return {**script.to_json(), "engine": info.engine, "voice": info.voice}


def _make_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"cannot create the output folder {folder}: {exc.strerror}. Choose another with -o"
        ) from None


def _temp_beside(path: Path) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(name, 0o666 & ~_umask())  # mkstemp makes files private; a track is not
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
