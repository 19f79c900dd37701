"""Leftovers of killed builds are swept once abandoned, and never taken for output."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import random
import shutil
import signal
import struct
import subprocess
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from builds import ROUTINES, cache_entries, cli_build, damaged_cache_entries, leftovers, outputs, run_build
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from PIL import Image
from pydub.generators import Sine

from audioguide import files, routine, signing
from audioguide.build import BuildOptions, build
from audioguide.cli import cli
from audioguide.errors import ExportError, RoutineError
from audioguide.export import cover
from audioguide.files import is_leftover
from audioguide.speech import PhraseCache, Voice
from audioguide.speech import make_engine as engine_named

HOUR_AND_A_BIT_S = files.STALE_AFTER_S + 60


def make(path, age_s: float = 0.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a track")
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_a_build_sweeps_abandoned_temporary_files_only(tmp_path, fake_engine):
    out, cache = tmp_path / "out", tmp_path / "cache"
    old = [
        make(out / ".small-test-routine.mp3.k2j4h5g6.tmp", HOUR_AND_A_BIT_S),
        make(out / ".other.timeline.json.abcd_123.tmp", HOUR_AND_A_BIT_S),
        make(cache / "ab" / f".{'ab' * 32}.clip.q1w2e3r4.tmp", HOUR_AND_A_BIT_S),
    ]
    kept = [
        make(out / ".small-test-routine.mp3.zz99yy88.tmp"),  # young: perhaps a build still running
        make(out / ".notes.txt.abcdefgh.tmp", HOUR_AND_A_BIT_S),  # not a kind audioguide writes
        make(out / "holiday.mp3", HOUR_AND_A_BIT_S),
    ]
    build(routine.load(SMALL_ROUTINE), BuildOptions(engine="fake", output=out, cache_dir=cache))
    assert [p.exists() for p in old] == [False] * 3
    assert [p.exists() for p in kept] == [True] * 3


@pytest.mark.parametrize(
    ("name", "leftover"),
    [
        (".track.mp3.k2j4h5g6.tmp", True),
        (".track.cues.txt.k2j4h5g6.tmp", True),
        ("track.mp3", False),
        (".track.mp3", False),
        ("track.mp3.k2j4h5g6.tmp", False),
        (".track.mp3.k2j.tmp", False),
    ],
)
def test_what_counts_as_a_leftover(name, leftover):
    assert files.is_leftover(name) is leftover


def test_signals_wait_until_the_renames_are_done():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with files.signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("first rename")
            done.append("second rename")
    assert done == ["first rename", "second rename"]


def journal(folder, renames, mac: str | None = "0" * 64) -> None:
    body = {"format": files.JOURNAL_FORMAT, "renames": renames, "mac": mac}
    (folder / f".{renames[0][1]}.{files.JOURNAL_TAG}.tmp").write_text(json.dumps(body))


def test_a_journal_not_signed_by_this_users_audioguide_moves_nothing(tmp_path):
    (tmp_path / "song.mp3").write_text("the user's own song")
    make(tmp_path / ".song.mp3.abcdefgh.tmp")
    (tmp_path / ".notes.txt.abcdefgh.tmp").symlink_to(tmp_path / "song.mp3")
    journal(tmp_path, [[".song.mp3.abcdefgh.tmp", "song.mp3"]])  # forged: no valid signature
    journal(tmp_path, [[".notes.txt.abcdefgh.tmp", ".audioguide-serve-key"]], None)
    files.sweep_leftovers(tmp_path)
    assert (tmp_path / "song.mp3").read_text() == "the user's own song"
    assert not (tmp_path / ".audioguide-serve-key").exists()


def test_a_signed_journal_renames_only_what_a_build_writes_and_never_a_link(tmp_path):
    def signed(renames) -> None:
        name = f".{renames[0][1]}.{files.JOURNAL_TAG}.tmp"
        journal(tmp_path, renames, signing.mac(files.JOURNAL_PURPOSE, tmp_path, name, renames))

    make(tmp_path / ".key.abcdefgh.tmp")
    signed([[".key.abcdefgh.tmp", ".audioguide-serve-key"]])  # not a name a build writes
    (tmp_path / "elsewhere.txt").write_text("a file of the user's")
    (tmp_path / ".t.lrc.abcdefgh.tmp").symlink_to(tmp_path / "elsewhere.txt")
    make(tmp_path / ".t.mp3.abcdefgh.tmp")
    signed([[".t.mp3.abcdefgh.tmp", "t.mp3"], [".t.lrc.abcdefgh.tmp", "t.lrc"]])
    files.sweep_leftovers(tmp_path)
    assert not (tmp_path / ".audioguide-serve-key").exists()
    assert (tmp_path / "t.mp3").read_bytes() == b"half a track", "a set of the user's is completed"
    assert not (tmp_path / "t.lrc").exists(), "a link is never moved into place"
    assert (tmp_path / "elsewhere.txt").read_text() == "a file of the user's"


# Files audioguide did not write: never deleted, never trusted, never waited on.
#
# Special files (pipes, devices, folders) where a file is expected, pictures that claim
# billions of pixels or stop half-way, cache entries copied over others or replaced by a
# folder: each is a clear error or is made again, and no build hangs on one.

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


# Interrupted builds lose nothing: real `audioguide build` processes killed at random moments.
#
# Two versions of one routine (same title, so the same file names, different content) are
# built in turn into one folder, and every build but the verifying ones is stopped with
# SIGINT (to the whole process group, as Ctrl-C does), SIGTERM or SIGKILL while it
# synthesizes phrases, while it renders and encodes, or at a random time. After each kill:
#
# - the folder holds the previous complete track and sidecars, or the new complete ones,
#   or nothing, never a mix or a truncated file;
# - the cache holds no damaged entry;
# - Ctrl-C and SIGTERM print one line, exit 130 or 143 and leave no temporary file; after
#   SIGKILL, any temporary file is a hidden `.tmp` that is never taken for output;
# - the next build succeeds and is byte-identical to an uninterrupted one.
# Two lanes run side by side, each with its own folder and cache, to use both CPU cores.

VERSIONS = {"a": ROUTINES / "interrupt.yaml", "b": ROUTINES / "interrupt-b.yaml"}
TRACK = "interrupt-test.mp3"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
MESSAGES = {signal.SIGINT: "interrupted: ", signal.SIGTERM: "terminated: "}
POLL_S = 0.002  # how often a lane looks for the moment to kill (polling, not a timing assertion)
GIVE_UP_S = 60.0  # a build that neither reaches the moment nor ends is hung
MAX_ATTEMPTS = 200  # per lane: a build that always finishes first must not loop forever
RANDOM_KILL_WITHIN_S = 1.2  # about a warm build's length here: most random kills land inside one
SEED = int(os.environ.get("AUDIOGUIDE_KILL_SEED", "20240606"))


@dataclass(frozen=True)
class Kill:
    signal: signal.Signals
    stage: str  # "synthesis", "render/export" or "random"


def plan(per_signal_and_stage: int, random_kills: int) -> list[Kill]:
    """Each signal in synthesis and in render/export; SIGKILL alone at random times.

    Random times may fall before Python has set up its handlers, where Ctrl-C cannot be
    clean in any Python program; only SIGKILL has the same meaning at every moment.
    """
    kills = [
        Kill(sig, stage)
        for _ in range(per_signal_and_stage)
        for sig in SIGNALS
        for stage in ("synthesis", "render/export")
    ]
    return kills + [Kill(signal.SIGKILL, "random")] * random_kills


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """Each version built once, uninterrupted, with its own cache: what every build must equal."""
    root = tmp_path_factory.mktemp("reference")
    built = {}
    for name, path in VERSIONS.items():
        run_build(path, root / name, root / f"cache-{name}")
        built[name] = outputs(root / name)
    assert built["a"][TRACK] != built["b"][TRACK]
    return built


def wait_for_moment(
    process: subprocess.Popen, kill: Kill, cache: Path, out: Path, rng: random.Random, final_size: int
) -> None:
    """Return when the build is at the planned kind of moment (or has ended)."""
    started = time.monotonic()
    if kill.stage == "random":
        time.sleep(rng.uniform(0.0, RANDOM_KILL_WITHIN_S))
        return
    phrases_before_kill = rng.randint(1, 15)
    bytes_before_kill = rng.randint(0, final_size * 9 // 10)
    abandoned = set(out.glob(f".{TRACK}.*.tmp"))  # left by an earlier SIGKILL, not this build's
    while process.poll() is None and time.monotonic() - started < GIVE_UP_S:
        if kill.stage == "synthesis" and cache_entries(cache) >= phrases_before_kill:
            return
        if kill.stage == "render/export":
            for temp in set(out.glob(f".{TRACK}.*.tmp")) - abandoned:
                with contextlib.suppress(FileNotFoundError):  # renamed into place meanwhile
                    if temp.stat().st_size >= bytes_before_kill:
                        return
        time.sleep(POLL_S)


def describe(files: dict[str, bytes], before: dict[str, bytes], reference) -> dict[str, str]:
    """Which build each file comes from, for a failure message."""
    known = {"before": before, **{f"version {v}": built for v, built in reference.items()}}
    return {
        name: next(
            (label for label, built in known.items() if built.get(name) == data),
            f"unknown, {len(data)} bytes",
        )
        for name, data in files.items()
    }


def send(process: subprocess.Popen, sig: signal.Signals) -> None:
    if sig == signal.SIGTERM:
        process.send_signal(sig)  # `kill <pid>`: only audioguide itself
    else:
        os.killpg(process.pid, sig)  # Ctrl-C and a hard kill reach ffmpeg too


_IN_PROCESS = threading.Lock()


def rebuild(path: Path, out: Path, cache: Path) -> None:
    """The build after a kill, run in this process to save an interpreter start per kill.

    One at a time: the offline voice is not known to be safe in two threads at once.
    """
    with _IN_PROCESS:
        build(routine.load(path), BuildOptions(engine="pico", output=out, cache_dir=cache))


def lane(root: Path, todo: queue.Queue[Kill], reference: dict[str, dict[str, bytes]], seed: int) -> list[str]:
    """Take kills from the queue until it is empty; return a line per kill that landed.

    A kill that finds its build already finished did not happen: it goes back in the queue.
    """
    rng = random.Random(seed)
    out, cache = root / "out", root / "cache"
    final_size = len(reference["a"][TRACK])
    report: list[str] = []
    for index in itertools.count():
        try:
            kill = todo.get_nowait()
        except queue.Empty:
            return report
        version = "ab"[index % 2]
        if kill.stage == "synthesis":
            shutil.rmtree(cache, ignore_errors=True)  # a cold cache: every phrase is synthesized
        before, left_before = outputs(out), set(leftovers(out, cache))
        # Named on the command line: versions a and b take turns at one track (from another
        # routine file, a folder as -o would give the track a name of its own).
        process = cli_build(VERSIONS[version], out / TRACK, cache)
        wait_for_moment(process, kill, cache, out, rng, final_size)
        landed = process.poll() is None
        if landed:
            send(process, kill.signal)
        _, stderr = process.communicate(timeout=GIVE_UP_S)
        landed = landed and process.returncode != 0
        where = f"kill {index} ({kill.signal.name} in {kill.stage}, version {version}, seed {seed})"

        after = outputs(out)
        assert after in (before, reference[version]), (
            f"{where}: the folder holds a mix: {describe(after, before, reference)}"
        )
        assert damaged_cache_entries(cache) == [], where
        left = leftovers(out, cache)
        assert all(is_leftover(p.name) for p in left), f"{where}: {left}"
        if landed and kill.signal in EXIT_CODES:
            lines = stderr.decode().splitlines()
            assert process.returncode == EXIT_CODES[kill.signal], f"{where}: {stderr.decode()}"
            assert len(lines) == 1 and lines[0].startswith(MESSAGES[kill.signal]), f"{where}: {lines}"
            assert set(left) <= left_before, f"{where}: temporary files left: {set(left) - left_before}"

        rebuild(VERSIONS[version], out / TRACK, cache)  # the next build succeeds...
        assert outputs(out) == reference[version], f"{where}: the rebuild differs"  # ...byte for byte
        if landed:
            report.append(f"{kill.signal.name} {kill.stage}")
        elif index < MAX_ATTEMPTS:
            todo.put(kill)
    return report


def run_kills(tmp_path: Path, reference, kills: list[Kill], lanes: int = 2) -> list[str]:
    """Share the kills out over `lanes` folders built side by side; every kill that landed."""
    random.Random(SEED).shuffle(kills)
    todo: queue.Queue[Kill] = queue.Queue()
    for kill in kills:
        todo.put(kill)
    with ThreadPoolExecutor(lanes) as pool:
        futures = [pool.submit(lane, tmp_path / f"lane{i}", todo, reference, SEED + i) for i in range(lanes)]
        return [line for future in futures for line in future.result()]


def test_thirty_kills_lose_nothing(tmp_path, reference):
    killed = run_kills(tmp_path, reference, plan(per_signal_and_stage=4, random_kills=6))
    assert len(killed) >= 30, killed
    for sig in SIGNALS:
        for stage in ("synthesis", "render/export"):
            assert f"{sig.name} {stage}" in killed, (sig.name, stage, killed)


@pytest.mark.slow
def test_soak_hundreds_of_kills_lose_nothing(tmp_path, reference):
    rounds = int(os.environ.get("AUDIOGUIDE_SOAK_KILLS", "150")) // 30 + 1
    killed = run_kills(tmp_path, reference, plan(per_signal_and_stage=4 * rounds, random_kills=6 * rounds))
    assert len(killed) >= 30 * rounds


def test_two_builds_of_one_routine_are_byte_identical(tmp_path, reference):
    run_build(VERSIONS["a"], tmp_path / "out", tmp_path / "cache")
    assert outputs(tmp_path / "out") == reference["a"]
