"""The errors a user may see. The CLI prints them as `error: <message>` and exits 1."""

from __future__ import annotations


class AudioguideError(Exception):
    """Base class: its text is written for the person running audioguide."""


class RoutineError(AudioguideError):
    """A routine file is broken. Carries every problem found, each already located."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class TimingError(AudioguideError):
    """A cue cannot be placed without talking over another one."""


class SpeechError(AudioguideError):
    """A speech engine failed or is not usable here."""


class ExportError(AudioguideError):
    """Writing the track or its sidecars failed."""


class OverrideError(RoutineError):
    """A command-line override (--reps, --hold, --set...) names nothing or sets a bad value."""


class InitError(AudioguideError):
    """`init` cannot write the editable copy of a routine."""


class ServeError(AudioguideError):
    """`serve` cannot start, or a build asked for from its page cannot be carried out."""


class ConfigError(AudioguideError):
    """A setting (`audioguide config`, or the config file) names nothing or has a bad value."""


class LiveError(AudioguideError):
    """A live session (`coach`) cannot use its sound device, microphone or file devices."""


class MusicError(AudioguideError):
    """The music to mix under the voice cannot be found, read or decoded."""
