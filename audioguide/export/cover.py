"""Cover art: an image the routine names, or one generated with the routine's title on it."""

from __future__ import annotations

import hashlib
import io
import struct
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audioguide import files
from audioguide.errors import ExportError

if TYPE_CHECKING:
    from PIL import Image

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
READABLE = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")  # Pillow's other decoders stay unused
MAX_SOURCE_BYTES = 50_000_000  # a cover picture file is read whole; a phone's photo is far smaller
MAX_COVER_PIXELS = 50_000_000  # 50 megapixels, checked from the header before decoding
_TOO_MANY_PIXELS = f"has more than {MAX_COVER_PIXELS // 1_000_000} million pixels; scale it down first"


@dataclass(frozen=True)
class Cover:
    mime: str
    data: bytes


def generated(title: str) -> Cover:
    """A square picture with the title in large type, the same for the same title."""
    from PIL import Image, ImageDraw, ImageFont  # Pillow on first use, not for every command

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


def square(data: bytes, px: int) -> Cover:
    """A cover's picture as a square JPEG of `px` pixels a side (the middle of a wide one).

    Podcast directories ask for 1400 to 3000 pixels; lock screens for a few sizes below.
    The picture is one this tool embedded, so it decodes; a damaged one is an ExportError.
    """
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=READABLE) as image:
            side = min(image.size)
            left, top = (image.width - side) // 2, (image.height - side) // 2
            picture = image.convert("RGB").crop((left, top, left + side, top + side))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ExportError(f"cover image: a damaged picture ({exc})") from None
    out = io.BytesIO()
    picture.resize((px, px), Image.Resampling.LANCZOS).save(out, "JPEG", quality=JPEG_QUALITY)
    return Cover("image/jpeg", out.getvalue())


def from_file(path: Path) -> Cover:
    """A JPEG or PNG as it is; any other picture Pillow reads, converted to JPEG.

    The picture is untrusted: only a regular file of at most MAX_SOURCE_BYTES is read
    (never a pipe or device), its size in pixels is checked from its header before any
    decoding (a small PNG can claim 30000 x 30000 pixels), and it is decoded whole before
    it is used, so a truncated or damaged picture is an error, not an embedded one.
    """
    from PIL import Image, UnidentifiedImageError

    fix = "Give a JPEG or PNG file with --cover or the routine's `cover` key"
    try:
        data = files.read_regular(path, MAX_SOURCE_BYTES)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            kind, image = _decoded(data)
        with image:
            if kind not in EMBEDDABLE or len(data) > MAX_COVER_BYTES:
                image.thumbnail((COVER_PX, COVER_PX))
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY)
                return Cover("image/jpeg", out.getvalue())
    except files.TooLarge as exc:
        raise ExportError(f"cover image {path}: {exc.strerror}. {fix} of at most 50 MB") from None
    except _Damaged as exc:
        raise ExportError(f"cover image {path}: {exc}. {fix}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ExportError(f"cover image {path}: {_TOO_MANY_PIXELS}. {fix}") from None
    except OSError as exc:
        why = "not a picture" if isinstance(exc, UnidentifiedImageError) else exc.strerror or str(exc)
        raise ExportError(f"cover image {path}: {why}. {fix}") from None
    return Cover(EMBEDDABLE[kind], data)


class _Damaged(Exception):
    """A picture that does not decode as a whole."""


def _decoded(data: bytes) -> tuple[str, Image.Image]:
    """(format, fully decoded image) of a picture's bytes, checked before and while decoding."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=READABLE) as probe:
            kind = probe.format or ""
            if probe.width * probe.height > MAX_COVER_PIXELS:
                raise _Damaged(_TOO_MANY_PIXELS)
            probe.verify()  # checksums and structure, without decoding (PNG's CRCs)
        image = Image.open(io.BytesIO(data), formats=READABLE)
        image.draft("RGB", (COVER_PX, COVER_PX))  # a JPEG decodes at a fraction of its size
        image.load()  # every pixel: a truncated picture fails here
    except UnidentifiedImageError:
        raise
    except (SyntaxError, ValueError, EOFError, struct.error, OSError) as exc:
        raise _Damaged(f"a damaged or truncated picture ({exc})") from None
    return kind, image
