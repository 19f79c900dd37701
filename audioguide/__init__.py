"""audioguide: turn exercise routines into narrated, exactly timed MP3 workout tracks.

The package is laid out as its pipeline:
routine -> compiler -> speech -> render -> export, with the CLI on top.
"""

from audioguide import ffmpeg as _ffmpeg  # noqa: F401  (imports pydub quietly first)

__version__ = "0.1.0"
