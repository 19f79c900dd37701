"""The training log: one line per session, kept in the output folder: a track played through
on the page (web/) or a live session with the coach (live/).

The file (`.audioguide-log.jsonl`, never served) is JSON Lines, one session a line:
`{"date": "2026-12-03T07:42:10+01:00", "routine": "Feet and back", "track": "Feet and back",
"file": "feet-and-back.mp3", "level": "medium", "changed": ""}`. The date is this computer's
local time. Nothing leaves the computer. A line that does not read is skipped, so a
hand-edited or cut-off file still shows the rest.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol

from audioguide.files import NotRegularFile, kind_of, open_regular

LOG_FILE = ".audioguide-log.jsonl"
PLAYED_FRACTION = 0.9  # a track played this far through counts as a session
SHOWN = 10  # the last sessions the page and `audioguide log` show
MAX_LOG_BYTES = 5_000_000  # years of sessions; a larger file is read from its end
MAX_FILE_BYTES = 1 << 40  # any size is read, from its end
READ_CHUNK = 1 << 16
PRIVATE = 0o600  # what was played, and when, is the user's own
_WRITE = threading.Lock()


class Played(Protocol):
    """What the log needs of a track played on the page (web.library.Track has it)."""

    title: str
    album_title: str
    name: str
    level: str
    changed: str


@dataclass(frozen=True)
class Session:
    date: str  # ISO 8601 with the UTC offset, local time
    routine: str
    track: str  # the track's title: the routine's, or a split build's exercise
    file: str
    level: str
    changed: str  # what overrides changed, "" for the routine as written
    # A live session (`coach`): "completed" or "stopped at <part>", and how often it was paused
    # or skipped (next, back); "" and 0 for a track played on the page.
    live: str = ""
    pauses: int = 0
    skips: int = 0

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.date)

    def to_json(self) -> dict[str, str | int]:
        fields = asdict(self)
        return fields if self.live else {k: v for k, v in fields.items() if k not in _LIVE_FIELDS}

    def line(self) -> str:
        """The session as `audioguide log` prints it."""
        what = self.routine if self.track == self.routine else f"{self.routine}: {self.track}"
        extra = f", changed: {self.changed}" if self.changed else ""
        if self.live:
            extra += f", live: {self.live}, {_counted(self.pauses, 'pause')}, {_counted(self.skips, 'skip')}"
        return f"{self.when:%a %d %b %Y %H:%M}  {what} (level {self.level or '?'}{extra})"


_LIVE_FIELDS = ("live", "pauses", "skips")


def _counted(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def path(folder: Path) -> Path:
    return folder / LOG_FILE


def record(folder: Path, track: Played, now: datetime | None = None) -> Session:
    """Append a session for `track`, played through now."""
    when = (now or datetime.now()).astimezone().replace(microsecond=0)
    session = Session(
        date=when.isoformat(),
        routine=track.album_title or track.title,
        track=track.title,
        file=track.name,
        level=track.level,
        changed=track.changed,
    )
    return append(folder, session)


def record_live(
    folder: Path,
    routine: str,
    level: str,
    changed: str,
    live: str,
    pauses: int,
    skips: int,
    now: datetime | None = None,
) -> Session:
    """Append a live session with the coach that ended now: `live` is completed or stopped at..."""
    when = (now or datetime.now()).astimezone().replace(microsecond=0)
    session = Session(when.isoformat(), routine, routine, "", level, changed, live, pauses, skips)
    return append(folder, session)


def append(folder: Path, session: Session) -> Session:
    """Add `session` at the end of the log, a line of its own."""
    line = json.dumps(session.to_json(), ensure_ascii=False) + "\n"
    with _WRITE, _append(path(folder)) as log:
        end = log.seek(0, 2)
        if end:
            log.seek(end - 1)
            if log.read(1) != b"\n":
                line = "\n" + line  # a line cut off before stays its own; this session reads whole
        log.write(line.encode("utf-8"))  # appended at the end, whatever was read
    return session


def _append(log: Path) -> BinaryIO:
    """The log open to read and append: a regular file only, never through a link, never waiting
    on a pipe put in its place. Raises OSError."""
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(log, flags | getattr(os, "O_CLOEXEC", 0), PRIVATE)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegularFile(errno.EINVAL, f"is {kind_of(mode)}, not a file", str(log))
    return os.fdopen(fd, "a+b")


def read(folder: Path) -> list[Session]:
    """Every session the log holds, oldest first; [] when there is no log yet."""
    try:
        with open_regular(path(folder), MAX_FILE_BYTES, follow=False) as fd:
            size = os.fstat(fd).st_size
            os.lseek(fd, max(0, size - MAX_LOG_BYTES), os.SEEK_SET)
            data = b"".join(iter(lambda: os.read(fd, READ_CHUNK), b""))[:MAX_LOG_BYTES]
    except OSError:
        return []
    sessions = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            fields = json.loads(line)
            known = [key for key in Session.__dataclass_fields__ if key in fields]
            session = Session(**{key: _typed(key, fields) for key in known})
            datetime.fromisoformat(session.date)  # a date that does not read skips the line
        except (ValueError, TypeError, KeyError):
            continue
        sessions.append(session)
    return sessions


def _typed(key: str, fields: dict[str, object]) -> object:
    return int(fields[key]) if key in ("pauses", "skips") else str(fields[key])  # type: ignore[call-overload]


def this_week(sessions: list[Session], now: datetime | None = None) -> int:
    """How many sessions since Monday, 00:00 local time."""
    today = (now or datetime.now()).astimezone()
    monday = (today - timedelta(days=today.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return sum(1 for session in sessions if session.when.astimezone() >= monday)


def summary(folder: Path) -> dict[str, object]:
    """The last sessions, newest first, and this week's count: what the page shows."""
    sessions = read(folder)
    return {
        "sessions": [session.to_json() for session in reversed(sessions[-SHOWN:])],
        "this_week": this_week(sessions),
        "total": len(sessions),
    }
