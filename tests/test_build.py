"""End to end: build real MP3s and measure them, decoded by ffmpeg and read by mutagen."""

from __future__ import annotations

import errno
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from audio import ANALYSIS_RATE, dbfs, decode, nearest, onsets
from builds import ROUTINES, cli_build, damaged_cache_entries, leftovers, outputs, run_build
from click.testing import CliRunner
from conftest import SMALL_ROUTINE
from fake_google import Reply
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audioguide import routine
from audioguide.authoring.importer import import_article, write_draft
from audioguide.build import BuildOptions, build
from audioguide.cli import cli
from audioguide.cues import TONE
from audioguide.errors import ExportError
from audioguide.phrases import phrasebook
from audioguide.routine import Count
from audioguide.speech import pico_nanotts


@pytest.fixture(scope="module")
def pico_build(tmp_path_factory):
    """The small routine built once with the offline voice, for the measuring tests."""
    from conftest import SMALL_ROUTINE

    from audioguide import routine

    folder = tmp_path_factory.mktemp("build")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIOGUIDE_CACHE_DIR", str(folder / "cache"))
        result = build(routine.load(SMALL_ROUTINE), BuildOptions(engine="pico", output=folder / "out"))
    return result, decode(result.written.mp3)


def test_every_tone_is_heard_at_its_timeline_time(pico_build):
    result, audio = pico_build
    heard = onsets(audio)
    tones = [e for e in result.script.events if e.kind == TONE]
    assert len(tones) == 2 * 4 + 2  # four holds, two sets of reps
    errors = [abs(nearest(heard, e.start_ms) - e.start_ms) for e in tones]
    assert max(errors) <= 10, errors


def test_every_hold_is_exact(pico_build):
    result, audio = pico_build
    heard = onsets(audio)
    tones = [e for e in result.script.events if e.kind == TONE]
    starts = [nearest(heard, e.start_ms) for e in tones if e.text == "start"]
    ends = [nearest(heard, e.start_ms) for e in tones if e.text == "end"]
    lengths = [
        end - start for start, end in zip(starts, [e for e in ends if True][: len(starts)], strict=True)
    ]
    assert all(
        abs(measured - planned) <= 10
        for measured, planned in zip(lengths, [20_000, 5000, 20_000, 5000], strict=True)
    ), lengths


def test_speech_starts_on_time_and_never_overlaps(pico_build):
    result, audio = pico_build
    heard = onsets(audio, quiet_ms=30, floor_db=-55)  # soft consonants ("three") start quietly
    speech = [e for e in result.script.events if e.kind == "speech"]
    late = [nearest(heard, e.start_ms) - e.start_ms for e in speech]
    assert max(map(abs, late)) <= 10, late
    # Between one event's end and the next one's start there is only silence.
    for before, after in zip(result.script.events, result.script.events[1:], strict=False):
        gap = audio[
            int((before.end_ms + 15) * ANALYSIS_RATE / 1000) : int(
                (after.start_ms - 5) * ANALYSIS_RATE / 1000
            )
        ]
        if len(gap) > ANALYSIS_RATE // 100:
            assert dbfs(gap) < -60, (before.text, after.text, dbfs(gap))


def test_track_length_sidecars_and_tags(pico_build):
    result, audio = pico_build
    assert abs(len(audio) / ANALYSIS_RATE * 1000 - result.script.duration_ms) <= 30
    timeline = json.loads(result.written.timeline.read_text())
    assert timeline["duration_ms"] == result.script.duration_ms
    assert timeline["engine"] == "pico" and timeline["voice"] == "en-US"
    assert [e["start_ms"] for e in timeline["events"]] == [e.start_ms for e in result.script.events]
    assert set(timeline["events"][0]) >= {"kind", "text", "start_ms", "end_ms", "chapter"}
    cues = result.written.cues.read_text()
    assert "0:01  Small test routine." in cues and "[start tone]" in cues
    tags = ID3(result.written.mp3)
    assert tags["TIT2"].text == ["Small test routine"] and tags["TALB"].text == ["Small test routine"]
    assert tags.version[:2] == (2, 3)
    assert MP3(result.written.mp3).info.channels == 1
    assert not list(result.written.mp3.parent.glob(".*tmp")), "no temporary files left"


def test_loudness_is_even_and_tones_sit_under_the_voice(pico_build):
    result, audio = pico_build
    levels = {"speech": [], "tone": []}
    for event in result.script.events:
        part = audio[int(event.start_ms * ANALYSIS_RATE / 1000) : int(event.end_ms * ANALYSIS_RATE / 1000)]
        levels[event.kind].append(np.max(np.abs(part)))
    assert max(levels["speech"]) <= 10 ** (-1 / 20), "no clipping: peaks stay under -1 dBFS"
    assert max(levels["tone"]) < np.median(levels["speech"])


def test_second_build_synthesizes_nothing_and_a_rep_change_only_new_phrases(
    small_routine, fake_engine, tmp_path
):
    options = BuildOptions(engine="fake", output=tmp_path)
    first = build(small_routine, options)
    assert first.synthesized == len(fake_engine.calls) == first.phrases
    fake_engine.calls.clear()
    second = build(small_routine, options)
    assert second.synthesized == 0 and fake_engine.calls == []
    calf = small_routine.exercises[1]
    more_reps = replace(calf, steps=(replace(calf.steps[0], count=Count.fixed(6)),))
    stronger = replace(small_routine, exercises=(small_routine.exercises[0], more_reps))
    third = build(stronger, options)
    new = set(third.script.phrases()) - set(first.script.phrases())
    assert new >= {"Four. Up.", "Five. Up."}
    assert sorted(fake_engine.calls) == sorted(new) and third.synthesized == len(new)


def test_auto_builds_offline_and_says_so(small_routine, tmp_path):
    result = build(small_routine, BuildOptions(output=tmp_path))
    assert result.engine == "pico"


def test_auto_falls_back_to_one_offline_voice_when_google_fails_part_way(small_routine, google, tmp_path):
    google.plan = [Reply(), Reply(), Reply()]  # the probe and two phrases succeed...
    google.default = Reply(status=503)  # ...then Google breaks down
    result = build(small_routine, BuildOptions(output=tmp_path))
    assert result.engine == "pico" and result.synthesized == result.phrases, "every phrase in one voice"
    assert len(result.warnings) == 1 and "HTTP 503" in result.warnings[0]


def test_a_failed_build_keeps_the_previous_track(small_routine, fake_engine, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = build(small_routine, BuildOptions(engine="fake", output=out))
    before = first.written.mp3.read_bytes(), first.written.timeline.read_bytes()

    def broken(*args, **kwargs):
        yield b"\0\0" * 1000
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("audioguide.render.pcm_chunks", broken)
    with pytest.raises(ExportError, match="No space left on device"):
        build(small_routine, BuildOptions(engine="fake", output=out, reuse=False))  # streams pcm_chunks
    assert (first.written.mp3.read_bytes(), first.written.timeline.read_bytes()) == before
    assert sorted(p.name for p in out.iterdir()) == [
        "small-test-routine.cues.txt", "small-test-routine.lrc", "small-test-routine.mp3",
        "small-test-routine.timeline.json", "small-test-routine.vtt",
    ]  # fmt: skip


def test_a_rebuild_under_auto_keeps_its_offline_voice_when_google_answers(
    small_routine, tmp_path, monkeypatch
):
    offline = build(small_routine, BuildOptions(output=tmp_path))  # Google unreachable: pico
    assert offline.engine == "pico"
    from fake_google import FakeGoogle

    with FakeGoogle() as fake:  # now Google answers
        monkeypatch.setenv("AUDIOGUIDE_GTTS_URL", fake.url)
        again = build(replace(small_routine, intro="A new introduction."), BuildOptions(output=tmp_path))
        assert again.engine == "pico" and again.voice == offline.voice
        assert again.synthesized == 1 and fake.requests == [], "nothing was sent to Google"
        elsewhere = build(small_routine, BuildOptions(output=tmp_path / "new"))  # a new track: auto as ever
        assert elsewhere.engine == "gtts" and fake.requests


def test_a_rebuild_under_auto_keeps_googles_voice_offline_while_every_phrase_is_cached(
    small_routine, google, tmp_path, monkeypatch
):
    online = build(small_routine, BuildOptions(output=tmp_path))
    assert online.engine == "gtts"
    monkeypatch.setenv("AUDIOGUIDE_GTTS_URL", "http://127.0.0.1:9/batchexecute")  # Google gone
    again = build(small_routine, BuildOptions(output=tmp_path))
    assert (again.engine, again.voice, again.synthesized) == ("gtts", online.voice, 0)
    changed = build(replace(small_routine, intro="A new introduction."), BuildOptions(output=tmp_path))
    assert changed.engine == "pico", "a phrase Google would have to speak: auto decides as ever"


# What the track says about time is what the decoded MP3 does: rests, transitions, changes.

COACH = """\
title: Coach check
rest_between: 10s
cues: {countdown: 2, get_ready: 5s}
exercises:
  - name: Squat
    sets: 2
    rest: 10s
    steps: [{hold: 5s, say: Sit back.}]
  - name: Walk
    steps:
      - {hold: 5s, say: Walk ahead., then: continue}
      - {hold: 4s, say: Walk wide.}
"""
SECONDS = {phrasebook("en").number(n): n * 1000 for n in range(1, 600)}


@pytest.fixture(scope="module")
def coach_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("coach")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIOGUIDE_CACHE_DIR", str(folder / "cache"))
        result = build(routine.loads(COACH), BuildOptions(engine="pico", output=folder / "out"))
    return result, onsets(decode(result.written.mp3))


def test_every_tone_lands_within_10ms_of_the_timeline(coach_build):
    result, heard = coach_build
    tones = [e for e in result.script.events if e.kind == TONE]
    assert [t.text for t in tones] == ["start", "end", "start", "end", "start", "change", "end"]
    errors = [abs(nearest(heard, e.start_ms) - e.start_ms) for e in tones]
    assert max(errors) <= 10, errors


def test_each_spoken_rest_is_the_measured_gap_within_50ms(coach_build):
    result, heard = coach_build
    tones = [e for e in result.script.events if e.kind == TONE]
    rests = [e for e in result.script.events if e.role == "rest"]
    assert len(rests) == 2, "between the rounds and before the next exercise"
    for rest in rests:
        said = SECONDS[re.match(r"Rest for (.+) seconds\.", rest.text)[1]]
        end = max((t for t in tones if t.start_ms < rest.start_ms), key=lambda t: t.start_ms)
        start = min((t for t in tones if t.start_ms > rest.start_ms), key=lambda t: t.start_ms)
        assert end.text == "end" and start.text == "start"
        measured = nearest(heard, start.start_ms) - nearest(heard, end.start_ms)
        assert abs(measured - said) <= 50, (rest.text, measured)


def test_a_chain_changes_without_stopping(coach_build):
    result, heard = coach_build
    tones = [e for e in result.script.events if e.kind == TONE][-3:]
    at = [nearest(heard, t.start_ms) for t in tones]
    assert abs(at[1] - at[0] - 5000) <= 10 and abs(at[2] - at[1] - 4000) <= 10


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "routines"
TRACKS = [f"builtin:{name}" for name in routine.builtin_names()]
TRACKS += [f"corpus:{p.stem}" for p in sorted(CORPUS.glob("*.yaml"))] if CORPUS.is_dir() else []
REST = re.compile(r"Rest for (.+) seconds\.")


@pytest.fixture(scope="module")
def phrase_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("phrases")


@pytest.mark.parametrize("track", TRACKS)
def test_every_builtin_and_published_programme_keeps_its_times_on_the_decoded_mp3(
    track, phrase_cache, tmp_path, monkeypatch
):
    """The easy level of each, built with Pico: tones within 10 ms, each spoken rest within 50 ms."""
    kind, name = track.split(":")
    loaded = routine.load_builtin(name) if kind == "builtin" else routine.load(CORPUS / f"{name}.yaml")
    monkeypatch.setenv("AUDIOGUIDE_CACHE_DIR", str(phrase_cache))
    result = build(loaded, BuildOptions(engine="pico", level="easy", output=tmp_path))
    if kind == "builtin":
        assert result.warnings == (), "a built-in says all it means to, with the offline voice"
    heard = onsets(decode(result.written.mp3))
    events = result.script.events
    tones = [e for e in events if e.kind == TONE]
    errors = [abs(nearest(heard, e.start_ms) - e.start_ms) for e in tones]
    assert max(errors) <= 10, max(errors)
    for index, rest in enumerate(events):
        said = REST.fullmatch(rest.text)
        if not said:
            continue
        end = max((t for t in tones if t.start_ms < rest.start_ms), key=lambda t: t.start_ms)
        start = next(e for e in events[index + 1 :] if e.kind == TONE or e.role == "rep")
        measured = nearest(heard, start.start_ms) - nearest(heard, end.start_ms)
        assert abs(measured - SECONDS[said[1]]) <= 50, (rest.text, measured)


# Concurrent builds: several `audioguide build` processes share one cache and one output folder.
#
# Six builds start at once from a cold cache: three of the same routine, two of another
# and one of the first at another level. All succeed, every file equals what serial builds
# make, the cache holds no damaged entry and no temporary file is left behind.

BUILDS = [
    (ROUTINES / "interrupt.yaml", "medium"),
    (ROUTINES / "interrupt.yaml", "medium"),
    (ROUTINES / "interrupt.yaml", "medium"),
    (SMALL_ROUTINE, "medium"),
    (SMALL_ROUTINE, "medium"),
    (ROUTINES / "interrupt.yaml", "easy"),
]
TIMEOUT_S = 300


def test_six_builds_at_once_match_serial_builds(tmp_path):
    serial = tmp_path / "serial"
    for path, level in dict.fromkeys(BUILDS):
        build(
            routine.load(path),
            BuildOptions(level=level, engine="pico", output=serial, cache_dir=tmp_path / "c1"),
        )

    shared, cache = tmp_path / "shared", tmp_path / "c2"
    processes = [cli_build(path, shared, cache, "--level", level) for path, level in BUILDS]
    errors = [p.communicate(timeout=TIMEOUT_S)[1].decode() for p in processes]
    assert [p.returncode for p in processes] == [0] * len(BUILDS), errors
    assert outputs(shared) == outputs(serial)
    assert len([name for name in outputs(serial) if name.endswith(".mp3")]) == len(set(BUILDS))
    assert damaged_cache_entries(cache) == []
    assert leftovers(shared, cache) == []


# Environment faults: unwritable folders, a read-only or full cache, a broken offline voice, no disk.
#
# Each ends in one clear message (`error: <what>: <why>. <fix>`) that names the path and the
# fix, exit status 1, and leaves no temporary file and no half-written track behind. And a bare
# machine: the install needs no C compiler, and the first build no network.

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0  # root writes through any permission
FILE_SIZE_LIMIT = 300_000  # bytes: cache entries fit, the interrupt routine's 600 kB track does not


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def refuse_writes_in(monkeypatch, folder, error=errno.EACCES) -> None:
    """Make creating any file in `folder` fail the way the operating system would."""
    original = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and os.path.abspath(dir).startswith(os.path.abspath(folder)):
            raise OSError(error, os.strerror(error), str(dir))
        return original(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def one_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1, result.output
    return result.output


def test_unwritable_output_folder(run, fake_engine, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    refuse_writes_in(monkeypatch, out)
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "fake", "-o", out))
    assert message == (
        f"error: cannot write {out / 'small-test-routine.mp3'}: Permission denied. Check that the folder "
        "is writable and the disk has space, or choose another with -o\n"
    )
    assert list(out.iterdir()) == []


@pytest.mark.skipif(AS_ROOT, reason="root can write into a read-only folder")
def test_really_read_only_output_folder(run, fake_engine, tmp_path):
    out = tmp_path / "out"
    out.mkdir(mode=0o555)
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "fake", "-o", out))
    assert message.startswith(f"error: cannot write {out / 'small-test-routine.mp3'}: Permission denied.")


def test_read_only_cache_folder(run, fake_engine, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    refuse_writes_in(monkeypatch, cache, errno.EROFS)
    message = one_line(
        run("build", SMALL_ROUTINE, "--engine", "fake", "-o", tmp_path / "out", "--cache-dir", cache)
    )
    assert message.startswith(f"error: cannot write the phrase cache at {cache}/")
    assert message.endswith(
        ": Read-only file system. Point --cache-dir or AUDIOGUIDE_CACHE_DIR at a writable folder\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(AS_ROOT, reason="root can write into a read-only folder")
def test_really_read_only_cache_folder(run, fake_engine, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o555)
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "fake", "--cache-dir", cache))
    assert message.startswith(f"error: cannot write the phrase cache at {cache}/")


def test_full_cache_disk(run, fake_engine, tmp_path, monkeypatch):
    cache = tmp_path / "cache"

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)  # the data went to a full disk
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "fake", "--cache-dir", cache))
    assert message.startswith(f"error: cannot write the phrase cache at {cache}/")
    assert message.endswith(
        ": No space left on device. Free some space, or point --cache-dir or AUDIOGUIDE_CACHE_DIR elsewhere\n"
    )
    assert leftovers(cache) == [] and not list(cache.rglob("*.clip"))


def limit_file_size() -> None:
    """In the child: files may not grow past the limit, and writes fail instead of killing it."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def test_no_free_disk_for_the_track_keeps_the_previous_one(tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    run_build(ROUTINES / "interrupt.yaml", out, cache)
    previous = outputs(out)
    command = [sys.executable, "-m", "audioguide", "build", str(ROUTINES / "interrupt-b.yaml")]
    # Named on the command line: version b replaces version a's track (a folder as -o would
    # give the track of another routine file a name of its own).
    command += ["--engine", "pico", "-o", str(out / "interrupt-test.mp3"), "--cache-dir", str(cache)]
    done = subprocess.run(command, capture_output=True, text=True, preexec_fn=limit_file_size, timeout=120)
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    # audioguide writes the frames itself (behind its Info header), so the write fails there
    assert done.stderr.startswith(f"error: cannot write {out / 'interrupt-test.mp3'}: File too large. ")
    assert "Check that the folder is writable and the disk has space" in done.stderr
    assert outputs(out) == previous and leftovers(out) == []


def test_missing_offline_voice(run, tmp_path, monkeypatch, pico_binding):
    monkeypatch.setattr(pico_binding, "language_dir", lambda: None)
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "pico", "-o", tmp_path))
    assert message.startswith(
        f"error: the pico engine cannot run here: {pico_binding.PACKAGE}'s language files (*_ta.bin) "
        "are missing from /"
    )
    assert message.endswith(f"; reinstall it: pip install --force-reinstall {pico_binding.PACKAGE}\n")


def test_corrupt_offline_voice(run, tmp_path, monkeypatch, pico_binding):
    junk = tmp_path / "languages"
    junk.mkdir()
    for name in ("en-US_ta.bin", "en-US_lh0_sg.bin"):
        (junk / name).write_bytes(os.urandom(50_000))
    monkeypatch.setattr(pico_binding, "language_dir", lambda: junk)
    # Where each library itself reads the files from, too.
    if pico_binding is pico_nanotts:
        import py_nanotts

        monkeypatch.setattr(py_nanotts, "_default_lingware_path", lambda: str(junk))
    else:
        import ttspico

        monkeypatch.setattr(ttspico, "_LANG_DIR", str(junk))
    message = one_line(run("build", SMALL_ROUTINE, "--engine", "pico", "-o", tmp_path / "out"))
    assert message == (
        f"error: the pico voice for en-US did not load from {junk}. Probable cause: damaged language "
        f"files; reinstall with pip install --force-reinstall {pico_binding.PACKAGE}\n"
    )


REPO = Path(__file__).parent.parent
NOT_COPIED = (".git", ".venv", "venv", "build", "dist", "output", "*.egg-info", "__pycache__", ".*_cache")
WHEEL_PLATFORMS = {("linux", "x86_64"), ("linux", "aarch64")}  # py-nanotts's Linux wheels
OFFLINE_SIGNS = ("NewConnectionError", "Failed to establish a new connection", "Temporary failure in name")
CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens: every request fails at once, on this machine
INSTALL_TIMEOUT_S = 300
DECODE_RATE = 8_000  # enough to measure the track's length and level


@pytest.mark.skipif(
    (sys.platform, platform.machine()) not in WHEEL_PLATFORMS,
    reason="py-nanotts publishes Linux wheels for x86_64 and aarch64 only; elsewhere pip compiles ttspico",
)
def test_installs_with_no_compiler_and_builds_offline_with_pico(tmp_path):
    """Quick start's `pip install -e .` on a machine with no C compiler, then a build with no network."""
    source = tmp_path / "audioguide"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=120)
    python = tmp_path / "venv" / "bin" / "python"
    bare = tmp_path / "bin"  # PATH: the new environment's Python, and no gcc, cc, c++ or ld
    bare.mkdir()
    (bare / "python3").symlink_to(python)
    no_compiler = {**os.environ, "PATH": str(bare), "CC": "false", "CXX": "false"}
    # No pip cache: a wheel compiled here earlier (ttspico's) would hide a build from source.
    install = [str(python), "-m", "pip", "install", "--no-cache-dir", "-e", str(source)]
    done = subprocess.run(install, env=no_compiler, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    if done.returncode != 0 and any(sign in done.stdout + done.stderr for sign in OFFLINE_SIGNS):
        pytest.skip("the package index cannot be reached from here")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    built = re.findall(r"Created wheel for \S+: filename=(\S+\.whl)", done.stdout)
    assert built and all(name.endswith("-none-any.whl") for name in built), f"compiled: {built}"
    bindings = (
        "import importlib.util as u; print(bool(u.find_spec('py_nanotts')), bool(u.find_spec('ttspico')))"
    )
    found = subprocess.run([str(python), "-c", bindings], capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["True", "False"], "py-nanotts's wheel, and no ttspico"

    offline = {
        **no_compiler,
        "HOME": str(tmp_path / "home"),
        "AUDIOGUIDE_GTTS_URL": f"{CLOSED_PORT}/batchexecute",
        "HTTP_PROXY": CLOSED_PORT,
        "HTTPS_PROXY": CLOSED_PORT,
        "NO_PROXY": "",
    }
    out, cache = tmp_path / "out", tmp_path / "cache"
    command = [str(tmp_path / "venv" / "bin" / "audioguide"), "build", "--engine", "pico"]
    command += ["-o", str(out), "--cache-dir", str(cache)]
    done = subprocess.run(command, env=offline, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "with voice pico (en-US)" in done.stdout, done.stdout
    timeline = json.loads((out / "feet-and-back.timeline.json").read_text())
    samples = decode(out / "feet-and-back.mp3", rate=DECODE_RATE)
    assert abs(len(samples) / DECODE_RATE * 1000 - timeline["duration_ms"]) < 100
    assert timeline["engine"] == "pico" and dbfs(samples) > -40, "a whole track with the voice in it"


# The seed article's draft, imported and built to an MP3 with the offline voice: the one real build.

SEED = Path(__file__).parent / "articles" / "seed-feet-and-back.txt"
LENGTH_TOLERANCE_MS = 100  # MP3 framing at the ends


def test_the_seed_articles_draft_builds_offline_to_a_track_of_its_planned_length(tmp_path):
    draft = tmp_path / "feet.yaml"
    write_draft(import_article(SEED.read_bytes(), str(SEED)).text, draft)
    loaded = routine.load(draft)
    result = build(loaded, BuildOptions(level="easy", engine="pico", output=tmp_path / "out"))
    assert result.engine == "pico"
    chapters = [chapter.title for chapter in result.script.chapters]
    for exercise in loaded.exercises:
        assert any(exercise.name in title for title in chapters), (exercise.name, chapters)
    samples = decode(result.written.mp3)
    heard_ms = len(samples) * 1000 / ANALYSIS_RATE
    assert abs(heard_ms - result.script.duration_ms) < LENGTH_TOLERANCE_MS
