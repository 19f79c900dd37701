"""Where the music comes from: a file, a folder or a playlist, checked, then decoded once.

Each file is decoded by the bundled ffmpeg, as a stream, straight to a file of mono 16-bit
PCM at the build's rate in the cache folder (`music/`), with its loudness and true peak
measured on the way (ffmpeg's EBU R128 meter). Later builds read slices of that copy:
never a whole file in memory, and no decoding at all on a rebuild. Only the first audio
stream is decoded; the music's tags and pictures are never read into the track.

Only regular files are taken, opened without waiting (a FIFO or `/dev/zero` is refused
before ffmpeg sees it) and of at most `MAX_MUSIC_BYTES`; ffmpeg reads the descriptor
that was checked, so a file swapped after the check is not read instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audioguide import ffmpeg, files
from audioguide.errors import MusicError

AUDIO_SUFFIXES = (".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".wav", ".aif", ".aiff", ".wma")
PLAYLIST_SUFFIXES = (".m3u", ".m3u8")
MAX_MUSIC_BYTES = 1_000_000_000  # a longer mix than anyone trains to, even as WAV
MAX_PLAYLIST_BYTES = 1_000_000
MAX_FILES = 500
MAX_DECODED_S = 6 * 3600  # what is decoded of one file at most (a file that decodes for ever stops here)
MIN_MUSIC_MS = 5000  # shorter than this, a file cannot be crossfaded into the next
DECODE_FORMAT = 2  # bump when what a decoded copy holds changes
FOLDER = "music"
FIX = "Give --music an audio file, a folder of them, or an .m3u/.m3u8 playlist"


@dataclass(frozen=True)
class Decoded:
    """One music file as the bed plays it: its decoded copy, its length and its loudness."""

    source: Path
    pcm: Path  # mono 16-bit little-endian at the build's rate
    samples: int
    lufs: float
    peak_dbtp: float


def find(path: Path, confine_to: Path | None = None) -> tuple[Path, ...]:
    """The music files `path` names, in play order: itself, a folder's audio files by name,
    or a playlist's entries (relative to the playlist). With `confine_to`, every file must be
    inside that folder, links followed (a routine's `music:` key)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise MusicError(f"music {path}: no such file or folder. {FIX}")
    if path.is_dir():
        found = [p for p in sorted(path.iterdir(), key=lambda p: p.name.casefold()) if _is_audio(p)]
        if not found:
            raise MusicError(f"music {path}: the folder holds no audio files ({', '.join(AUDIO_SUFFIXES)})")
    elif path.suffix.lower() in PLAYLIST_SUFFIXES:
        found = _playlist(path)
    else:
        found = [path]
    if len(found) > MAX_FILES:
        raise MusicError(f"music {path}: {len(found)} files; a bed takes at most {MAX_FILES}")
    if confine_to is not None:
        for file in [path, *found]:
            if not _inside(file, confine_to):
                raise MusicError(
                    f"music {file} is outside the routine's folder {confine_to}; put the music beside "
                    "the routine file, or give it with --music"
                )
    return tuple(found)


MAX_CHOICES = 200


def choices(root: Path) -> dict[str, Path]:
    """What the page offers from the music the user configured, by an id the page sends back:
    the folder itself, its folders and playlists, and its audio files ("." is the folder).
    A file is offered alone. Nothing the phone sends is ever taken as a path."""
    root = Path(root)
    if not root.is_dir():
        return {root.name: root} if root.is_file() else {}
    found = {".": root}
    try:
        inside = sorted(root.iterdir(), key=lambda p: p.name.casefold())
    except OSError:
        return found
    for path in inside:
        if path.name.startswith("."):
            continue
        if path.is_dir() or path.suffix.lower() in PLAYLIST_SUFFIXES or _is_audio(path):
            found[path.name] = path
        if len(found) >= MAX_CHOICES:
            break
    return found


def identity(sources: tuple[Path, ...]) -> list[list[object]]:
    """What tells one bed's files from another's without reading them: names, sizes, times."""
    found = []
    for source in sources:
        try:
            info = source.stat()
        except OSError as exc:
            raise MusicError(f"music {source}: {exc.strerror}. {FIX}") from None
        found.append([str(source.absolute()), info.st_size, info.st_mtime_ns])
    return found


def check(sources: tuple[Path, ...], rate: int, cache_root: Path) -> None:
    """A MusicError unless every file is a regular file ffmpeg decodes, of `MIN_MUSIC_MS` or
    more: each not decoded yet has its first seconds decoded, once (a note in the cache
    remembers it)."""
    for source in sources:
        _opened(source, rate, Path(cache_root) / FOLDER, _probe)


def decoded(sources: tuple[Path, ...], rate: int, cache_root: Path, needed: int) -> tuple[Decoded, ...]:
    """The files decoded at `rate` (from the cache when it holds them), in order, as many as
    cover `needed` samples of bed (all of them when they are shorter: the bed loops)."""
    found: list[Decoded] = []
    covered = 0
    for source in sources:
        found.append(_opened(source, rate, Path(cache_root) / FOLDER, _decode))
        covered += found[-1].samples - MIN_MUSIC_MS * rate // 1000  # crossfades take less than this
        if covered >= needed:
            break
    return tuple(found)


def _opened(source: Path, rate: int, folder: Path, work: Callable[[int, Path, int, Path], Decoded | None]):
    """`work(fd, source, rate, name)` on the file opened as a regular file, named in the cache
    by its path, size and modification time; MusicError if it cannot be opened so."""
    try:
        with files.open_regular(source, MAX_MUSIC_BYTES) as fd:
            info = os.fstat(fd)
            material = [DECODE_FORMAT, str(source.absolute()), info.st_size, info.st_mtime_ns, rate]
            key = hashlib.sha256(json.dumps(material).encode()).hexdigest()
            return work(fd, source, rate, folder / key)
    except files.TooLarge as exc:
        raise MusicError(f"music {source}: is {exc.size:,} bytes; a music file is at most 1 GB") from None
    except files.NotRegularFile as exc:
        raise MusicError(f"music {source}: {exc.strerror}. {FIX}") from None
    except OSError as exc:
        raise MusicError(f"music {source}: cannot be read: {exc.strerror}. {FIX}") from None


def _probe(fd: int, source: Path, rate: int, name: Path) -> None:
    note = name.with_suffix(".ok")
    if note.is_file() or _known(name, source) is not None:
        return
    command = [
        ffmpeg.executable(), "-hide_banner", "-nostdin", "-v", "error", "-fd", str(fd), "-i", "fd:",
        "-map", "0:a:0", "-t", str(MIN_MUSIC_MS / 1000 + 1), "-ac", "1", "-ar", str(rate), "-f", "s16le", "-",
    ]  # fmt: skip
    done = subprocess.run(command, pass_fds=(fd,), capture_output=True)
    if done.returncode == 0 and 0 < len(done.stdout) < 2 * MIN_MUSIC_MS * rate // 1000:
        raise MusicError(f"music {source}: lasts under {MIN_MUSIC_MS // 1000} s; give longer music")
    if done.returncode != 0 or not done.stdout:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = said[-1] if said else "no audio in it"
        raise MusicError(f"music {source}: not audio that ffmpeg can decode ({why}). {FIX}")
    files.write_atomic(note, b"")


def _known(name: Path, source: Path) -> Decoded | None:
    pcm, meta = name.with_suffix(".pcm"), name.with_suffix(".json")
    try:
        fields = json.loads(files.read_regular(meta, 10_000, follow=False))
        decoded = Decoded(source, pcm, int(fields["samples"]), float(fields["lufs"]), float(fields["peak"]))
        if pcm.stat().st_size != 2 * decoded.samples:
            return None
        return decoded
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _decode(fd: int, source: Path, rate: int, name: Path) -> Decoded:
    """The open file `fd` decoded (unless the cache holds it) to `name`.pcm through ffmpeg,
    measured as it goes; a MusicError if it is not audio or lasts under `MIN_MUSIC_MS`."""
    known = _known(name, source)
    if known is None:
        known = _decoded(fd, source, rate, name)
    if known.samples < MIN_MUSIC_MS * rate // 1000:
        raise MusicError(f"music {source}: lasts under {MIN_MUSIC_MS // 1000} s; give longer music")
    return known


def _decoded(fd: int, source: Path, rate: int, name: Path) -> Decoded:
    pcm, meta = name.with_suffix(".pcm"), name.with_suffix(".json")
    pcm.parent.mkdir(parents=True, exist_ok=True)
    temporary = pcm.with_name(f".{pcm.name}.{os.getpid()}.tmp")
    command = [
        ffmpeg.executable(), "-hide_banner", "-nostats", "-nostdin", "-fd", str(fd), "-i", "fd:",
        "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1", "-t", str(MAX_DECODED_S),
        # measured as it is played: mono at the track's rate (stereo music measures up to 3 dB louder)
        "-af", f"aformat=channel_layouts=mono:sample_rates={rate},ebur128=peak=true:framelog=verbose",
        "-f", "s16le", "-y", str(temporary),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, pass_fds=(fd,), capture_output=True, text=True, errors="replace")
        summary = done.stderr[done.stderr.rfind("Summary:") :]
        loudness = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
        peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
        samples = temporary.stat().st_size // 2 if temporary.exists() else 0
        if done.returncode != 0 or not loudness or not peak or samples == 0:
            why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no audio in it"
            raise MusicError(f"music {source}: not audio that ffmpeg can decode ({why}). {FIX}")
        decoded = Decoded(source, pcm, samples, float(loudness.group(1)), float(peak.group(1)))
        os.replace(temporary, pcm)
        files.write_atomic(
            meta, json.dumps({"samples": samples, "lufs": decoded.lufs, "peak": decoded.peak_dbtp}).encode()
        )
        return decoded
    finally:
        temporary.unlink(missing_ok=True)


_COPY = re.compile(r"\.?[0-9a-f]{64}\.(pcm|json|ok)(\.\d+\.tmp)?")


def copies(cache_root: Path) -> list[Path]:
    """The decoded copies (and their notes) in the cache, named as this module names them;
    none when the folder is a link."""
    folder = Path(cache_root) / FOLDER
    try:
        if folder.is_symlink():
            return []
    except OSError:  # a name too long, a folder not readable: nothing of ours there
        return []
    return [
        Path(entry.path)
        for entry in files.entries(folder)
        if _COPY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
    ]


def clear(cache_root: Path) -> tuple[int, int]:
    """Remove every decoded copy: (files removed, bytes freed). They are decoded again when needed."""
    removed = freed = 0
    for path in copies(cache_root):
        try:
            size = path.stat().st_size
            path.unlink()
        except OSError:
            continue
        removed, freed = removed + (path.suffix == ".pcm"), freed + size
    return removed, freed


def _playlist(path: Path) -> list[Path]:
    try:
        text = files.read_regular(path, MAX_PLAYLIST_BYTES).decode("utf-8-sig", errors="replace")
    except files.TooLarge:
        raise MusicError(f"music {path}: a playlist of over 1 MB; give a shorter one") from None
    except OSError as exc:
        raise MusicError(f"music {path}: cannot be read: {exc.strerror}. {FIX}") from None
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if "://" in entry:
            raise MusicError(
                f"music {path}, line {number}: {entry} is not a file here; a bed is made of local files"
            )
        found.append(path.parent / Path(entry).expanduser())
    if not found:
        raise MusicError(f"music {path}: the playlist lists no files")
    return found


def _is_audio(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES and not path.name.startswith(".") and not path.is_dir()


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(Path(folder).resolve())
    except (OSError, ValueError, RuntimeError):
        return False
