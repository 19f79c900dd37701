"""Settings that stay: your defaults for engine, voice, language, level and output folder.

They live in `config.yaml` in your user config folder (`AUDIOGUIDE_CONFIG_DIR` points
elsewhere), written by `audioguide config set`. A command-line option always wins over a
setting, and a setting over audioguide's own default. Each value is checked when it is set,
and again when it is read, so a hand-edited file gets the same clear errors.

The folder also remembers which one-time notices were given (a file per notice), such as
the first build that sent a routine's text to Google.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import yaml

from audioguide import files
from audioguide.errors import ConfigError
from audioguide.routine import LEVELS

CONFIG_ENV = "AUDIOGUIDE_CONFIG_DIR"
CONFIG_FILE = "config.yaml"
MAX_CONFIG_BYTES = 100_000
MAX_VALUE_CHARS = 500
NOTICES = "notices"  # a folder of empty files, one per notice given once
GOOGLE_NOTICE = "google-text-sent"

COMMAND_LINE = "command line"
YOUR_CONFIG = "your config"
DEFAULT = "default"

_LANG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")


def config_dir() -> Path:
    """Where settings and notices are kept: `AUDIOGUIDE_CONFIG_DIR`, else the user config folder."""
    return Path(os.environ.get(CONFIG_ENV) or platformdirs.user_config_dir("audioguide"))


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


def _engine(value: str) -> str:
    from audioguide import speech  # the engines, only when an engine is named

    if name := speech.engine_name(value):
        return name
    known = ", ".join((speech.AUTO, *speech.engines()))
    raise ValueError(f"no speech engine named '{value}'; choose one of: {known}")


def _voice(value: str) -> str:
    return value


def _lang(value: str) -> str:
    if not _LANG.fullmatch(value):
        raise ValueError(f"'{value}' is not a language code; write it like en, en-GB, de or pt-BR")
    return value


def _level(value: str) -> str:
    if value.lower() not in LEVELS:
        raise ValueError(f"no level '{value}'; choose one of: {', '.join(LEVELS)}")
    return value.lower()


def _output(value: str) -> str:
    path = Path(value).expanduser()
    if path.suffix.lower() == ".mp3":
        raise ValueError(f"'{value}' names a file; output is the folder every track is written to")
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} exists and is not a folder; output is the folder tracks are written to")
    return str(path.absolute())  # the same folder wherever a build is run from


def _music(value: str) -> str:
    path = Path(value).expanduser()
    if not path.exists():
        raise ValueError(f"{path}: no such folder or file; give your music folder, a playlist or a file")
    return str(path.absolute())


# Each key, its check (raises ValueError, returns the value as kept) and what it means.
KEYS: Mapping[str, tuple[Callable[[str], str], str]] = {
    "engine": (_engine, "speech engine: auto, pico, espeak, gtts or piper (pico or espeak: always offline)"),
    "voice": (_voice, "espeak voice (en-us+f3) or Piper voice (a name or NAME.onnx), for those engines"),
    "lang": (_lang, "language of the voice and phrases, e.g. en-GB, de, pt"),
    "level": (_level, f"level where a routine gives a range: {', '.join(LEVELS)}"),
    "output": (_output, "folder the tracks are written to"),
    "music": (
        _music,
        "music the page offers to mix under the voice: a folder (its folders, playlists, files)",
    ),
}


def check_key(key: str) -> None:
    if key not in KEYS:
        close = difflib.get_close_matches(key, list(KEYS), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ConfigError(f"no setting named '{key}'; {hint}the settings are: {', '.join(KEYS)}")


def check(key: str, value: str) -> str:
    """The value as it is kept, or a ConfigError that says what is wrong and what is right."""
    check_key(key)
    if not value.strip() or len(value) > MAX_VALUE_CHARS:
        raise ConfigError(f"{key}: give a value of 1 to {MAX_VALUE_CHARS} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise ConfigError(f"{key}: the value holds control characters or bytes that are not UTF-8 text")
    try:
        return KEYS[key][0](value.strip())
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def load() -> dict[str, str]:
    """The settings in the config file ({} when there is none), each checked."""
    found = {}
    for key, value in _read().items():
        try:
            found[key] = check(key, value)
        except ConfigError as exc:
            raise ConfigError(
                f"{config_path()}: {exc}. Fix it with `audioguide config set {key} VALUE`, "
                f"or `audioguide config unset {key}`"
            ) from None
    return found


def _read() -> dict[str, str]:
    """The config file's keys and values as written, unchecked; {} when there is no file."""
    path = config_path()
    try:
        raw = files.read_regular(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}. Fix or remove it") from None
    try:
        data = yaml.safe_load(raw.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: is not a list of settings (key: value lines). Fix it, or remove it to start afresh"
        )
    return {str(key): str(value) for key, value in data.items()}


def set_value(key: str, value: str) -> str:
    """Keep `key: value`; return the value as kept. Other settings stay as they are written."""
    kept = check(key, value)
    _save({**_read(), key: kept})
    return kept


def unset(key: str) -> bool:
    """Forget `key` (a misspelt key in the file too); False if it was not set."""
    settings = _read()
    if key not in settings:
        check_key(key)
        return False
    del settings[key]
    _save(settings)
    return True


def _save(settings: dict[str, str]) -> None:
    path = config_path()
    ordered = {key: settings[key] for key in (*KEYS, *settings) if key in settings}
    text = "# audioguide's settings, written by `audioguide config set`.\n"
    text += yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False) if ordered else ""
    try:
        files.write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"cannot write {path}: {exc.strerror or exc}. Choose a writable folder with {CONFIG_ENV}"
        ) from None


@dataclass(frozen=True)
class Setting:
    """One effective default: its value (None: not set anywhere) and where it came from."""

    value: str | None
    origin: str  # COMMAND_LINE, YOUR_CONFIG or DEFAULT


def effective(given: Mapping[str, object | None], defaults: Mapping[str, str | None]) -> dict[str, Setting]:
    """Each key of `given`: the command line's value if given, else the setting, else `defaults`'."""
    kept = load()
    found = {}
    for key, value in given.items():
        if value is not None:
            found[key] = Setting(str(value), COMMAND_LINE)
        elif key in kept:
            found[key] = Setting(kept[key], YOUR_CONFIG)
        else:
            found[key] = Setting(defaults.get(key), DEFAULT)
    return found


def said(notice: str) -> bool:
    """Was this one-time notice given already?"""
    return (config_dir() / NOTICES / notice).exists()


def remember_said(notice: str) -> None:
    """Note that the notice was given (best effort: an unwritable folder means it is said again)."""
    try:
        files.write_atomic(config_dir() / NOTICES / notice, b"")
    except OSError:
        pass
