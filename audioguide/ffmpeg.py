"""The ffmpeg binary that the imageio-ffmpeg wheel ships: no system ffmpeg is needed.

imageio-ffmpeg ships no ffprobe, so nothing here or elsewhere may call it: pydub's
`from_file` is always given `codec=`, and `from_mp3` and `mediainfo` are never used.
"""

from __future__ import annotations

import warnings
from functools import cache

import imageio_ffmpeg

# pydub looks for a system ffmpeg when first imported and warns if there is none; it
# will be pointed at imageio-ffmpeg's binary instead, so the warning would only mislead.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Couldn't find ffmpeg", RuntimeWarning)
    from pydub import AudioSegment


@cache
def executable() -> str:
    path = imageio_ffmpeg.get_ffmpeg_exe()
    AudioSegment.converter = path  # pydub decodes through the same binary
    return path
