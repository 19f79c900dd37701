"""The cue script: what is heard when. Immutable values with text and JSON forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

SPEECH = "speech"
TONE = "tone"
EventKind = Literal["speech", "tone"]
LENGTH_ROLE = "length"  # the role of the intro's phrase that states the track's length


@dataclass(frozen=True)
class Event:
    """One sound on the timeline. Silence between events is implied.

    For speech, `text` is the phrase; for a tone, its kind (`start` or `end`).
    `role` says what the cue is for (instruction, countdown, rep, halfway...).
    """

    kind: EventKind
    text: str
    start_ms: int
    end_ms: int
    chapter: int
    role: str

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "chapter": self.chapter,
            "role": self.role,
        }


@dataclass(frozen=True)
class Chapter:
    title: str
    start_ms: int
    end_ms: int

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "start_ms": self.start_ms, "end_ms": self.end_ms}


@dataclass(frozen=True)
class CueScript:
    title: str
    level: str
    events: tuple[Event, ...]
    chapters: tuple[Chapter, ...]
    duration_ms: int
    warnings: tuple[str, ...] = ()
    # Where a live session waits for "ready" (the end of each `until: ready` hold); a track does not.
    waits: tuple[int, ...] = ()

    def phrases(self) -> list[str]:
        """Every distinct spoken phrase, in order of first use."""
        return list(dict.fromkeys(e.text for e in self.events if e.kind == SPEECH))

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "level": self.level,
            "duration_ms": self.duration_ms,
            "chapters": [c.to_json() for c in self.chapters],
            "events": [e.to_json() for e in self.events],
            "warnings": list(self.warnings),
            **({"waits_ms": list(self.waits)} if self.waits else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CueScript:
        """The script `to_json` gave (a timeline JSON holds it); KeyError or TypeError if it is not one."""
        return cls(
            title=data["title"],
            level=data["level"],
            events=tuple(Event(**event) for event in data["events"]),
            chapters=tuple(Chapter(**chapter) for chapter in data["chapters"]),
            duration_ms=data["duration_ms"],
            warnings=tuple(data["warnings"]),
        )

    def to_text(self) -> str:
        """A readable cue sheet: chapters as headings, one cue a line with its time."""
        lines = [f"{self.title} ({self.level}), {clock(self.duration_ms)}"]
        for index, chapter in enumerate(self.chapters):
            lines += ["", f"{clock(chapter.start_ms)}  == {chapter.title} =="]
            for event in self.events:
                if event.chapter == index:
                    what = event.text if event.kind == SPEECH else f"[{event.text} tone]"
                    lines.append(f"{clock(event.start_ms)}  {what}")
        return "\n".join(lines) + "\n"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """A count that agrees with its number: `1 phrase`, `0 phrases`, `2 phrases`."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def clock(ms: int) -> str:
    """Milliseconds as m:ss (or h:mm:ss), rounded down to the second as a player shows it."""
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
