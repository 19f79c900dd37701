"""The podcast feed's XML: every field, whatever a tag or a file holds, is text XML can carry."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from audioguide.web import feed
from audioguide.web.library import Chapter, Track

HOSTILE = "Squats\x00\x01\x08\x0b\x0c\x1b\x7f\ud800\ufffe <&> ]]>"


def test_control_characters_in_any_field_are_removed_and_the_feed_parses():
    track = Track(
        name="a\x01.mp3",
        title=HOSTILE,
        duration_ms=60_000,
        level=HOSTILE,
        language="en",
        engine="pico",
        voice=HOSTILE,
        changed=HOSTILE,
        size=1,
        modified=0.0,
        chapters=(Chapter(HOSTILE, 0),),
        captions="a\x02.vtt",
        cover_mime=None,
        digest="0" * 16,
        album="x\x03",
        album_title=HOSTILE,
    )
    links = feed.Links(
        page="http://h/",
        feed="http://h/feed.xml",
        audio=lambda t: f"http://h/{t.name}",
        artwork=lambda t: "http://h/a.jpg",
        chapters=lambda t: f"http://h/c/{t.name}",
        captions=lambda t: f"http://h/{t.captions}",
    )
    document = feed.feed_xml([track], links)
    root = ET.fromstring(document)  # it raised: not well-formed (invalid token)
    titles = [e.text for e in root.iter("title")]
    assert "Squats <&> ]]>" in titles[-1]
    assert not any(ch in document.decode("utf-8") for ch in "\x00\x01\x02\x03\x1b\x7f")
