"""Cover art: an image the routine names, or one generated with the routine's title on it."""

from __future__ import annotations

import hashlib
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from audioguide.errors import ExportError

COVER_PX = 600  # sharp on a phone's lock screen, small in the file (about 20 kB)
MAX_COVER_BYTES = 2_000_000  # some phones skip larger embedded pictures
JPEG_QUALITY = 85
TITLE_PX = 64
CAPTION_PX = 28
MARGIN_PX = 48
LINE_SPACING = 1.15
WRAP_CHARS = 14  # title characters per line at TITLE_PX on the square
CAPTION = "audioguide"
TEXT_COLOUR = (255, 255, 255)
# Deep colours that white text reads well on; the title picks one, so it stays the same.
BACKGROUNDS = ((31, 78, 121), (46, 112, 88), (120, 54, 94), (150, 82, 30), (62, 64, 140), (30, 100, 110))
EMBEDDABLE = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True)
class Cover:
    mime: str
    data: bytes


def generated(title: str) -> Cover:
    """A square picture with the title in large type, the same for the same title."""
    digest = hashlib.sha256(title.encode("utf-8")).digest()
    image = Image.new("RGB", (COVER_PX, COVER_PX), BACKGROUNDS[digest[0] % len(BACKGROUNDS)])
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=TITLE_PX)
    lines = textwrap.wrap(title, WRAP_CHARS, break_long_words=True) or [title]
    line_px = int(TITLE_PX * LINE_SPACING)
    top = (COVER_PX - line_px * len(lines)) // 2
    for index, line in enumerate(lines):
        draw.text((MARGIN_PX, top + index * line_px), line, font=font, fill=TEXT_COLOUR)
    caption = ImageFont.load_default(size=CAPTION_PX)
    draw.text((MARGIN_PX, COVER_PX - MARGIN_PX - CAPTION_PX), CAPTION, font=caption, fill=TEXT_COLOUR)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Cover("image/jpeg", out.getvalue())


def from_file(path: Path) -> Cover:
    """A JPEG or PNG as it is; any other picture Pillow reads, converted to JPEG."""
    fix = "Give a JPEG or PNG file with --cover or the routine's `cover` key"
    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            if kind not in EMBEDDABLE or len(data) > MAX_COVER_BYTES:
                image.thumbnail((COVER_PX, COVER_PX))
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY)
                return Cover("image/jpeg", out.getvalue())
    except OSError as exc:
        why = "not a picture" if isinstance(exc, UnidentifiedImageError) else exc.strerror or str(exc)
        raise ExportError(f"cover image {path}: {why}. {fix}") from None
    return Cover(EMBEDDABLE[kind], data)
