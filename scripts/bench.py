"""Benchmark the customize loop: run by hand, prints a table. Offline; needs nothing but the project.

    .venv/bin/python scripts/bench.py

Every build runs as its own `audioguide build` process, as a user runs it, timed from
start to exit; its peak RSS comes from os.wait4 (the larger of audioguide's, which encodes in
its own process, and a ttspico worker's where Pico speaks through ttspico). Rows:

- cold offline build: the built-in routine with an empty phrase cache (pico voice), each run
  from its own empty cache into its own folder;
- its floors: synthesis (the same phrases through the same engine, timed around the engine's
  calls alone, in a process that does nothing else) and encode (the track's PCM through
  ffmpeg alone, as below); the cold build's target is a multiple of their sum;
- warm rebuild, no change: the same build again into the same folder, with nothing changed;
- start-up: `audioguide --version` and `audioguide --help`, as a user runs them;
- warm rebuild after a rep-count change (--reps heel-raises=16; medium was 15), each run
  from its own copy of the warm cache (phrases and encoded segments) so that each does the
  same work;
- floor: the PCM of that rebuilt track, piped from a file into ffmpeg's own LAME encoder
  with the build's format and LAME quality, with nothing else: what ffmpeg alone takes;
- cold encode stage: that track's encoding alone (every segment, none cached, on all cores),
  timed inside a process that has laid the track out from cached phrases;
- full encode (--no-reuse) of the same rebuild, for comparison;
- a generated 3-hour routine, built cold.

Repeated rows show min, median and max of --repeats runs, since the machine may be busy.
The rebuilt track's timing is verified on the decoded MP3s: the rebuild and the cold
encode decode to exactly the timeline's samples, with every cue's onset within one sample
of the full encode's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# This process imports nothing of audioguide: a child's peak RSS starts from its parent's
# size at fork, so the benchmark itself stays small to keep the builds' figures honest.

REP_CHANGE = 16  # heel raises: the built-in's medium is 15
MEMORY_TARGET_MB = 80
LONG_ROUTINE_EXERCISES = 12  # about three hours
REPEATS = 5  # rebuild/floor pairs
REBUILD_TARGET_S, REBUILD_FLOOR_TARGET, COLD_ENCODE_FLOOR_TARGET = 1.0, 0.3, 0.6
MUSIC_FLOOR_TARGET = 0.5  # a rebuild with music: nothing is silence, so more is encoded
MUSIC_SECONDS = 200  # the generated bed: two files, looped under the track
COLD_BUILD_FLOOR_TARGET = 1.3  # x (synthesis floor + encode floor)
NOTHING_TO_DO_TARGET = 0.05  # x the whole-track encode floor: a no-change rebuild, and start-up
LAG_WINDOW = 2048  # samples of each cue compared between the two encodes
LAG_SEARCH = 64  # samples either way searched for the best match


@dataclass(frozen=True)
class Row:
    case: str
    seconds: float
    peak_mb: float
    synthesized: str
    length: str
    spread: tuple[float, float, float] | None = None  # min, median, max of repeated runs


def repeated(case: str, rows: list[Row]) -> Row:
    """One row for repeated runs: the median run's figures, with min, median and max."""
    times = sorted(row.seconds for row in rows)
    middle = sorted(rows, key=lambda row: row.seconds)[len(rows) // 2]
    spread = (times[0], statistics.median(times), times[-1])
    return Row(case, spread[1], middle.peak_mb, middle.synthesized, middle.length, spread)


def run(command: list[str], env: dict[str, str] | None = None, stdin=None) -> tuple[float, float, str]:
    """Run a process to its end: wall seconds, peak RSS in MB (os.wait4) and its output."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdin=stdin, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", "replace")  # the floor writes MP3 to stdout
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{text}")
    return seconds, usage.ru_maxrss / 1024, text


def build(args: list[str], cache: Path, out: Path) -> tuple[float, float, int, str]:
    """One `audioguide build`, as a user runs it: wall time, peak RSS, phrases synthesized, length."""
    command = [sys.executable, "-m", "audioguide", "build", *args, "--engine", "pico", "-o", str(out)]
    command += ["--cache-dir", str(cache)]
    seconds, peak, text = run(command, {**os.environ, "AUDIOGUIDE_CACHE_DIR": str(cache)})
    found = re.search(r"(\d+) phrases? synthesized", text)
    synthesized = int(found[1]) if found else 0  # or "Up to date": nothing done
    length = re.search(r"\((\d+:\d\d(?::\d\d)?), level", text)[1]
    return seconds, peak, synthesized, length


def floor(reps: list[str], cache: Path, work: Path, bed: Path | None = None) -> tuple[float, float]:
    """The rebuilt track's PCM (and music), from a file, through the build's own ffmpeg command, alone."""
    pcm = work / "track.pcm"
    helper = [sys.executable, __file__, "--render-pcm", str(pcm), "--cache", str(cache), *reps]
    helper += ["--music", str(bed)] if bed else []
    command = json.loads(run(helper)[2].splitlines()[-1])
    with pcm.open("rb") as source:
        seconds, peak, _ = run(command, stdin=source)
    pcm.unlink()
    return seconds, peak


def render_pcm(pcm: Path, cache: Path, reps: list[str], bed: Path | None = None) -> None:
    """(A helper process.) Write the track's PCM exactly as a build streams it; print the floor's argv."""
    from audioguide import ffmpeg, music, render, speech
    from audioguide.authoring import overrides
    from audioguide.build import lay_out
    from audioguide.export import DEFAULT_BITRATE, DEFAULT_RATE
    from audioguide.export.encode import LAME_QUALITY
    from audioguide.music.bed import mixed

    customized = overrides.resolve(None, overrides.from_options({"reps": reps}))
    voice = speech.Voice(speech.offline_engine(), speech.PhraseCache(cache), DEFAULT_RATE)
    script = lay_out(customized.routine, "medium", voice)
    chunks = render.pcm_chunks(script, voice.clip, DEFAULT_RATE)
    if bed:
        chosen = music.Music(music.find(bed))
        sounds = render.placements(script, voice.clip, DEFAULT_RATE)
        length = render.sample_at(script.duration_ms, DEFAULT_RATE)
        chunks = mixed(chunks, chosen.laid(sounds, length, DEFAULT_RATE, cache))
    with pcm.open("wb") as file:
        for chunk in chunks:
            file.write(chunk)
    floor_command = [
        ffmpeg.executable(), "-hide_banner", "-loglevel", "error",
        "-f", "s16le", "-ar", str(DEFAULT_RATE), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", DEFAULT_BITRATE, "-compression_level", str(LAME_QUALITY),
        "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "pipe:1",
    ]  # fmt: skip
    print(json.dumps(floor_command))


def synthesis_floor(cache: Path, reps: list[str]) -> float:
    """(A helper process.) The track's phrases through its engine, nothing else: seconds of synthesis."""
    from audioguide import speech
    from audioguide.authoring import overrides
    from audioguide.build import lay_out
    from audioguide.export import DEFAULT_RATE
    from audioguide.speech.text import prepare

    customized = overrides.resolve(None, overrides.from_options({"reps": reps}))
    voice = speech.Voice(speech.offline_engine(), speech.PhraseCache(cache), DEFAULT_RATE)
    script = lay_out(customized.routine, "medium", voice)
    texts = [prepare(text, voice.preparers) for text in script.phrases()]
    start = time.perf_counter()
    for text in texts:
        voice.engine.synthesize(text)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "phrases": len(texts)}))
    return seconds


def cold_encode(pcm_dir: Path, cache: Path, reps: list[str]) -> float:
    """(A helper process.) Lay the track out from cached phrases, then time encoding all its segments."""
    from audioguide import speech
    from audioguide.authoring import overrides
    from audioguide.build import lay_out
    from audioguide.export import DEFAULT_RATE, AudioFormat
    from audioguide.export.segment_cache import SegmentCache
    from audioguide.export.segments import Reuse, encode_reusing

    customized = overrides.resolve(None, overrides.from_options({"reps": reps}))
    voice = speech.Voice(speech.offline_engine(), speech.PhraseCache(cache), DEFAULT_RATE)
    script = lay_out(customized.routine, "medium", voice)
    out = pcm_dir / "cold.mp3"
    start = time.perf_counter()
    encoded = encode_reusing(
        Reuse(voice.clip, SegmentCache(pcm_dir / "empty")), out, AudioFormat(), script, out
    )
    seconds = time.perf_counter() - start
    result = {"seconds": seconds, "segments": encoded.segments, "silent": encoded.silent, "mp3": str(out)}
    print(json.dumps(result))
    return seconds


def verify(candidate: Path, reference: Path, timeline: Path) -> None:
    """(A helper process.) Decode both MP3s; print how their lengths and cue onsets compare."""
    import numpy as np

    from audioguide import ffmpeg
    from audioguide.export import DEFAULT_RATE
    from audioguide.render import sample_at

    def decoded(path: Path):
        command = [ffmpeg.executable(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"]
        pcm = subprocess.run(command, check=True, capture_output=True).stdout
        return np.frombuffer(pcm, dtype="<i2").astype(np.int64)

    def lag(at: int) -> int:
        """How many samples the candidate's cue at `at` sits from the reference's: the shift that
        leaves the least difference, over a window from just before the cue (silence, so a shift
        shows) into it. A threshold crossing is not used: on a soft onset, codec noise alone
        moves it by tens of samples."""
        start = max(LAG_SEARCH, at - LAG_WINDOW // 4)
        ours = a[start : start + LAG_WINDOW]
        if len(ours) < LAG_WINDOW or not ours.any():
            return 0

        def difference(k: int) -> float:
            theirs = b[start + k : start + k + LAG_WINDOW]
            return float(np.sum((ours - theirs) ** 2)) if len(theirs) == LAG_WINDOW else float("inf")

        return min(range(-LAG_SEARCH, LAG_SEARCH + 1), key=difference)

    plan = json.loads(timeline.read_text())
    rate = DEFAULT_RATE
    a, b = decoded(candidate), decoded(reference)
    expected = sample_at(plan["duration_ms"], rate)
    starts = [sample_at(event["start_ms"], rate) for event in plan["events"]]
    worst = max(abs(lag(at)) for at in starts) if len(a) == len(b) else len(b)
    ok = len(a) == len(b) == expected and worst <= 1
    print(
        json.dumps({"ok": ok, "samples": [len(a), len(b), expected], "onsets": len(starts), "worst": worst})
    )


def check(candidate: Path, reference: Path, timeline: Path) -> str:
    helper = [sys.executable, __file__, "--verify", str(candidate), str(reference), str(timeline)]
    result = json.loads(run(helper)[2].splitlines()[-1])
    verdict = "verified" if result["ok"] else "NOT VERIFIED"
    return (
        f"{verdict}: {result['samples'][0]} samples (timeline {result['samples'][2]}), "
        f"{result['onsets']} cue onsets within {result['worst']} sample(s) of a full encode"
    )


def long_routine(path: Path, exercises: int) -> None:
    """About three hours: holds and counted reps in rounds, with sides, rests and countdowns."""
    lines = [
        "title: Three hour soak",
        "intro: A long generated routine for the benchmark.",
        "rest_between: 45s",
        "exercises:",
    ]
    for n in range(1, exercises + 1):
        lines += [
            f"  - name: Movement {n}",
            f"    purpose: Part {n} of the long routine.",
            "    sets: 3",
            "    rest: 30s",
            "    sides: [right, left]",
            "    steps:",
            "      - hold: 45s",
            "        say: Hold the {side} side steady.",
            "      - reps: 20",
            "        say: Lift and lower on the {side} side.",
            "        tempo:",
            "          - {say: lift, for: 2s}",
            "          - {say: lower, for: 2s}",
        ]
    path.write_text("\n".join(lines) + "\n")


def music_bed(folder: Path) -> Path:
    """Two generated files, noise and chords, that stand for a user's music folder."""
    where = "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())"  # in a child: this stays small
    executable = run([sys.executable, "-c", where])[2].strip()
    folder.mkdir()
    half = MUSIC_SECONDS // 2
    sources = {"1-noise.mp3": f"anoisesrc=d={half}:c=pink:a=0.2",
               "2-chords.mp3": f"sine=f=220:d={half},volume=0.3"}  # fmt: skip
    for name, source in sources.items():
        subprocess.run([executable, "-v", "error", "-f", "lavfi", "-i", source, "-b:a", "192k",
                        str(folder / name)], check=True)  # fmt: skip
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", type=int, default=LONG_ROUTINE_EXERCISES, help="in the long routine")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs of each repeated row")
    parser.add_argument("--skip-long", action="store_true", help="leave out the 3-hour routine")
    parser.add_argument("--render-pcm", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cold-encode", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--synthesis-floor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", type=Path, nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--music", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("reps", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # As on a user's machine: Python keeps each module compiled (pip compiles them at install).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.render_pcm:
        render_pcm(args.render_pcm, args.cache, args.reps, args.music)
        return
    if args.cold_encode:
        cold_encode(args.cold_encode, args.cache, args.reps)
        return
    if args.verify:
        verify(*args.verify)
        return
    if args.synthesis_floor:
        synthesis_floor(args.cache, args.reps)
        return
    with tempfile.TemporaryDirectory(prefix="audioguide-bench-") as folder:
        work = Path(folder)
        cache, out = work / "cache", work / "out"
        rows: list[Row] = []

        def add(case: str, build_args: list[str], cache_dir: Path = cache) -> tuple[float, str]:
            seconds, peak, synthesized, length = build(build_args, cache_dir, out)
            rows.append(Row(case, seconds, peak, str(synthesized), length))
            return seconds, length

        # Cold builds, each from its own empty cache into its own folder; the last one's cache
        # serves the rows after it. Then the floors of a cold build: the same phrases through the
        # same engine, and the same track's PCM through ffmpeg alone.
        colds_built, synth_floors, track_floors, unchanged, startups, helps = [], [], [], [], [], []
        for run_index in range(args.repeats):
            shutil.rmtree(cache, ignore_errors=True)
            seconds, peak, synthesized, length = build([], cache, work / f"cold-build-{run_index}")
            colds_built.append(Row("", seconds, peak, str(synthesized), length))
        for _ in range(args.repeats):
            helper = [sys.executable, __file__, "--synthesis-floor", "--cache", str(cache)]
            _, peak, text = run(helper)
            result = json.loads(text.splitlines()[-1])
            synth_floors.append(Row("", result["seconds"], peak, str(result["phrases"]), length))
            floor_s, floor_mb = floor([], cache, work)
            track_floors.append(Row("", floor_s, floor_mb, "-", length))
        # Nothing changed: the same build into the folder of the last cold build.
        for _ in range(args.repeats):
            seconds, peak, synthesized, length = build([], cache, work / f"cold-build-{args.repeats - 1}")
            unchanged.append(Row("", seconds, peak, str(synthesized), length))
        program = str(Path(sys.executable).with_name("audioguide"))
        for _ in range(args.repeats):
            seconds, peak, _ = run([program, "--version"])
            startups.append(Row("", seconds, peak, "-", "-"))
            seconds, peak, _ = run([program, "--help"])
            helps.append(Row("", seconds, peak, "-", "-"))
        cold_build = repeated("(b) cold offline build, feet-and-back", colds_built)
        synth_floor = repeated("(b) floor: same phrases, engine alone", synth_floors)
        track_floor = repeated("(b) floor: same track's PCM, ffmpeg alone", track_floors)
        no_change = repeated("warm rebuild, no change", unchanged)
        startup = repeated("start-up: audioguide --version", startups)
        rows += [cold_build, synth_floor, track_floor, no_change, startup,
                 repeated("start-up: audioguide --help", helps)]  # fmt: skip
        out = work / f"cold-build-{args.repeats - 1}"
        # Each rebuild starts from its own copy of the warm cache, so every run does the
        # same work; the floor encodes that rebuild's PCM.
        reps = f"heel-raises={REP_CHANGE}"
        rebuilds, floors, colds, fulls = [], [], [], []
        for run_index in range(args.repeats):
            copy = work / f"cache-{run_index}"
            shutil.copytree(cache, copy)
            seconds, peak, synthesized, length = build(["--reps", reps], copy, out)
            rebuilds.append(Row("", seconds, peak, str(synthesized), length))
            floor_s, floor_mb = floor([reps], copy, work)
            floors.append(Row("", floor_s, floor_mb, "-", length))
            helper = [sys.executable, __file__, "--cold-encode", str(work / f"cold-{run_index}"),
                      "--cache", str(copy), reps]  # fmt: skip
            (work / f"cold-{run_index}").mkdir()
            cold_s, cold_mb, text = run(helper)
            cold = json.loads(text.splitlines()[-1])
            colds.append(Row("", cold["seconds"], cold_mb, "-", length))
            full_out = work / "full"
            no_reuse = ["--reps", reps, "--no-reuse", "--force"]  # the same work each time, not "up to date"
            seconds, peak, synthesized, length = build(no_reuse, copy, full_out)
            fulls.append(Row("", seconds, peak, str(synthesized), length))
        name = f"feet-and-back-heel-raises-reps-{REP_CHANGE}"
        rebuilt, full = out / f"{name}.mp3", work / "full" / f"{name}.mp3"
        timeline = full.with_name(f"{name}.timeline.json")
        verified = {
            "rebuild": check(rebuilt, full, timeline),
            "cold encode": check(Path(cold["mp3"]), full, timeline),
        }
        rebuild = repeated(f"(a) warm rebuild, --reps {reps}", rebuilds)
        floor_row = repeated("(a) floor: same PCM, ffmpeg alone", floors)
        cold_row = repeated("(d) cold encode stage, all segments", colds)
        rows += [rebuild, floor_row, cold_row, repeated("(a) same rebuild, --no-reuse", fulls)]
        # (e) The same rebuild with a music bed: each run from a copy of a cache warm with it.
        bed = music_bed(work / "music")
        add("(e) cold build with music", ["--music", str(bed)])
        music_rebuilds, music_floors = [], []
        for run_index in range(args.repeats):
            copy = work / f"music-cache-{run_index}"
            shutil.copytree(cache, copy)
            seconds, peak, synthesized, length = build(["--reps", reps, "--music", str(bed)], copy, out)
            music_rebuilds.append(Row("", seconds, peak, str(synthesized), length))
            floor_s, floor_mb = floor([reps], copy, work, bed)
            music_floors.append(Row("", floor_s, floor_mb, "-", length))
        music_rebuild = repeated(f"(e) warm rebuild with music, --reps {reps}", music_rebuilds)
        music_floor = repeated("(e) floor: same PCM with music, ffmpeg alone", music_floors)
        rows += [music_rebuild, music_floor]
        if not args.skip_long:
            routine_file = work / "long.yaml"
            long_routine(routine_file, args.exercises)
            add("(c) generated 3-hour routine, cold", [str(routine_file)], work / "long-cache")
            add("(f) generated 3-hour routine with music, cold", [str(routine_file), "--music", str(bed)],
                work / "long-music-cache")  # fmt: skip

    width = max(len(row.case) for row in rows)
    print(f"{'case':<{width}}  {'wall s':>7}  {'min / median / max s':>20}  {'peak RSS MB':>11}  "
          f"{'synthesized':>11}  {'track':>7}")  # fmt: skip
    for row in rows:
        spread = " / ".join(f"{value:.2f}" for value in row.spread) if row.spread else ""
        print(
            f"{row.case:<{width}}  {row.seconds:>7.2f}  {spread:>20}  {row.peak_mb:>11.1f}  "
            f"{row.synthesized:>11}  {row.length:>7}"
        )
    print()
    ratio = rebuild.seconds / floor_row.seconds
    best = rebuild.spread[0] / floor_row.spread[0]
    print(
        f"warm rebuild after a rep change: {rebuild.seconds:.2f} s median (target < {REBUILD_TARGET_S} s), "
        f"{ratio:.2f}x the floor by medians, {best:.2f}x by minimums (target <= {REBUILD_FLOOR_TARGET}x); "
        f"{verified['rebuild']}"
    )
    floors = synth_floor.seconds + track_floor.seconds
    print(
        f"cold build: {cold_build.seconds:.2f} s median, {cold_build.seconds / floors:.2f}x (synthesis floor "
        f"{synth_floor.seconds:.2f} s + encode floor {track_floor.seconds:.2f} s) by medians "
        f"(target <= {COLD_BUILD_FLOOR_TARGET}x)"
    )
    for name, row in (("no-change rebuild", no_change), ("audioguide --version", startup)):
        print(
            f"{name}: {row.seconds:.3f} s median, {row.seconds / track_floor.seconds:.3f}x the whole-track "
            f"encode floor by medians (target <= {NOTHING_TO_DO_TARGET}x)"
        )
    print(
        f"cold encode stage: {cold_row.seconds / floor_row.seconds:.2f}x the floor by medians, "
        f"{cold_row.spread[0] / floor_row.spread[0]:.2f}x by minimums "
        f"(target <= {COLD_ENCODE_FLOOR_TARGET}x), {cold['segments']} segments encoded "
        f"and {cold['silent']} of silence copied; {verified['cold encode']}"
    )
    print(
        f"warm rebuild after a rep change with music: {music_rebuild.seconds:.2f} s median, "
        f"{music_rebuild.seconds / music_floor.seconds:.2f}x the floor by medians, "
        f"{music_rebuild.spread[0] / music_floor.spread[0]:.2f}x by minimums "
        f"(target <= {MUSIC_FLOOR_TARGET}x)"
    )
    if not args.skip_long:
        plain, with_music = rows[-2:]
        print(f"3-hour routine peak RSS: {plain.peak_mb:.1f} MB, {with_music.peak_mb:.1f} MB with music "
              f"(target <= {MEMORY_TARGET_MB} MB)")  # fmt: skip
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}, {platform.system()} {platform.release()}")  # fmt: skip


if __name__ == "__main__":
    main()
