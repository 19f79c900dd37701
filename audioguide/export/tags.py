"""ID3v2.3 tags, the version phones read most widely: text tags, cover, chapters, lyrics.

Chapters are one CHAP frame per chapter with its title, under a top-level ordered CTOC,
at the timeline's own times (the audible time, as ffmpeg's MP3 writer stores them).
They are written in time order: mutagen sorts frames by size, and ffmpeg and ffprobe
list chapters in the order their frames appear. The year is TYER, the v2.3 frame (TDRC
is v2.4's, which v2.3 readers drop). An `iTunSMPB` comment gives Apple's players the
gapless information the Info/LAME header gives everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    SYLT,
    TALB,
    TCON,
    TIT2,
    TLEN,
    TPE1,
    TPE2,
    TRCK,
    TYER,
    USLT,
    CTOCFlags,
    Encoding,
    PictureType,
)

# mutagen has no public way to choose the frame order; its writer is overridden below.
from mutagen.id3._tags import save_frame

from audioguide.cues import CueScript
from audioguide.export.cover import Cover
from audioguide.export.mp3frames import Gapless
from audioguide.export.text import ARTIST, lines

GENRE = "Fitness"
LANGUAGE = "eng"  # ID3 needs a language code on comments and lyrics; the text is the routine's
SYLT_MILLISECONDS = 2  # SYLT time stamp format: absolute milliseconds
SYLT_LYRICS = 1  # SYLT content type: lyrics
TOC_ID = "toc"
ITUNES_GAPLESS = "iTunSMPB"


@dataclass(frozen=True)
class TrackTags:
    """What a track's tags say about it."""

    title: str
    album: str
    settings: str  # how it was built, e.g. "level medium; engine pico; voice en-US"
    year: str = ""
    track: tuple[int, int] | None = None  # (number, of) in split mode


class _TimeOrderedID3(ID3):
    """ID3 that writes CHAP frames last and in time order, after mutagen's own order.

    The iTunSMPB comment goes last too: players that show one comment show the first.
    """

    def _write(self, config):
        gapless = self.getall(f"COMM:{ITUNES_GAPLESS}:{LANGUAGE}")
        chapters = sorted(self.getall("CHAP"), key=lambda frame: frame.start_time)
        self.delall("CHAP")
        self.delall(f"COMM:{ITUNES_GAPLESS}:{LANGUAGE}")
        try:
            head = super()._write(config)
        finally:
            for frame in chapters + gapless:
                self.add(frame)
        return head + b"".join(save_frame(frame, config=config) for frame in chapters + gapless)


def write_tags(
    path: Path, script: CueScript, tags: TrackTags, cover: Cover | None, gapless: Gapless | None = None
) -> None:
    """Replace any tags in the MP3 at `path` with the track's tags, chapters and cue text.

    `gapless` (from the encoder) is written as the `iTunSMPB` comment.
    """
    id3 = _TimeOrderedID3()
    text = Encoding.UTF16  # ID3v2.3 has no UTF-8; UTF-16 carries any routine's language
    id3.add(TIT2(encoding=text, text=tags.title))
    id3.add(TPE1(encoding=text, text=ARTIST))
    id3.add(TPE2(encoding=text, text=ARTIST))  # album artist: phones group the album by it
    id3.add(TALB(encoding=text, text=tags.album))
    id3.add(TCON(encoding=text, text=GENRE))
    id3.add(TLEN(encoding=text, text=str(script.duration_ms)))
    if tags.year:
        id3.add(TYER(encoding=text, text=tags.year))
    if tags.track:
        id3.add(TRCK(encoding=text, text=f"{tags.track[0]}/{tags.track[1]}"))
    id3.add(COMM(encoding=text, lang=LANGUAGE, desc="", text=tags.settings))
    if gapless:
        id3.add(COMM(encoding=Encoding.LATIN1, lang=LANGUAGE, desc=ITUNES_GAPLESS, text=gapless.itunsmpb()))
    if cover:
        id3.add(
            APIC(encoding=text, mime=cover.mime, type=PictureType.COVER_FRONT, desc="Cover", data=cover.data)
        )
    ids = [f"ch{index}" for index in range(len(script.chapters))]
    id3.add(
        CTOC(
            element_id=TOC_ID,
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=text, text="Chapters")],
        )
    )
    for element_id, chapter in zip(ids, script.chapters, strict=True):
        id3.add(
            CHAP(
                element_id=element_id,
                start_time=chapter.start_ms,
                end_time=chapter.end_ms,
                sub_frames=[TIT2(encoding=text, text=chapter.title)],
            )
        )
    spoken = lines(script)
    id3.add(
        SYLT(
            encoding=text,
            lang=LANGUAGE,
            format=SYLT_MILLISECONDS,
            type=SYLT_LYRICS,
            desc="",
            text=[(line.text, line.start_ms) for line in spoken],
        )
    )
    id3.add(USLT(encoding=text, lang=LANGUAGE, desc="", text=script.to_text()))
    id3.save(path, v2_version=3, v1=0)
