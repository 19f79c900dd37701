"""The user's key signs what a build leaves in an output folder; a key that is not a key signs nothing."""

from __future__ import annotations

import os
import stat
import threading

from audioguide import signing


def test_the_key_is_made_once_private_and_signs_for_one_place(tmp_path):
    signature = signing.mac("renames", tmp_path, "j", [["a", "b"]])
    path = signing.data_dir() / signing.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing.verify(signature, "renames", tmp_path, "j", [["a", "b"]])
    assert not signing.verify(signature, "renames", tmp_path / "other", "j", [["a", "b"]])
    assert not signing.verify(signature, "manifest", tmp_path, "j", [["a", "b"]])
    assert not signing.verify(signature, "renames", tmp_path, "j", [["a", "c"]])
    assert not signing.verify(None, "renames", tmp_path, "j", [["a", "b"]])


def test_a_key_file_that_is_a_link_a_pipe_or_the_wrong_size_signs_and_trusts_nothing(tmp_path):
    path = signing.data_dir() / signing.KEY_FILE
    for make in (
        lambda: path.symlink_to("/dev/zero"),
        lambda: os.mkfifo(path),
        lambda: path.write_text("short"),
    ):
        make()
        done: list[str | None] = []
        worker = threading.Thread(target=sign_into, args=(done, tmp_path), daemon=True)
        worker.start()
        worker.join(5)
        assert done == [None], "no key, and never waiting on a pipe or reading a device"
        assert not signing.verify("0" * 64, "r", tmp_path, "j", [])
        path.unlink()


def sign_into(done: list[str | None], folder) -> None:
    done.append(signing.mac("r", folder, "j", []))
