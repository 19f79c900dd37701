"""`audioguide coach`: options as for build, the file devices, the log, and its errors."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import HERE, SMALL_ROUTINE
from live_audio import microphone, samples

from audioguide import sessions
from audioguide.cli import cli
from audioguide.live import devices, sound


def coach(tmp_path, *args):
    out = f"wav:{tmp_path / 'out.wav'}"
    base = ["coach", str(SMALL_ROUTINE), "--engine", "fake", "--output", out, "--fast", "--log-dir", str(tmp_path)]
    return CliRunner().invoke(cli, [*base, *args])


def test_a_session_is_played_and_logged_as_completed(tmp_path, fake_engine):
    log = tmp_path / "new" / "folder"  # made for the log, as output/ is before the first build
    result = coach(tmp_path, "--input", "none", "--level", "hard", "--reps", "calf-raise=3", "--log-dir", str(log))
    assert result.exit_code == 0, result.output
    assert "Session completed: 0 pauses, 0 skips; logged." in result.output
    (logged,) = sessions.read(log)
    assert (logged.routine, logged.level, logged.live, logged.file) == ("Small test routine", "hard", "completed", "")
    assert logged.changed and samples(tmp_path / "out.wav").any()
    shown = CliRunner().invoke(cli, ["log", "-o", str(log)])
    assert "Small test routine (level hard, changed: " in shown.output
    assert "live: completed, 0 pauses, 0 skips" in shown.output


def test_stop_said_into_the_microphone_logs_where_it_stopped(tmp_path, fake_engine):
    microphone(tmp_path / "in.wav", {30: "stop"})
    result = coach(tmp_path, "--input", f"wav:{tmp_path / 'in.wav'}")
    assert result.exit_code == 0, result.output
    (logged,) = sessions.read(tmp_path)
    assert logged.live == "stopped at Wall sit"


def test_ctrl_c_exits_130_and_logs_the_session_as_stopped(tmp_path, fake_engine, monkeypatch):
    written = []

    def write(self, pcm):
        written.append(len(pcm))
        if len(written) == 300:  # 15 s in
            raise KeyboardInterrupt

    monkeypatch.setattr(devices.WavOutput, "write", write)
    result = coach(tmp_path, "--input", "none")
    assert result.exit_code == 130
    (logged,) = sessions.read(tmp_path)
    assert logged.live.startswith("stopped at ")


def test_a_language_without_spoken_commands_falls_back_to_the_keyboard_once(tmp_path, fake_engine):
    microphone(tmp_path / "in.wav", {})
    result = coach(tmp_path, "--input", f"wav:{tmp_path / 'in.wav'}", "--lang", "de")
    assert result.exit_code == 0, result.output
    assert result.output.count("note: spoken commands are in English only") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output", "out.wav"], "error: --output out.wav: give wav:PATH"),
        (["--input", "mic"], "error: --input mic: give wav:PATH or none"),
    ],
)
def test_device_specs_that_do_not_read_are_messages(tmp_path, fake_engine, args, message):
    result = CliRunner().invoke(cli, ["coach", str(SMALL_ROUTINE), "--engine", "fake", "--input", "none", *args])
    assert result.exit_code == 1 and message in result.output


def test_fast_needs_a_file_output(fake_engine):
    result = CliRunner().invoke(cli, ["coach", str(SMALL_ROUTINE), "--engine", "fake", "--fast"])
    assert result.exit_code == 2 and "--fast runs on a simulated clock" in result.output


class FakeDevices:
    playbacks: list = []
    captures: list = []

    def get_playbacks(self):
        return [{"name": name} for name in self.playbacks]

    def get_captures(self):
        return [{"name": name} for name in self.captures]


def test_no_sound_device_is_a_message(tmp_path, fake_engine, monkeypatch):
    FakeDevices.playbacks = [sound.NULL_DEVICE + " (playback)"]
    monkeypatch.setattr(sound.miniaudio, "Devices", FakeDevices)
    result = CliRunner().invoke(cli, ["coach", str(SMALL_ROUTINE), "--engine", "fake", "--input", "none"])
    assert result.exit_code == 1
    assert "error: no sound device: this computer has no sound output" in result.output


def test_no_microphone_and_a_busy_one_fall_back_to_the_keyboard(monkeypatch):
    FakeDevices.captures = []
    monkeypatch.setattr(sound.miniaudio, "Devices", FakeDevices)
    assert sound.open_microphone()[1] == "no microphone found: keyboard commands only"

    def busy(*args, **kwargs):
        raise sound.miniaudio.MiniaudioError("failed to init device: Device or resource busy")

    FakeDevices.captures = ["USB microphone"]
    monkeypatch.setattr(sound.miniaudio, "CaptureDevice", busy)
    microphone, note = sound.open_microphone()
    assert isinstance(microphone, devices.NoInput) and "the microphone is busy" in note


def test_help_stays_fast_and_loads_no_audio_library():
    code = "import sys; from audioguide.cli import cli; print('miniaudio' in sys.modules, 'pocketsphinx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "False"]


def readme_coach_lines() -> list[list[str]]:
    text = (HERE.parent / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines() if line.startswith("audioguide coach")]
    return [shlex.split(line, comments=True)[1:] for line in lines]


def test_the_readmes_coach_commands_run(tmp_path, fake_engine, monkeypatch):
    commands = readme_coach_lines()
    assert len(commands) == 2
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my-routine.yaml").write_text(SMALL_ROUTINE.read_text())
    for args in commands:
        test_aids = ["--engine", "fake", "--output", f"wav:{tmp_path / 'out.wav'}", "--input", "none", "--fast"]
        result = CliRunner().invoke(cli, [*args, *test_aids, "--log-dir", str(tmp_path)])
        assert result.exit_code == 0, (args, result.output)
    assert [s.live for s in sessions.read(tmp_path)] == ["completed", "completed"]
