"""A track and its sidecars are one set: committed together, never mixed, never in the way
of a user's own files. `--split` deletes only files audioguide can prove it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner
from conftest import SMALL_ROUTINE

from audioguide import files, signing
from audioguide.cli import cli
from audioguide.export import files as export_files
from audioguide.export import writer
from audioguide.export.files import Staging

HERE = Path(__file__).parent


def split_build(out: Path, *extra: str):
    args = ["build", str(SMALL_ROUTINE), "--engine", "fake", "--split", "-o", str(out), *extra]
    return CliRunner().invoke(cli, args)


# --- item 2: --split deletes only what it wrote ----------------------------------------


def test_split_never_deletes_a_file_an_old_playlist_lists(tmp_path, fake_engine):
    folder = tmp_path / "small-test-routine"
    folder.mkdir()
    (folder / "ep1.mp3").write_text("mine")
    (folder / "ep1.lrc").write_text("my lyrics")
    (folder / "small-test-routine.m3u8").write_text("#EXTM3U\nep1.mp3\n../outside.mp3\n")
    (tmp_path / "outside.mp3").write_text("mine too")
    result = split_build(tmp_path)
    assert result.exit_code == 0, result.output
    assert (folder / "ep1.mp3").read_text() == "mine" and (folder / "ep1.lrc").read_text() == "my lyrics"
    assert (tmp_path / "outside.mp3").read_text() == "mine too"


def test_split_never_deletes_through_a_forged_manifest(tmp_path, fake_engine):
    folder = tmp_path / "small-test-routine"
    folder.mkdir()
    (folder / "ep1.mp3").write_text("mine")
    forged = {"format": 1, "files": {"ep1.mp3": "0" * 64, "../x.mp3": "0" * 64}}
    (folder / ".small-test-routine.audioguide.json").write_text(json.dumps(forged))
    assert split_build(tmp_path).exit_code == 0
    assert (folder / "ep1.mp3").read_text() == "mine"


def test_split_removes_its_own_stale_tracks_but_not_edited_ones(tmp_path, fake_engine):
    mine = tmp_path / "r.yaml"  # the routine file the user edits between builds
    mine.write_text(SMALL_ROUTINE.read_text())
    args = ["build", str(mine), "--engine", "fake", "--split", "-o", str(tmp_path)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    folder = tmp_path / "small-test-routine"
    manifest = json.loads((folder / ".small-test-routine.audioguide.json").read_text())
    assert {"01-wall-sit.mp3", "02-calf-raise.mp3", "02-calf-raise.lrc"} <= set(manifest["files"])
    # The user edits one of audioguide's tracks: from then on it is theirs.
    (folder / "01-wall-sit.lrc").write_text("my own notes")
    # An older track of this user's build, listed (and signed) as that build would have.
    manifest["files"]["old-track.mp3"] = manifest["files"]["02-calf-raise.mp3"]
    name = ".small-test-routine.audioguide.json"
    manifest["mac"] = signing.mac(export_files.MANIFEST_PURPOSE, folder, name, manifest["files"])
    (folder / "old-track.mp3").write_bytes((folder / "02-calf-raise.mp3").read_bytes())
    (folder / name).write_text(json.dumps(manifest))
    mine.write_text(SMALL_ROUTINE.read_text().replace("name: Wall sit", "name: Wall squat"))
    assert CliRunner().invoke(cli, args).exit_code == 0
    names = {p.name for p in folder.iterdir()}
    assert "01-wall-sit.mp3" not in names and "01-wall-sit.vtt" not in names  # its own, unchanged
    assert "old-track.mp3" not in names  # listed with the hash it still has
    assert (folder / "01-wall-sit.lrc").read_text() == "my own notes"  # edited: kept
    assert "01-wall-squat.mp3" in names


# --- item 6: a set is committed as one unit ----------------------------------------------


def test_a_folder_in_place_of_the_track_fails_before_anything_is_replaced(tmp_path, fake_engine):
    out = tmp_path / "x.mp3"
    out.mkdir()
    sidecars = [tmp_path / f"x{suffix}" for suffix in (".timeline.json", ".cues.txt", ".lrc", ".vtt")]
    result = CliRunner().invoke(cli, ["build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(out)])
    assert result.exit_code == 1 and "is a folder" in result.output, result.output
    assert not any(path.exists() for path in sidecars)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "x.mp3"]


def test_a_folder_among_the_targets_fails_the_set_before_the_first_rename(tmp_path):
    stage = Staging()
    for name in ("a.timeline.json", "a.cues.txt", "a.mp3"):
        stage.write_text(tmp_path / name, "new")
    (tmp_path / "a.mp3").mkdir()
    try:
        stage.commit()
    except IsADirectoryError:
        pass
    stage.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp3"]


KILLED_COMMIT = """
import os, sys
from pathlib import Path
from audioguide.export import files as export_files
from audioguide.export.files import Staging

folder = Path(sys.argv[1])
stage = Staging()
for name in ("t.timeline.json", "t.cues.txt", "t.lrc", "t.mp3"):
    stage.write_text(folder / name, "new " + name)
real, done = os.replace, []
def replace_then_die(src, dst):
    real(src, dst)
    done.append(dst)
    if len(done) == 2:
        os._exit(9)  # SIGKILL's effect: nothing after this runs, no finally, no cleanup
export_files.files.os.replace = replace_then_die
stage.commit()
"""


def test_a_kill_between_renames_is_completed_by_the_next_build(tmp_path):
    for name in ("t.timeline.json", "t.cues.txt", "t.lrc", "t.mp3"):
        (tmp_path / name).write_text("old " + name)
    died = subprocess.run([sys.executable, "-c", KILLED_COMMIT, str(tmp_path)], timeout=60)
    assert died.returncode == 9
    contents = {p.name: p.read_text() for p in tmp_path.iterdir() if not files.is_leftover(p.name)}
    assert sorted(v.split()[0] for v in contents.values()) == ["new", "new", "old", "old"]  # the kill landed
    files.sweep_leftovers(tmp_path)  # what every build does first in its output folders
    after = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert after == {name: "new " + name for name in ("t.timeline.json", "t.cues.txt", "t.lrc", "t.mp3")}


def test_builds_of_one_name_at_once_commit_whole_sets(tmp_path, monkeypatch):
    real = os.replace

    def slow_replace(src, dst):  # a slow disk: the window between renames is wide
        real(src, dst)
        time.sleep(0.002)

    monkeypatch.setattr(export_files.files.os, "replace", slow_replace)
    names = ("s.timeline.json", "s.cues.txt", "s.lrc", "s.vtt", "s.mp3")
    start = threading.Barrier(8)

    def build(writer: int) -> None:
        stage = Staging()
        for name in names:
            stage.write_text(tmp_path / name, f"build {writer}")
        start.wait()
        stage.commit()

    for _round in range(5):
        threads = [threading.Thread(target=build, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({(tmp_path / name).read_text() for name in names}) == 1, "a mixed set"
    assert not [p for p in tmp_path.iterdir() if files.is_leftover(p.name)]


def test_a_folder_without_locks_still_gets_its_set(tmp_path, monkeypatch):
    import errno
    import fcntl

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)  # a network file system without locks
    stage = Staging()
    for name in ("n.cues.txt", "n.mp3"):
        stage.write_text(tmp_path / name, "new")
    stage.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.cues.txt", "n.mp3"]


def test_split_never_deletes_through_a_manifest_copied_from_another_folder(tmp_path, fake_engine):
    """A manifest of this user's, with the true hash of a file, deletes nothing in another folder."""
    folder = tmp_path / "small-test-routine"
    assert split_build(tmp_path).exit_code == 0
    shared = tmp_path / "shared" / "small-test-routine"  # as from a zip or a synced drive
    shared.mkdir(parents=True)
    manifest = json.loads((folder / ".small-test-routine.audioguide.json").read_text())
    manifest["files"] = {"holiday.mp3": manifest["files"]["01-wall-sit.mp3"]}
    (shared / "holiday.mp3").write_bytes((folder / "01-wall-sit.mp3").read_bytes())
    (shared / ".small-test-routine.audioguide.json").write_text(json.dumps(manifest))
    assert split_build(tmp_path / "shared").exit_code == 0
    assert (shared / "holiday.mp3").exists()


def test_a_manifest_owns_only_names_a_build_writes(tmp_path):
    listed = {"notes.txt": "0" * 64, "a.mp3": "1" * 64, ".a.audioguide.json": "2" * 64}
    name = ".a.audioguide.json"
    mac = signing.mac(export_files.MANIFEST_PURPOSE, tmp_path, name, listed)
    (tmp_path / name).write_text(
        json.dumps({"format": export_files.MANIFEST_FORMAT, "files": listed, "mac": mac})
    )
    assert export_files.owned(tmp_path / "a.m3u8") == {"a.mp3": "1" * 64}


def test_a_folder_locked_by_another_process_is_a_message_not_a_wait_for_ever(
    tmp_path, fake_engine, monkeypatch
):
    import fcntl

    monkeypatch.setattr(files, "LOCK_WAIT_S", 0.5)
    out = tmp_path / "out"
    out.mkdir()
    holder = os.open(out, os.O_RDONLY)  # as a stuck process would hold it
    fcntl.flock(holder, fcntl.LOCK_EX)
    results: list = []
    args = ["build", str(SMALL_ROUTINE), "--engine", "fake", "-o", str(out)]
    worker = threading.Thread(target=lambda: results.append(CliRunner().invoke(cli, args)), daemon=True)
    try:
        worker.start()
        worker.join(30)
    finally:
        os.close(holder)
    assert results, "the build waited for the lock"
    assert results[0].exit_code == 1
    assert "is locked; another process has held its lock for 0.5 s" in results[0].output


def test_a_split_tidy_up_cut_short_is_finished_by_the_next_build(tmp_path, fake_engine, monkeypatch):
    mine = tmp_path / "r.yaml"
    mine.write_text(SMALL_ROUTINE.read_text())
    args = ["build", str(mine), "--engine", "fake", "--split", "-o", str(tmp_path)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    mine.write_text(SMALL_ROUTINE.read_text().replace("name: Wall sit", "name: Wall squat"))
    with monkeypatch.context() as patched:
        patched.setattr(writer, "remove_owned", lambda *a: [])  # killed before deleting anything
        assert CliRunner().invoke(cli, args).exit_code == 0
    folder = tmp_path / "small-test-routine"
    assert (folder / "01-wall-sit.mp3").exists()
    assert CliRunner().invoke(cli, args).exit_code == 0
    names = {p.name for p in folder.iterdir()}
    assert "01-wall-sit.mp3" not in names and "01-wall-sit.lrc" not in names and "01-wall-squat.mp3" in names
