"""The podcast feed over the output folder: RSS 2.0 with Apple's iTunes tags, Podcasting 2.0
chapters and transcripts and Podlove Simple Chapters, so an app on the phone subscribes once
and gets every rebuild.

An episode is its audio: the guid is the track's content hash, so a rebuild with other audio
is a new episode and a copied, touched or restored folder changes none. A split build's
tracks are numbered episodes whose dates keep their order, one second apart.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

from audioguide.web.library import MS_PER_SECOND, Track

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
PSC = "http://podlove.org/simple-chapters"
PSC_VERSION = "1.2"
ARTWORK_PX = 1400  # Apple's smallest accepted square (1400 to 3000 pixels)
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
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")

for _prefix, _uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM), ("psc", PSC)):
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class Links:
    """The absolute addresses the feed points at; the web app knows its routes, the feed does not."""

    page: str
    feed: str
    audio: Callable[[Track], str]
    artwork: Callable[[Track], str]  # a square JPEG of ARTWORK_PX, at an address ending in .jpg
    chapters: Callable[[Track], str]
    captions: Callable[[Track], str]


@dataclass(frozen=True)
class Owner:
    """Who the feed names as its owner (itunes:owner); directories write to the email."""

    name: str
    email: str = ""


def feed_xml(tracks: list[Track], links: Links, owner: Owner | None = None) -> bytes:
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
    _text(channel, f"{{{ITUNES}}}author", owner.name if owner and owner.name else AUTHOR)
    if owner and owner.email:  # an owner without an email is an error to feed validators
        who = ET.SubElement(channel, f"{{{ITUNES}}}owner")
        _text(who, f"{{{ITUNES}}}name", owner.name or AUTHOR)
        _text(who, f"{{{ITUNES}}}email", owner.email)
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    _text(channel, f"{{{ITUNES}}}type", "episodic")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": CATEGORY})
    if tracks:
        _text(channel, "lastBuildDate", _date(max(track.modified for track in tracks)))
        covered = [track for track in tracks if track.cover_mime]
        if covered:
            image = links.artwork(covered[0])
            ET.SubElement(channel, f"{{{ITUNES}}}image", {"href": image})
            picture = ET.SubElement(channel, "image")
            _text(picture, "url", image)
            _text(picture, "title", FEED_TITLE)
            _text(picture, "link", links.page)
    latest: dict[str, float] = {}
    for track in tracks:
        latest[track.group] = max(latest.get(track.group, 0.0), track.modified)
    for track in tracks:
        # A split build's last track is dated when the build finished, each before it a second earlier.
        published = latest[track.group] - (track.of - track.number if track.album else 0)
        _item(channel, track, links, published)
    for element in rss.iter():  # every field, wherever it came from (an ID3 title, a file name)
        element.text = xml_text(element.text) if element.text else element.text
        for key, value in element.attrib.items():
            element.attrib[key] = xml_text(value)
    ET.indent(rss, space=" ")
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def xml_text(text: str) -> str:
    """Text XML 1.0 can hold: control characters (but tab and newline), lone surrogates and
    the two non-characters U+FFFE and U+FFFF removed. ElementTree escapes & and < itself."""
    return _NOT_XML.sub("", text)


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


def psc_time(ms: int) -> str:
    """A Podlove Simple Chapters start time, HH:MM:SS.mmm."""
    seconds, millis = divmod(ms, MS_PER_SECOND)
    hours, rest = divmod(seconds, SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, SECONDS_PER_MINUTE)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _item(channel: ET.Element, track: Track, links: Links, published: float) -> None:
    item = ET.SubElement(channel, "item")
    title = f"{track.album_title} {track.number}/{track.of}: {track.title}" if track.album else track.title
    _text(item, "title", title)
    _text(item, "description", _summary(track))
    _text(item, "guid", f"audioguide:{track.digest}", isPermaLink="false")
    _text(item, "pubDate", _date(published))
    ET.SubElement(
        item, "enclosure", {"url": links.audio(track), "length": str(track.size), "type": AUDIO_TYPE}
    )
    _text(item, f"{{{ITUNES}}}duration", duration_text(track.duration_ms))
    _text(item, f"{{{ITUNES}}}episodeType", "full")
    if track.album:
        _text(item, f"{{{ITUNES}}}episode", str(track.number))
    _text(item, f"{{{ITUNES}}}explicit", "false")
    if track.cover_mime:
        ET.SubElement(item, f"{{{ITUNES}}}image", {"href": links.artwork(track)})
    if track.chapters:
        ET.SubElement(item, f"{{{PODCAST}}}chapters", {"url": links.chapters(track), "type": CHAPTERS_TYPE})
        marks = ET.SubElement(item, f"{{{PSC}}}chapters", {"version": PSC_VERSION})
        for chapter in track.chapters:
            ET.SubElement(
                marks, f"{{{PSC}}}chapter", {"start": psc_time(chapter.start_ms), "title": chapter.title}
            )
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
