"""Piper: hashed once, reproducible, and found where users put voices; with the tests' tiny model."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading

import numpy as np
import pytest
from builds import outputs
from click.testing import CliRunner
from conftest import SMALL_ROUTINE

from audioguide import routine, speech
from audioguide.build import BuildOptions, build
from audioguide.cli import cli
from audioguide.errors import SpeechError
from audioguide.speech import piper

TINY = "en_US-tiny-x_low"
FIND_PACKAGE_MODELS = piper._package_models


@pytest.fixture(scope="module")
def tiny_voice(tmp_path_factory):
    pytest.importorskip("piper", reason="the [piper] extra is not installed")
    pytest.importorskip("onnx", reason="building the test model needs onnx")
    import tiny_piper

    return tiny_piper.build(tmp_path_factory.mktemp("piper"))


@pytest.fixture(autouse=True)
def only_these_voices(tmp_path, monkeypatch):
    """No voice from this machine's data folder or packages: each test installs its own."""
    monkeypatch.setenv("AUDIOGUIDE_PIPER_VOICES", str(tmp_path / "voices"))
    monkeypatch.setattr(piper, "_package_models", lambda: ())
    monkeypatch.setattr(piper, "_DIGESTS", {})


def counting_hashes(monkeypatch) -> list[str]:
    hashed: list[str] = []
    real = piper._file_digest

    def counted(path):
        hashed.append(str(path))
        return real(path)

    monkeypatch.setattr(piper, "_file_digest", counted)
    return hashed


def test_a_model_is_hashed_at_most_once_per_build(tiny_voice, monkeypatch, tmp_path):
    hashed = counting_hashes(monkeypatch)
    options = BuildOptions(engine="piper", engine_options={"voice": str(tiny_voice)}, output=tmp_path)
    cold = build(routine.load(SMALL_ROUTINE), options)
    assert cold.synthesized == cold.phrases > 20
    assert hashed == [str(tiny_voice)], "one hash for a cold build of every phrase"
    warm = build(routine.load(SMALL_ROUTINE), options)
    assert warm.synthesized == 0 and warm.voice == cold.voice
    assert len(hashed) == 1, "a warm build in the same process hashes nothing"


def test_a_replaced_model_is_hashed_again_and_keys_new_clips(tiny_voice, monkeypatch, tmp_path):
    hashed = counting_hashes(monkeypatch)
    model = tmp_path / f"{TINY}.onnx"
    shutil.copy(tiny_voice, model)
    shutil.copy(f"{tiny_voice}.json", f"{model}.json")
    before = speech.make_engine("piper", voice=str(model)).voice_id
    assert speech.make_engine("piper", voice=str(model)).voice_id == before and len(hashed) == 1
    model.write_bytes(model.read_bytes() + b"\0")  # a different model under the same name
    os.utime(model, ns=(1, 1))
    assert speech.make_engine("piper", voice=str(model)).voice_id != before and len(hashed) == 2


def test_the_model_is_loaded_once_per_build(tiny_voice, monkeypatch, tmp_path):
    from piper import PiperVoice

    loads = []
    real = PiperVoice.load

    def counted(*args, **kwargs):
        loads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(PiperVoice, "load", staticmethod(counted))
    options = BuildOptions(engine="piper", engine_options={"voice": str(tiny_voice)}, output=tmp_path, jobs=4)
    assert build(routine.load(SMALL_ROUTINE), options).synthesized > 20
    assert len(loads) == 1


def test_cold_builds_are_byte_identical(tiny_voice, tmp_path):
    from piper import PiperVoice

    # The tiny model samples noise as Piper's voices do: left to itself it differs run to run.
    plain = PiperVoice.load(tiny_voice)
    runs = [
        np.concatenate([c.audio_float_array for c in plain.synthesize("Round two of five.")])
        for _ in range(3)
    ]
    assert any(len(r) != len(runs[0]) or not np.array_equal(r, runs[0]) for r in runs[1:])
    built = []
    for name in ("first", "second"):
        options = BuildOptions(
            engine="piper",
            engine_options={"voice": str(tiny_voice)},
            output=tmp_path / name,
            cache_dir=tmp_path / f"cache-{name}",
            jobs=4,
        )
        assert build(routine.load(SMALL_ROUTINE), options).synthesized > 20
        built.append(outputs(tmp_path / name))
    assert built[0].keys() >= {"small-test-routine.mp3", "small-test-routine.timeline.json"}
    assert built[0] == built[1]


def install_as_package(site, model, dist="tiny-voice", card="* License: CC-BY-4.0\n"):
    """A distribution on sys.path that ships NAME.onnx and NAME.onnx.json, as a voice package does."""
    data = site / "tiny_voice" / "data"
    data.mkdir(parents=True)
    shutil.copy(model, data / model.name)
    shutil.copy(f"{model}.json", data / f"{model.name}.json")
    (data / "MODEL_CARD").write_text(f"# Model card for tiny (x_low)\n\n* Language: en_US (English)\n{card}")
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    files = [f"tiny_voice/data/{name}" for name in (model.name, f"{model.name}.json", "MODEL_CARD")]
    (info / "RECORD").write_text("".join(f"{name},,\n" for name in files))


def test_voices_installed_as_packages_are_found_by_name(tiny_voice, tmp_path, monkeypatch):
    install_as_package(tmp_path / "site", tiny_voice)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(piper, "_package_models", FIND_PACKAGE_MODELS.__wrapped__)  # not remembered
    engine = speech.make_engine("piper", voice=TINY)
    assert engine.model == (tmp_path / "site" / "tiny_voice" / "data" / f"{TINY}.onnx").resolve()
    assert engine.synthesize("Hold.").frame_rate == 16_000
    (found,) = [v for v in piper.find_voices() if v.name == TINY]
    assert (found.source, found.language, found.sample_rate, found.licence) == (
        "package tiny-voice", "en_US", 16_000, "CC-BY-4.0",
    )  # fmt: skip
    assert found.size_bytes == tiny_voice.stat().st_size


def test_voices_in_the_data_folder_are_found_by_name_and_listed(tiny_voice, tmp_path):
    folder = tmp_path / "voices"  # AUDIOGUIDE_PIPER_VOICES, as `voices download` fills it
    folder.mkdir()
    shutil.copy(tiny_voice, folder / f"{TINY}.onnx")
    shutil.copy(f"{tiny_voice}.json", folder / f"{TINY}.onnx.json")
    (folder / f"{TINY}.MODEL_CARD").write_text("## Dataset\n\n* URL: x\n* License: MIT\n")
    assert speech.make_engine("piper", voice=TINY).model == folder / f"{TINY}.onnx"
    result = CliRunner().invoke(cli, ["voices"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if TINY in line)
    assert "en_US" in line and "16000 Hz" in line and "MIT" in line and "voices folder" in line
    listed = json.loads(CliRunner().invoke(cli, ["voices", "--json"]).output)
    (entry,) = [e for e in listed if e["name"] == "piper"]
    assert entry["models"] == [
        {
            "name": TINY,
            "path": str(folder / f"{TINY}.onnx"),
            "source": "voices folder",
            "language": "en_US",
            "sample_rate": 16_000,
            "quality": "?",
            "size_bytes": tiny_voice.stat().st_size,
            "licence": "MIT",
        }
    ]


def test_a_voice_without_a_model_card_says_its_licence_is_not_stated(tiny_voice, tmp_path):
    folder = tmp_path / "voices"
    folder.mkdir()
    shutil.copy(tiny_voice, folder / f"{TINY}.onnx")
    shutil.copy(f"{tiny_voice}.json", folder / f"{TINY}.onnx.json")
    (found,) = piper.find_voices()
    assert found.licence == piper.NO_LICENCE


def test_an_unknown_voice_name_lists_the_voices_found(tiny_voice, tmp_path):
    folder = tmp_path / "voices"
    folder.mkdir()
    shutil.copy(tiny_voice, folder / f"{TINY}.onnx")
    shutil.copy(f"{tiny_voice}.json", folder / f"{TINY}.onnx.json")
    with pytest.raises(
        SpeechError, match=f"no Piper voice named 'en_US-nobody-low' here \\(found: {TINY}\\)"
    ):
        speech.make_engine("piper", voice="en_US-nobody-low")


def a_voice_folder(
    tmp_path, config: str = '{"language": {"code": "en_US"}, "audio": {"sample_rate": 16000}}'
):
    """A voice in the voices folder with a stand-in model: its config and card are what is read."""
    folder = tmp_path / "voices"
    folder.mkdir(exist_ok=True)
    (folder / f"{TINY}.onnx").write_bytes(b"not loaded by these tests")
    (folder / f"{TINY}.onnx.json").write_text(config)
    return folder


def listed_within(seconds: float, call):
    done: list = []
    worker = threading.Thread(target=lambda: done.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert done, "waited on a pipe or read a device"
    return done[0]


@pytest.mark.parametrize("kind", ["fifo", "zero", "urandom", "huge"])
def test_a_model_card_that_is_no_file_is_not_read(tmp_path, kind):
    card = a_voice_folder(tmp_path) / f"{TINY}.MODEL_CARD"
    if kind == "fifo":
        os.mkfifo(card)
    elif kind == "huge":
        with card.open("wb") as file:
            file.truncate(3_000_000_000)  # sparse: no disk used
    else:
        card.symlink_to(f"/dev/{kind}")
    (found,) = listed_within(10, piper.find_voices)
    assert found.licence == piper.NO_LICENCE


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ("[1, 2]", "must hold a JSON object of settings"),
        ('{"language": "en"}', 'language must be an object, got "en"'),
        ('{"language": {"code": 5}}', "language.code must be a text, got 5"),
        (
            '{"espeak": {"voice": "en"}, "audio": {"sample_rate": "fast"}}',
            "audio.sample_rate must be a whole",
        ),
        ('{"espeak": {"voice": "en"}, "audio": {"sample_rate": -3}}', "audio.sample_rate must be from 1"),
        ('{"audio": {"sample_rate": 16000}}', "names no language"),
        ("[" * 100_000, "is not JSON"),
        ("\udcff", "is not JSON"),
    ],
)
def test_a_misshapen_config_is_a_located_error(tmp_path, config, problem):
    folder = a_voice_folder(tmp_path)
    (folder / f"{TINY}.onnx.json").write_bytes(config.encode("utf-8", "surrogateescape"))
    assert piper.find_voices() == ()
    for voice in (TINY, str(folder / f"{TINY}.onnx")):
        with pytest.raises(SpeechError, match=f"config {folder / TINY}.onnx.json {re.escape(problem)}"):
            speech.make_engine("piper", voice=voice)
    result = CliRunner().invoke(cli, ["voices"])
    assert result.exit_code == 0 and TINY not in result.output


@pytest.mark.parametrize("kind", ["fifo", "zero", "huge"])
def test_a_config_that_is_no_file_is_an_error_not_a_hang(tmp_path, kind):
    config = a_voice_folder(tmp_path) / f"{TINY}.onnx.json"
    config.unlink()
    if kind == "fifo":
        os.mkfifo(config)
        message = "is a named pipe"
    elif kind == "zero":
        config.symlink_to("/dev/zero")
        message = "is a device"
    else:
        with config.open("wb") as file:
            file.truncate(3_000_000_000)
        message = "is 3,000,000,000 bytes"
    model = str(config.with_suffix(""))
    error = listed_within(10, lambda: pytest.raises(SpeechError, speech.make_engine, "piper", voice=model))
    assert message in str(error.value)
