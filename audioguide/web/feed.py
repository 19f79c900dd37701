"""The podcast feed over the output folder: RSS 2.0 with Apple's iTunes tags and Podcasting 2.0
chapters and transcripts, so an app on the phone subscribes once and gets every rebuild.

Each build of a track is its own episode (its guid carries the build's version), so apps
download the new audio instead of keeping the old file under the old episode.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

from audioguide.web.library import MS_PER_SECOND, Track

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CHAPTERS_TYPE = "application/json+chapters"
CHAPTERS_VERSION = "1.2.0"
AUDIO_TYPE = "audio/mpeg"
CAPTIONS_TYPE = "text/vtt"
CATEGORY = "Health & Fitness"
AUTHOR = "audioguide"
FEED_TITLE = "audioguide tracks"
FEED_DESCRIPTION = "Narrated, exactly timed exercise tracks built by audioguide on your computer."
SECONDS_PER_HOUR = 3600
SECONDS_PER_MINUTE = 60

for _prefix, _uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM)):
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class Links:
    """The absolute addresses the feed points at; the web app knows its routes, the feed does not."""

    page: str
    feed: str
    audio: Callable[[Track], str]
    cover: Callable[[Track], str]
    chapters: Callable[[Track], str]
    captions: Callable[[Track], str]


def feed_xml(tracks: list[Track], links: Links) -> bytes:
    """The RSS document for `tracks` (newest first), as UTF-8 bytes with an XML declaration."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", FEED_TITLE)
    _text(channel, "link", links.page)
    _text(channel, "description", FEED_DESCRIPTION)
    _text(channel, "language", _rss_language(tracks[0].language) if tracks else "en")
    _text(channel, "generator", AUTHOR)
    ET.SubElement(
        channel, f"{{{ATOM}}}link", {"href": links.feed, "rel": "self", "type": "application/rss+xml"}
    )
    _text(channel, f"{{{ITUNES}}}author", AUTHOR)
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    _text(channel, f"{{{ITUNES}}}type", "episodic")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": CATEGORY})
    if tracks:
        _text(channel, "lastBuildDate", _date(max(track.modified for track in tracks)))
        covered = [track for track in tracks if track.cover_mime]
        if covered:
            image = links.cover(covered[0])
            ET.SubElement(channel, f"{{{ITUNES}}}image", {"href": image})
            picture = ET.SubElement(channel, "image")
            _text(picture, "url", image)
            _text(picture, "title", FEED_TITLE)
            _text(picture, "link", links.page)
    for track in tracks:
        _item(channel, track, links)
    ET.indent(rss, space=" ")
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def chapters_json(track: Track) -> dict[str, object]:
    """Podcasting 2.0 JSON chapters, from the times the track was rendered with."""
    return {
        "version": CHAPTERS_VERSION,
        "chapters": [
            {"startTime": chapter.start_ms / MS_PER_SECOND, "title": chapter.title}
            for chapter in track.chapters
        ],
    }


def duration_text(ms: int) -> str:
    """itunes:duration as HH:MM:SS, rounded up so a player never shows the end early."""
    seconds = -(-ms // MS_PER_SECOND)
    hours, rest = divmod(seconds, SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, SECONDS_PER_MINUTE)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def _item(channel: ET.Element, track: Track, links: Links) -> None:
    item = ET.SubElement(channel, "item")
    _text(item, "title", track.title)
    _text(item, "description", _summary(track))
    _text(item, "guid", f"{track.stem}/{track.version}", isPermaLink="false")
    _text(item, "pubDate", _date(track.modified))
    ET.SubElement(
        item, "enclosure", {"url": links.audio(track), "length": str(track.size), "type": AUDIO_TYPE}
    )
    _text(item, f"{{{ITUNES}}}duration", duration_text(track.duration_ms))
    _text(item, f"{{{ITUNES}}}episodeType", "full")
    _text(item, f"{{{ITUNES}}}explicit", "false")
    if track.cover_mime:
        ET.SubElement(item, f"{{{ITUNES}}}image", {"href": links.cover(track)})
    if track.chapters:
        ET.SubElement(item, f"{{{PODCAST}}}chapters", {"url": links.chapters(track), "type": CHAPTERS_TYPE})
    if track.captions:
        ET.SubElement(item, f"{{{PODCAST}}}transcript", {"url": links.captions(track), "type": CAPTIONS_TYPE})


def _summary(track: Track) -> str:
    parts = [f"Level {track.level}" if track.level else "", f"voice {track.engine} {track.voice}".strip()]
    if track.changed:
        parts.append(f"changed: {track.changed}")
    chapters = ", ".join(chapter.title for chapter in track.chapters)
    text = "; ".join(part for part in parts if part and part != "voice")
    return f"{text}. Chapters: {chapters}." if chapters else f"{text}."


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


def _date(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, timezone.utc), usegmt=True)


def _rss_language(code: str) -> str:
    """RSS wants a language tag such as en-us; engines give en-US, en or de-DE."""
    return code.lower() if code else "en"
