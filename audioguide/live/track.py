"""The built track as a live coach sees it: its sounds in place, its parts, its timed work.

Positions are samples of the track at its rate. Nothing here plays or waits: `Track.pcm`
gives any stretch of the track, the same samples `render.pcm_chunks` gives for it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from audioguide import render
from audioguide.cues import SPEECH, TONE, CueScript
from audioguide.render import ClipFor, Placed

REST_ROLE = "rest"  # "Rest for ten seconds.": "next" skips the rest, to what comes next


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def holds(self, at: int) -> bool:
        return self.start <= at < self.end


class Track:
    """A cue script with its clips, laid out at `rate` as the built track lays it out."""

    def __init__(
        self, script: CueScript, clip_for: ClipFor, rate: int, instructions: frozenset[str] = frozenset()
    ) -> None:
        self.script = script
        self.instructions = instructions  # the steps' own words: what "repeat" says again
        self.clip_for = clip_for
        self.rate = rate
        self.sounds: list[Placed] = render.placements(script, clip_for, rate)
        self.length = render.sample_at(script.duration_ms, rate)
        self.parts = [render.sample_at(c.start_ms, rate) for c in script.chapters]
        self.titles = [c.title for c in script.chapters]
        self.work = _work_spans(self.sounds)
        self.waits = sorted(render.sample_at(ms, rate) for ms in script.waits)

    def pcm(self, start: int, end: int) -> bytes:
        """Samples `start` to `end` of the track, exactly as rendered."""
        return bytes(render.pcm_span(self.sounds, start, end, self.clip_for, self.rate))

    def part_at(self, at: int) -> int:
        """The index of the part (chapter) playing at `at`."""
        return max(0, bisect_right(self.parts, at) - 1)

    def part_end(self, index: int) -> int:
        return self.parts[index + 1] if index + 1 < len(self.parts) else self.length

    def work_at(self, at: int) -> Span | None:
        """The timed work (start tone to end tone) under way at `at`, if any."""
        return next((span for span in self.work if span.holds(at)), None)

    def sound_at(self, at: int) -> Placed | None:
        """The sound playing at `at`, if any."""
        return next((s for s in self.sounds if s.start <= at < s.end), None)

    def next_wait(self, at: int) -> int | None:
        """The first place at or after `at` where a live session waits for "ready"."""
        return next((w for w in self.waits if w >= at), None)

    def next_announcement(self, at: int) -> int:
        """Where "next" goes: the next part's start, after its "Rest for..." if it opens with one."""
        index = self.part_at(at)
        following = self.part_end(index)
        first = next((s for s in self.sounds if s.start >= following), None)
        if first is not None and first.role == REST_ROLE and self.part_at(first.start) == index + 1:
            return next((s.start for s in self.sounds if s.start > first.start), first.end)
        return following

    def previous_start(self, at: int, grace: int) -> int:
        """Where "back" goes: this part's start, or the one before if this one began under `grace` ago."""
        index = self.part_at(at)
        if at - self.parts[index] < grace and index > 0:
            index -= 1
        return self.parts[index]

    def instruction_before(self, at: int) -> Placed | None:
        """The last step instruction said at or before `at` in this part, else the last speech before it."""
        start = self.parts[self.part_at(at)]
        said = [s for s in self.sounds if s.kind == SPEECH and s.start <= at]
        instructions = [s for s in said if s.text in self.instructions and s.start >= start]
        return (instructions or said or [None])[-1]


def _work_spans(sounds: list[Placed]) -> list[Span]:
    """Each start tone to the next end tone (or start tone, after a hold with `end_tone: false`):
    the timed work a pause must keep exact."""
    spans: list[Span] = []
    start = None
    for sound in sounds:
        if sound.kind != TONE or sound.text not in ("start", "end"):
            continue
        if start is not None:
            spans.append(Span(start, sound.start))
        start = sound.start if sound.text == "start" else None
    return spans
