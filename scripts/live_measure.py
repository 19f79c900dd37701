"""Measure the live coach on the file devices: run by hand, prints its figures. Offline.

    .venv/bin/python scripts/live_measure.py [--minutes 10]

- false triggers: a session of about ten minutes (the Pico voice) whose microphone hears
  music-like noise (chords, a bass line, a hi-hat on every beat) mixed with the coach's own
  voice, as from a speaker in the room: every command heard is a false trigger (target: 0);
- latency: each command said once by the offline Pico voice in the quiet of a hold, and the
  time from the end of the word to the coach's reaction (the end of the block after which it
  acts), on the file devices (target: at most 1 s): in silence at the voice's own level and
  6 dB softer, and over the music; a word missed or taken for another is listed as such;
- CPU and memory: the CPU time a session takes per second of audio, with the recognizer
  listening throughout (--fast), and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from pydub import AudioSegment

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from live_audio import spoken  # noqa: E402

from audioguide import live, routine  # noqa: E402
from audioguide.live.devices import LISTEN_RATE  # noqa: E402
from audioguide.live.session import BLOCK_MS  # noqa: E402

BPM = 120
MUSIC_DBFS = -24.0  # the music's peaks: about -36 dBFS on average
WORD_GAIN_DB = -6.0  # the words at about -19 dBFS (music added to them does not clip)
LATENCY_ROUTINE = """
title: Latency
cues: {pre_roll: 1s, get_ready: 4s}
exercises:
  - name: Wall sit
    steps: [{hold: 60s, say: Slide down and hold., until: ready, halfway: false}]
  - name: Heel raises
    steps: [{hold: 20s, say: Rise onto your toes.}]
  - name: Calf stretch
    steps: [{hold: 20s, say: Lean into the wall.}]
"""
# word -> (when it is said, what is said before it to make it meaningful)
COMMANDS = {
    "pause": (25, {}),
    "resume": (30, {20: "pause"}),
    "continue": (30, {20: "pause"}),
    "next": (25, {}),
    "back": (25, {}),
    "repeat": (25, {}),
    "how long": (25, {}),
    "stop": (25, {}),
    "ready": (80, {}),
}


def long_routine(minutes: int) -> str:
    names = ["Wall sit", "Heel raises", "Calf stretch", "Bridge", "Plank", "Side plank", "Squat", "Lunge"]
    hold = max(20, round(minutes * 60 / len(names)) - 15)  # each exercise and the 15 s before it
    lines = ["title: Ten minutes", "rest_between: 15s", "exercises:"]
    for name in names:
        lines += [
            f"  - name: {name}",
            "    steps:",
            f"      - {{hold: {hold}s, say: Hold the {name.lower()} and breathe.}}",
        ]
    return "\n".join(lines) + "\n"


def music(seconds: float) -> AudioSegment:
    """Chords changing every bar, a bass line and a hi-hat: music-like noise at 16 kHz."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * LISTEN_RATE)) / LISTEN_RATE
    beat = 60 / BPM
    chords = [(261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (196.0, 246.9, 293.7)]
    out = np.zeros_like(t)
    bar = (t // (4 * beat)).astype(int) % len(chords)
    for voice in range(3):
        freq = np.array([c[voice] for c in chords])[bar]
        out += 0.2 * np.sin(2 * np.pi * freq * t) + 0.07 * np.sin(4 * np.pi * freq * t)
    out += 0.3 * np.sin(2 * np.pi * np.array([c[0] / 2 for c in chords])[bar] * t)
    phase = (t % beat) / beat
    out += 0.25 * rng.standard_normal(t.size) * np.exp(-phase * 40)  # hi-hat on every beat
    out += 0.15 * np.sin(2 * np.pi * 60 * t) * np.exp(-phase * 8)  # a kick
    pcm = (out / np.abs(out).max() * 32767 * 10 ** (MUSIC_DBFS / 20)).astype(np.int16)
    return AudioSegment(pcm.tobytes(), frame_rate=LISTEN_RATE, sample_width=2, channels=1)


def session(text: str, work: Path, microphone: Path | None) -> tuple[live.Report, float, int]:
    path = work / "routine.yaml"
    path.write_text(text)
    out = work / "out.wav"
    spec = f"wav:{microphone}" if microphone else "none"
    options = live.CoachOptions(engine="pico", output=f"wav:{out}", input=spec, fast=True)
    prepared = live.prepare(routine.load(path), options)
    started = time.process_time()
    report = live.coach(prepared, options)
    return report, time.process_time() - started, prepared.track.rate


def false_triggers(minutes: int, work: Path) -> None:
    report, cpu, rate = session(long_routine(minutes), work, None)  # the coach alone
    seconds = report.frames / rate
    voice = AudioSegment.from_wav(work / "out.wav").set_frame_rate(LISTEN_RATE) - 6
    heard = music(seconds + 1).overlay(voice)
    heard.export(work / "room.wav", format="wav")
    report, cpu, rate = session(long_routine(minutes), work, work / "room.wav")
    print(f"false triggers: {len(report.heard)} in {seconds / 60:.1f} min of music and the coach's voice")
    for frame, command, _ in report.heard:
        print(f"  {frame / rate:7.2f} s  {command}")
    share = 100 * cpu / seconds
    print(f"cpu: {cpu:.1f} s for {seconds:.0f} s of session = {share:.1f}% of one core (--fast)")


def latency(work: Path, with_music: bool, gain_db: float) -> None:
    worst = 0.0
    for word, (at, before) in COMMANDS.items():
        said = {**before, at: word}
        total = max(said) + 30
        room = music(total) if with_music else AudioSegment.silent(int(total * 1000), frame_rate=LISTEN_RATE)
        for when, text in said.items():
            room = room.overlay(spoken(text) + gain_db, position=int(when * 1000))
        room.export(work / "words.wav", format="wav")
        report, _, rate = session(LATENCY_ROUTINE, work, work / "words.wav")
        end = at + len(spoken(word)) / 1000
        reacted = [frame / rate for frame, _, _ in report.heard if frame / rate >= at]
        if not reacted:
            print(f"  {word!r}: not heard")
            worst = float("inf")
            continue
        delay = reacted[0] - end + BLOCK_MS / 1000  # it acts on the next block
        worst = max(worst, delay)
        print(f"  {word!r}: {delay * 1000:.0f} ms ({report.heard[-1][1]})")
    where = "over music" if with_music else "in quiet"
    print(f"latency {where}, words at {gain_db:+.0f} dB: worst {worst * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        latency(work, with_music=False, gain_db=0.0)  # the words as the Pico voice says them
        latency(work, with_music=False, gain_db=WORD_GAIN_DB)
        latency(work, with_music=True, gain_db=WORD_GAIN_DB)
        false_triggers(args.minutes, work)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS of this process: {peak / 1024:.0f} MB")


if __name__ == "__main__":
    main()
