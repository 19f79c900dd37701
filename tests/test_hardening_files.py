"""Files audioguide did not write: never deleted, never trusted, never waited on.

Special files (pipes, devices, folders) where a file is expected, pictures that claim
billions of pixels or stop half-way, cache entries copied over others or replaced by a
folder: each is a clear error or is made again, and no build hangs on one.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from PIL import Image
from pydub.generators import Sine

from audioguide import files, routine
from audioguide.cli import cli
from audioguide.errors import ExportError, RoutineError
from audioguide.export import cover
from audioguide.speech import PhraseCache, Voice
from audioguide.speech import make_engine as engine_named

HANG_S = 20  # an operation that has not returned by then is hanging


def within(seconds: float, call, *args):
    """`call(*args)`'s result, or a failure if it has not returned in `seconds` (a hang)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = call(*args)
        except BaseException as exc:  # noqa: BLE001  (handed to the test thread)
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{call.__name__} hung on a special file"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


def invoke(*args: str):
    return within(HANG_S, CliRunner().invoke, cli, list(args))


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


# --- only regular files are read, and their size is checked first ------------------------


def test_read_regular_refuses_pipes_devices_and_folders(tmp_path, fifo):
    for path, kind in ((fifo, "named pipe"), (Path("/dev/zero"), "device"), (tmp_path, "folder")):
        with pytest.raises(files.NotRegularFile, match=kind):
            within(HANG_S, files.read_regular, path, 1000)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 1001)
    with pytest.raises(files.TooLarge):
        files.read_regular(big, 1000)
    assert files.read_regular(big, 1001) == b"x" * 1001


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "fifo"])
def test_validate_refuses_a_special_file_at_once(special, fifo):
    path = str(fifo) if special == "fifo" else special
    result = invoke("validate", path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"{path}: is a "), result.output
    with pytest.raises(RoutineError, match="not a file"):
        within(HANG_S, routine.load, path)


def test_a_pipe_or_device_as_the_cover_is_a_clear_error(fifo, fake_engine, tmp_path):
    for picture in (fifo, Path("/dev/urandom")):
        result = invoke(
            "build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(tmp_path), "--cover", str(picture)
        )
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"error: cover image {picture}: is a "), result.output


# --- pictures are checked before and while decoding --------------------------------------


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(30_000, 30_000), (10_000, 9_000)])
def test_an_image_bomb_is_refused_before_decoding(tmp_path, size):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(*size))
    with pytest.raises(ExportError, match="million pixels"):
        cover.from_file(bomb)


def test_an_image_bomb_on_the_command_line_is_a_message(tmp_path, fake_engine):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(30_000, 30_000))
    result = invoke(
        "build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(tmp_path), "--cover", str(bomb)
    )
    assert result.exit_code == 1 and "million pixels" in result.output, result.output


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_truncated_picture_is_never_embedded(tmp_path, kind):
    whole = tmp_path / f"whole.{kind.lower()}"
    Image.effect_noise((300, 300), 60).convert("RGB").save(whole, kind)
    cut = tmp_path / f"cut.{kind.lower()}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert cover.from_file(whole).data == whole.read_bytes()
    with pytest.raises(ExportError, match="damaged or truncated"):
        cover.from_file(cut)


# --- the phrase cache: entries tied to their key, special files made again ----------------


def _clip(ms: int):
    return Sine(440, sample_rate=22_050).to_audio_segment(duration=ms, volume=-10)


def test_an_entry_copied_over_another_is_not_played(tmp_path):
    cache = PhraseCache(tmp_path)
    one, three = cache.key("pico", "v", "one"), cache.key("pico", "v", "three")
    cache.put(one, _clip(200), "pico")
    cache.put(three, _clip(400), "pico")
    cache.path(three).write_bytes(cache.path(one).read_bytes())  # "three" would say "one"
    assert cache.get(three) is None and cache.get(one) is not None


def test_a_folder_or_pipe_in_place_of_an_entry_is_made_again(tmp_path, fake_engine):
    cache = PhraseCache(tmp_path / "cache")
    voice = Voice(engine_named("fake"), cache, 44_100)
    voice.load(["Hold.", "Rest."])
    hold, rest = cache.path(voice.key("Hold.")), cache.path(voice.key("Rest."))
    hold.unlink()
    hold.mkdir()
    (hold / "inside").write_text("someone's")
    rest.unlink()
    os.mkfifo(rest)
    again = Voice(engine_named("fake"), cache, 44_100)
    within(HANG_S, again.load, ["Hold.", "Rest."])
    assert again.synthesized == 2 and again.duration_ms("Hold.") > 0
    assert (hold / "inside").read_text() == "someone's"
    info = within(HANG_S, cache.info)
    assert info.entries == 1  # "Rest." stored again over the pipe; the folder left alone


def test_clear_deletes_only_audioguides_own_entries(tmp_path):
    cache = PhraseCache(tmp_path)
    key = cache.key("pico", "v", "one")
    cache.put(key, _clip(200), "pico")
    theirs = {
        tmp_path / "ab" / "notes.clip": b"AGC3 not really",
        tmp_path / "ab" / "readme.txt": b"mine",
        tmp_path / "photos" / "cat.jpg": b"jpeg",
        tmp_path / "cd" / ("c" * 64 + ".clip"): b"a file that only looks like an entry",
        tmp_path / key[:2] / "mine.clip": b"mine too",
    }
    for path, data in theirs.items():
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    (tmp_path / "ef").mkdir()  # an empty folder of someone's, named like a shard
    os.mkfifo(tmp_path / "ab" / ("a" * 64 + ".clip"))
    pruned = within(HANG_S, cache.clear)
    assert pruned.removed == 1 and key not in cache
    assert all(path.read_bytes() == data for path, data in theirs.items())
    assert (tmp_path / "ef").is_dir() and (tmp_path / "ab" / ("a" * 64 + ".clip")).exists()
    assert within(HANG_S, cache.prune, 0.0, 0).removed == 0


def test_clear_during_a_build_does_not_fail_it(tmp_path, fake_engine):
    cache = PhraseCache(tmp_path / "cache")
    voice = Voice(engine_named("fake"), cache, 44_100)
    real_put = cache.put

    def put_after_a_clear(key, audio, engine=""):
        PhraseCache(cache.root).clear()  # another terminal: `audioguide cache clear`
        real_put(key, audio, engine)

    cache.put = put_after_a_clear  # type: ignore[method-assign]
    voice.load([f"Phrase {n}." for n in range(6)])
    assert voice.synthesized == 6


# --- privacy: a routine's cover comes from the routine's own folder -----------------------


@pytest.mark.parametrize(
    "cover_key", ["/etc/hostname.png", "../outside.png", "art/../../outside.png", "link.png"]
)
def test_a_routine_cannot_embed_a_picture_from_outside_its_folder(tmp_path, cover_key):
    folder = tmp_path / "shared"
    folder.mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "outside.png")
    (folder / "link.png").symlink_to(tmp_path / "outside.png")
    text = SMALL_ROUTINE.read_text() + f"cover: {cover_key}\n"
    (folder / "r.yaml").write_text(text)
    with pytest.raises(RoutineError, match="is outside the routine's folder"):
        routine.load(folder / "r.yaml")
    result = invoke("script", str(folder / "r.yaml"))
    assert result.exit_code == 1 and "is outside the routine's folder" in result.output


def test_a_cover_beside_the_routine_is_still_found(tmp_path):
    (tmp_path / "art").mkdir()
    text = SMALL_ROUTINE.read_text() + "cover: art/k.png\n"
    (tmp_path / "r.yaml").write_text(text)
    assert routine.load(tmp_path / "r.yaml").cover == str(tmp_path / "art" / "k.png")


def test_a_cache_folder_that_is_a_file_is_a_clear_error(tmp_path, fake_engine):
    (tmp_path / "cache-file").write_text("mine")
    result = invoke(
        "build",
        str(SMALL_ROUTINE),
        "--engine",
        "fake",
        "-o",
        str(tmp_path / "out"),
        "--cache-dir",
        str(tmp_path / "cache-file"),
    )
    assert result.exit_code == 1 and "it is not a folder" in result.output, result.output
    assert (tmp_path / "cache-file").read_text() == "mine"
