"""Split mode: the cue script cut into one part per exercise, and the PCM cut to match.

The introduction belongs to the first exercise's part and the finish to the last one's,
so every part is an exercise and the parts together are the whole track, sample for sample.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from audioguide.cues import Chapter, CueScript
from audioguide.render import sample_at
from audioguide.routine import slugify

BYTES_PER_SAMPLE = 2  # mono 16-bit PCM


@dataclass(frozen=True)
class Part:
    number: int  # from 1
    title: str
    start_ms: int
    end_ms: int
    script: CueScript  # the part's own cues and chapters, timed from its start

    @property
    def file_stem(self) -> str:
        return f"{self.number:02d}-{slugify(self.title)}"

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def split(script: CueScript) -> tuple[Part, ...]:
    """One part per exercise chapter; the first and last chapters join their neighbours."""
    chapters = script.chapters
    exercises = range(1, len(chapters) - 1) if len(chapters) > 2 else range(len(chapters))
    groups = [[index] for index in exercises]
    if len(chapters) > 2:
        groups[0].insert(0, 0)
        groups[-1].append(len(chapters) - 1)
    return tuple(_part(script, number, group) for number, group in enumerate(groups, 1))


def _part(script: CueScript, number: int, indexes: list[int]) -> Part:
    first, last = script.chapters[indexes[0]], script.chapters[indexes[-1]]
    start, end = first.start_ms, last.end_ms
    # The exercise's own chapter names the part, not the introduction before it.
    title = script.chapters[indexes[1] if number == 1 and len(indexes) > 1 else indexes[0]].title
    events = tuple(
        replace(e, start_ms=e.start_ms - start, end_ms=e.end_ms - start, chapter=indexes.index(e.chapter))
        for e in script.events
        if e.chapter in indexes
    )
    chapters = tuple(
        Chapter(c.title, c.start_ms - start, c.end_ms - start)
        for c in script.chapters[indexes[0] : indexes[-1] + 1]
    )
    return Part(
        number=number,
        title=title,
        start_ms=start,
        end_ms=end,
        script=replace(script, events=events, chapters=chapters, duration_ms=end - start, warnings=()),
    )


def byte_lengths(parts: Iterable[Part], rate: int) -> list[int]:
    """Each part's length in PCM bytes, cut at the same samples the renderer places events on."""
    return [
        (sample_at(part.end_ms, rate) - sample_at(part.start_ms, rate)) * BYTES_PER_SAMPLE for part in parts
    ]


class Cutter:
    """Hands out a stream of PCM chunks as consecutive pieces of given byte lengths."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._left = b""

    def take(self, length: int) -> Iterator[bytes]:
        while length > 0:
            if not self._left:
                self._left = next(self._chunks, b"")
                if not self._left:
                    return
            piece, self._left = self._left[:length], self._left[length:]
            length -= len(piece)
            yield piece
