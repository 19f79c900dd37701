"""audioguide: turn exercise routines into narrated, exactly timed MP3 workout tracks.

The package is laid out as its pipeline:
routine -> compiler -> speech -> render -> export, with the CLI on top.
"""

import warnings

# pydub looks for a system ffmpeg when first imported and warns if there is none; audioguide
# points it at imageio-ffmpeg's binary instead (ffmpeg.py), so the warning would only mislead.
warnings.filterwarnings("ignore", "Couldn't find ffmpeg", RuntimeWarning)

__version__ = "0.1.0"
