"""The ffmpeg binary that the imageio-ffmpeg wheel ships: no system ffmpeg is needed.

imageio-ffmpeg ships no ffprobe, so nothing here or elsewhere may call it: pydub's
`from_file` is always given `codec=`, and `from_mp3` and `mediainfo` are never used.
"""

from __future__ import annotations

from functools import cache


@cache
def executable() -> str:
    """Looked up on first use: imageio_ffmpeg's search costs tens of milliseconds."""
    import imageio_ffmpeg
    from pydub import AudioSegment

    path = imageio_ffmpeg.get_ffmpeg_exe()
    AudioSegment.converter = path  # pydub decodes through the same binary
    return path
