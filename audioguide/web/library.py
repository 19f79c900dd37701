"""What the page shows: the finished tracks in the output folder (choices.py: the routines a
phone may build).

Everything here is read from what a build wrote (the MP3's tags, its timeline sidecar) or
from the routine loader; nothing is worked out anew. Only names found by listing the
folder can be served, so a request can never reach a file outside it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import ID3, ID3NoHeaderError
from mutagen.mp3 import MP3

from audioguide.export import sidecar_paths
from audioguide.files import is_leftover, is_regular, read_regular

MP3_SUFFIX = ".mp3"
VTT_SUFFIX = ".vtt"
PLAYLIST_SUFFIX = ".m3u8"  # a split build's folder holds <folder>.m3u8 beside its tracks
DIGEST_CHARS = 16  # 64 bits of the content hash: a track's identity and its addresses' version
READ_CHUNK = 1 << 20
MAX_TIMELINE_BYTES = 20_000_000  # a 12-hour track's timeline is a few MB
MS_PER_SECOND = 1000
# The files beside a track that may be fetched, with the type a browser or podcast app expects.
SERVED_TYPES = {
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".lrc": "text/plain; charset=utf-8",
    ".timeline.json": "application/json",
    ".cues.txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Chapter:
    title: str
    start_ms: int


@dataclass(frozen=True)
class Track:
    """One finished track in the output folder, as its build described it."""

    name: str  # the path in the output folder, e.g. feet-and-back.mp3 or feet-and-back/01-toe-walking.mp3
    title: str
    duration_ms: int
    level: str
    language: str
    engine: str
    voice: str
    changed: str  # what overrides changed, "" for the routine as written
    size: int
    modified: float  # seconds since the epoch
    chapters: tuple[Chapter, ...]
    captions: str | None  # the .vtt beside it, if any
    cover_mime: str | None  # the embedded cover's type, if it has one
    digest: str  # the content's hash: the same bytes are the same episode, wherever they were copied
    album: str = ""  # a split build's folder name; "" for a whole-routine track
    album_title: str = ""  # the routine's title, as the tags' album
    number: int = 1  # the track's place in its album, from 1
    of: int = 1

    @property
    def stem(self) -> str:
        return self.name[: -len(MP3_SUFFIX)]

    @property
    def group(self) -> str:
        """The tracks listed together: a split build's folder, or the track alone."""
        return self.album or self.name

    @property
    def version(self) -> str:
        """Changes whenever the audio changes, and only then: a podcast app sees a new episode."""
        return self.digest

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "duration_ms": self.duration_ms,
            "level": self.level,
            "language": self.language,
            "engine": self.engine,
            "voice": self.voice,
            "changed": self.changed,
            "size": self.size,
            "modified": self.modified,
            "version": self.version,
            "captions": self.captions,
            "cover": self.cover_mime is not None,
            "album": self.album,
            "album_title": self.album_title,
            "number": self.number,
            "of": self.of,
            "chapters": [{"title": c.title, "start_ms": c.start_ms} for c in self.chapters],
        }


class Library:
    """The output folder's tracks, read again only when a file changes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[tuple[int, int], Track]] = {}

    def tracks(self) -> list[Track]:
        """Every finished track, newest first; a split build's tracks together and in order.

        A temporary file of a build is never one.
        """
        found = [self._track(path, path.name) for path in _mp3s(self.folder)]
        for folder in _albums(self.folder):
            found += [self._track(path, f"{folder.name}/{path.name}") for path in _mp3s(folder)]
        ready = [track for track in found if track is not None]
        latest: dict[str, float] = {}
        for track in ready:
            latest[track.group] = max(latest.get(track.group, 0.0), track.modified)
        return sorted(ready, key=lambda t: (-latest[t.group], t.group, t.number, t.name))

    def _track(self, path: Path, name: str) -> Track | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._seen.get(name)
        if cached is None or cached[0] != key:
            try:
                cached = (key, _read_track(path, name, stat.st_mtime, stat.st_size))
            except (OSError, MutagenError, ValueError):
                return None  # replaced or half-read while we looked; the next listing has it
            with self._lock:
                self._seen[name] = cached
        return cached[1]

    def track(self, name: str) -> Track | None:
        return next((track for track in self.tracks() if track.name == name), None)

    def file(self, name: str) -> tuple[Path, str] | None:
        """A track or one of its sidecars by file name, with its content type; None if not served."""
        for track in self.tracks():
            for suffix, media_type in SERVED_TYPES.items():
                if name == track.stem + suffix:
                    path = self.folder / name
                    return (path, media_type) if is_regular(path) else None
        return None

    def cover(self, name: str) -> tuple[bytes, str] | None:
        """The picture embedded in a track, and its type."""
        track = self.track(name)
        if track is None or track.cover_mime is None:
            return None
        try:
            pictures = ID3(self.folder / name).getall("APIC")
        except (OSError, MutagenError):
            return None
        return (pictures[0].data, pictures[0].mime) if pictures else None


def _listing(folder: Path) -> list[Path]:
    """The folder's entries in order; none if it cannot be read."""
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _addressable(name: str) -> bool:
    """A name an address can carry: one that is not valid UTF-8 (its bytes kept as surrogates)
    cannot be sent in JSON, XML or a URL, so its track is left out of the listing."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _mp3s(folder: Path) -> list[Path]:
    return [
        path
        for path in _listing(folder)
        if _addressable(path.name)
        and path.suffix.lower() == MP3_SUFFIX
        and not is_leftover(path.name)
        and not path.name.startswith(".")
        and is_regular(path)
    ]


def _albums(folder: Path) -> list[Path]:
    """The split builds' folders: a subfolder with its own playlist (never one level deeper)."""
    return [
        path
        for path in _listing(folder)
        if not path.name.startswith(".")
        and _addressable(path.name)
        and path.is_dir()
        and (path / (path.name + PLAYLIST_SUFFIX)).is_file()
    ]


def _read_track(path: Path, name: str, modified: float, size: int) -> Track:
    split = "/" in name
    about = path.parent / (path.parent.name + PLAYLIST_SUFFIX) if split else path
    timeline = _timeline(sidecar_paths(about)[0])
    try:
        tags = ID3(path)
    except ID3NoHeaderError:
        tags = ID3()
    title_frame = tags.get("TIT2")
    title = _text(title_frame.text[0]) if title_frame else _text(timeline.get("title", path.stem))
    album_frame = tags.get("TALB")
    covers = tags.getall("APIC")
    number, of = _track_number(tags)
    if split:
        duration_ms, chapters = _from_tags(tags, path)
    else:
        duration_ms = timeline.get("duration_ms")
        if not isinstance(duration_ms, int) or isinstance(duration_ms, bool) or duration_ms < 0:
            duration_ms = round(MP3(path).info.length * MS_PER_SECOND)
        chapters = _chapters(timeline.get("chapters"))
    voice = _text(timeline.get("voice", ""))
    captions = path.with_suffix(VTT_SUFFIX)
    return Track(
        name=name,
        title=title,
        duration_ms=duration_ms,
        level=_text(timeline.get("level", "")),
        language=voice.split("/")[0],
        engine=_text(timeline.get("engine", "")),
        voice=voice,
        changed=_text(timeline.get("changed", "")),
        size=size,
        modified=modified,
        chapters=chapters,
        captions=name[: -len(path.name)] + captions.name if is_regular(captions) else None,
        cover_mime=covers[0].mime if covers else None,
        digest=_digest(path),
        album=path.parent.name if split else "",
        album_title=_text(album_frame.text[0]) if album_frame else title,
        number=number,
        of=of,
    )


def _text(value: object) -> str:
    """Text from a file someone may have edited, sendable as UTF-8: a lone surrogate ("\\ud800"
    in the timeline's JSON) becomes "?"."""
    return str(value).encode("utf-8", "replace").decode("utf-8")


def _timeline(path: Path) -> dict[str, object]:
    """The timeline sidecar's fields; {} unless it is a regular file (never a pipe, a device or a
    link, which could park the thread that reads it) holding a JSON object."""
    try:
        timeline = json.loads(read_regular(path, MAX_TIMELINE_BYTES, follow=False).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return timeline if isinstance(timeline, dict) else {}


def _chapters(found: object) -> tuple[Chapter, ...]:
    """The timeline's chapters that have a title and a whole-number start; others are left out."""
    if not isinstance(found, list):
        return ()
    return tuple(
        Chapter(_text(c["title"]), c["start_ms"])
        for c in found
        if isinstance(c, dict)
        and "title" in c
        and isinstance(c.get("start_ms"), int)
        and not isinstance(c["start_ms"], bool)
    )


def _from_tags(tags: ID3, path: Path) -> tuple[int, tuple[Chapter, ...]]:
    """A split track's length and chapters, as its own tags give them (TLEN, CHAP)."""
    length = tags.get("TLEN")
    try:
        duration_ms = int(_text(length.text[0])) if length else round(MP3(path).info.length * MS_PER_SECOND)
    except ValueError:
        duration_ms = round(MP3(path).info.length * MS_PER_SECOND)
    frames = sorted(tags.getall("CHAP"), key=lambda frame: frame.start_time)
    chapters = tuple(
        Chapter(_text(frame.sub_frames["TIT2"].text[0]), int(frame.start_time))
        for frame in frames
        if "TIT2" in frame.sub_frames
    )
    return duration_ms, chapters


def _track_number(tags: ID3) -> tuple[int, int]:
    """TRCK's "n/N" as numbers; (1, 1) where it is missing or not numbers."""
    frame = tags.get("TRCK")
    number, _, of = str(frame.text[0]).partition("/") if frame else ("1", "", "1")
    try:
        return max(1, int(number)), max(1, int(of or number))
    except ValueError:
        return 1, 1


def _digest(path: Path) -> str:
    content = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(READ_CHUNK):
            content.update(chunk)
    return content.hexdigest()[:DIGEST_CHARS]
