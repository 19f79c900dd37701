"""The text files beside a track: timeline JSON, synced lyrics (.lrc, .vtt) and playlists.

Every time here comes from the cue script's timeline, the same numbers the audio was
rendered from; nothing is measured back from the audio.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from audioguide import fingerprint
from audioguide.cues import SPEECH, CueScript

ARTIST = "audioguide"
MS_PER_CENTISECOND = 10


@dataclass(frozen=True)
class Line:
    """One spoken cue, as a phone shows it while the voice says it."""

    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class PlaylistEntry:
    file_name: str
    title: str
    duration_ms: int


def lines(script: CueScript) -> tuple[Line, ...]:
    """The spoken cues in time order; tones have no words to show."""
    return tuple(Line(e.start_ms, e.end_ms, e.text) for e in script.events if e.kind == SPEECH)


def timeline_json(
    script: CueScript,
    engine: str,
    voice: str,
    custom: str = "",
    source: str = "",
    record: fingerprint.Record | None = None,
) -> str:
    """The cue script as JSON, with the voice that spoke it, what overrides changed, the
    routine it was made from (`source`: a file's absolute path, or `builtin:NAME`) and the
    build's fingerprint record (fingerprint.py), where it has one."""
    data: dict[str, Any] = {
        **script.to_json(), "engine": engine, "voice": voice, "changed": custom, "source": source,
    }  # fmt: skip
    if record is not None:
        data[fingerprint.RECORD_KEY] = record.to_json()
    return json.dumps(data, indent=1) + "\n"


def lrc(script: CueScript, title: str, album: str) -> str:
    """LRC lyrics: `[mm:ss.xx]text`, times rounded down to the hundredth of a second."""
    header = [f"[ti:{title}]", f"[al:{album}]", f"[ar:{ARTIST}]", f"[length:{_lrc_time(script.duration_ms)}]"]
    body = [f"[{_lrc_time(line.start_ms)}]{line.text}" for line in lines(script)]
    return "\n".join(header + body) + "\n"


def vtt(script: CueScript) -> str:
    """WebVTT captions: each cue shown from its start to its end."""
    blocks = ["WEBVTT"]
    for number, line in enumerate(lines(script), 1):
        timing = f"{_vtt_time(line.start_ms)} --> {_vtt_time(line.end_ms)}"
        blocks.append(f"{number}\n{timing}\n{_vtt_text(line.text)}")
    return "\n\n".join(blocks) + "\n"


def _vtt_text(text: str) -> str:
    """A cue's text as WebVTT allows it: `&`, `<` and `>` escaped (so `-->` cannot end a
    timing line early), and no blank line, which would end the cue."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "\n".join(line for line in escaped.splitlines() if line.strip())


def m3u8(title: str, entries: Sequence[PlaylistEntry]) -> str:
    """An extended M3U playlist (UTF-8) with each track's length in whole seconds."""
    out = ["#EXTM3U", f"#PLAYLIST:{title}"]
    for entry in entries:
        seconds = (entry.duration_ms + 500) // 1000
        out += [f"#EXTINF:{seconds},{ARTIST} - {entry.title}", entry.file_name]
    return "\n".join(out) + "\n"


def playlist_files(text: str) -> list[str]:
    """The file names a playlist lists (its lines that are not comments)."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _lrc_time(ms: int) -> str:
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes:02d}:{rest // 1000:02d}.{rest % 1000 // MS_PER_CENTISECOND:02d}"


def _vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
