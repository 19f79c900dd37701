"""Where a track goes: a build replaces its own routine's track, never another routine's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import audioguide
from audioguide import routine
from audioguide.build import BuildOptions, build, output_path
from audioguide.errors import ExportError, RoutineError
from audioguide.routine import Exercise, Hold, Routine, slugify
from audioguide.tracks import previous, source_of

ONE_HOLD = "title: {title}\nexercises:\n  - name: A\n    steps: [{{hold: 3s, say: Hold.}}]\n"


def routine_file(path, title="Morning"):
    path.write_text(ONE_HOLD.format(title=title))
    return routine.load(path)


def built(loaded, out, **options):
    return build(loaded, BuildOptions(engine="fake", output=out, **options))


def test_the_timeline_records_the_routine_a_track_was_made_from(fake_engine, tmp_path):
    mine = routine_file(tmp_path / "morning.yaml")
    result = built(mine, tmp_path / "out")
    assert json.loads(result.written.timeline.read_text())["source"] == str(
        (tmp_path / "morning.yaml").resolve()
    )
    assert previous(result.written.mp3).source == source_of(mine)
    assert source_of(routine.load_builtin("feet-and-back.de")) == "builtin:feet-and-back.de"


def test_another_routine_of_the_same_title_gets_a_track_named_after_its_file(fake_engine, tmp_path):
    out = tmp_path / "out"
    first = built(routine_file(tmp_path / "morning.yaml"), out)
    before = first.written.mp3.read_bytes()
    second = built(routine_file(tmp_path / "copy.yaml"), out)
    assert first.written.mp3 == out / "morning.mp3" and second.written.mp3 == out / "copy.mp3"
    assert first.written.mp3.read_bytes() == before, "the first routine's track is untouched"
    assert any("copy.mp3" in w and "-o " in w for w in second.warnings), second.warnings
    again = built(routine_file(tmp_path / "morning.yaml", "Morning"), out)  # its own track: replaced
    assert again.written.mp3 == out / "morning.mp3" and not any("made from" in w for w in again.warnings)


def test_a_build_refuses_when_no_name_of_its_own_is_free_and_says_how_to_replace(fake_engine, tmp_path):
    out = tmp_path / "out"
    built(routine.load_builtin("tabata"), out, level="easy")
    before = (out / "tabata-easy.mp3").read_bytes()
    (tmp_path / "mine").mkdir()
    mine = routine_file(tmp_path / "mine" / "tabata.yaml", "Tabata")
    with pytest.raises(ExportError, match="made from the built-in routine tabata") as refused:
        built(mine, out, level="easy")
    assert f"-o {out / 'tabata-easy.mp3'}" in str(refused.value)
    assert (out / "tabata-easy.mp3").read_bytes() == before
    replaced = built(mine, out / "tabata-easy.mp3", level="easy")  # named on the command line: written
    assert previous(replaced.written.mp3).source == source_of(mine)


def test_a_track_from_before_sources_were_recorded_is_replaced_as_before(fake_engine, tmp_path):
    out = tmp_path / "out"
    first = built(routine_file(tmp_path / "morning.yaml"), out)
    timeline = json.loads(first.written.timeline.read_text())
    del timeline["source"]
    first.written.timeline.write_text(json.dumps(timeline))
    second = built(routine_file(tmp_path / "other.yaml"), out)
    assert second.written.mp3 == out / "morning.mp3"


def test_split_tracks_keep_to_their_own_routine_too(fake_engine, tmp_path):
    out = tmp_path / "out"
    built(routine_file(tmp_path / "morning.yaml"), out, split=True)
    second = built(routine_file(tmp_path / "copy.yaml"), out, split=True)
    assert second.written.playlist == out / "copy" / "copy.m3u8"
    assert (out / "morning" / "morning.m3u8").exists()


# Safe paths: whatever a title says, the files land inside the output folder with readable names.

PACKAGE = Path(audioguide.__file__).parent
FILE_NAME_BYTES = 255  # the common file-system limit on one name

HOSTILE_TITLES = {
    "../../etc/passwd": "etc-passwd",
    "/absolute/path": "absolute-path",
    "..\\..\\windows\\system32": "windows-system32",
    "nul\x00byte": "nul-byte",
    "bell\x07and\x1bescape": "bell-and-escape",
    "CON": "con-routine",
    "lpt1": "lpt1-routine",
    "aux.txt": "aux-txt",
    "..": "routine",
    "Übungen für den Rücken": "ubungen-fur-den-rucken",
    "背部练习": "背部练习",
    "x" * 300: "x" * 80,
}


@pytest.mark.parametrize(("title", "slug"), HOSTILE_TITLES.items())
def test_titles_become_plain_readable_names(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    ("title", "lang", "slug"),
    [
        ("Rückenübungen für Füße", "de", "rueckenuebungen-fuer-fuesse"),
        ("ÜBUNGEN", "de-AT", "uebungen"),
        ("Fuße", "fr", "fusse"),  # no accent to strip from ß: spelled out in any language
        ("Crème brûlée", "fr", "creme-brulee"),
        ("Sæt på", "da", "saet-paa"),
        ("Łódź", "pl", "lodz"),
    ],
)
def test_letters_become_ascii_by_the_languages_rules(title, lang, slug):
    assert slugify(title, lang) == slug


@pytest.mark.parametrize("title", HOSTILE_TITLES)
@pytest.mark.parametrize("level", routine.LEVELS)
def test_every_output_path_stays_inside_the_output_folder(tmp_path, title, level):
    made = Routine(title=title, exercises=(Exercise(name="A", steps=(Hold("Hold.", 5000),)),))
    out = tmp_path / "out"
    path = output_path(made, level, out)
    assert path.parent == out and path.resolve().parent == out.resolve()
    assert re.fullmatch(r"[^\W_](?:[\w-]*[^\W_])?\.mp3", path.name), path.name
    # Room for the longest sidecar and temporary-file suffixes within one name's limit.
    assert len((path.name + ".timeline.json.XXXXXXXX.tmp.").encode()) < FILE_NAME_BYTES
    # Windows reserves a device name whatever follows its first dot: `con.mp3`, `nul.cues.txt`.
    assert path.name.split(".")[0].lower() not in routine.RESERVED_NAMES


def test_a_build_with_hostile_names_writes_only_inside_the_folder(tmp_path, fake_engine):
    text = (
        'title: "../../../escape/..\\\\..\\\\CON/<>:|?* ' + "long " * 55 + '"\n'
        "exercises:\n"
        '  - name: "../../etc/passwd"\n'
        "    steps: [{hold: 3s, say: Hold.}]\n"
        '  - name: "C:\\\\Windows\\\\NUL"\n'
        "    steps: [{hold: 3s, say: Hold.}]\n"
    )
    hostile = routine.loads(text, source="hostile.yaml")
    out = tmp_path / "deep" / "out"
    result = build(hostile, BuildOptions(engine="fake", output=out))
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    inside = [p for p in written if p.parts[0] != "cache"]
    assert inside and all(p.parent == Path("deep/out") for p in inside), inside
    assert (
        result.written.mp3.name.startswith("escape-con-long-long") and result.written.mp3.stat().st_size > 0
    )


def test_control_characters_in_a_title_are_a_located_error_not_a_file(tmp_path):
    with pytest.raises(RoutineError) as caught:
        routine.loads(
            'title: "A\\0B"\nexercises: [{name: A, steps: [{hold: 3s, say: x}]}]\n', source="r.yaml"
        )
    assert caught.value.problems == ["r.yaml:1: title: contains control characters; remove them"]


def test_routines_are_loaded_with_safe_yaml_only(tmp_path):
    marker = tmp_path / "pwned"
    text = f'title: !!python/object/apply:os.system ["touch {marker}"]\nexercises: []\n'
    with pytest.raises(RoutineError):
        routine.loads(text, source="evil.yaml")
    assert not marker.exists()


def test_no_module_uses_an_unsafe_yaml_loader():
    unsafe = re.compile(
        r"yaml\.(load|load_all|unsafe_load|full_load)\(|Loader=yaml\.(Loader|FullLoader|UnsafeLoader)"
    )
    offenders = [p.name for p in PACKAGE.rglob("*.py") if unsafe.search(p.read_text())]
    assert offenders == []
