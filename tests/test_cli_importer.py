"""`audioguide import` at the command line: its files and summary, and inputs it must refuse clearly."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audioguide import routine
from audioguide.authoring import importer
from audioguide.authoring.importer import MAX_INPUT_BYTES, ImportArticleError, import_article
from audioguide.authoring.validate import check
from audioguide.cli import cli

ARTICLES = Path(__file__).parent / "articles"
SEED = ARTICLES / "seed-feet-and-back.txt"
FAST_SECONDS = 2.0  # a refused input is refused at once, without reading it all
READ_SECONDS = 10.0  # a long odd text is read in time that grows with its length, not its square


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, ["import", *args], input=input)


def test_import_writes_a_draft_that_validate_accepts_and_lists_each_check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(str(SEED))
    assert result.exit_code == 0, result.output
    draft = tmp_path / "seed-feet-and-back.yaml"
    text = draft.read_text(encoding="utf-8")
    report = check(draft)
    assert report.ok, report.problems
    assert "5 exercises" in report.summary
    # the summary names every exercise, and lists each `check:` of the draft
    for name in ("Toe walking", "Tibias Anterior", "Heel raises", "Ankle circles", "Curl the toes"):
        assert name in result.output
    listed = [line for line in result.output.splitlines() if ": the article gives no" in line]
    assert len(listed) == text.count("check: ") > 0
    assert "Watch the video below" in result.output  # the asides left out are named


def test_import_never_overwrites_a_file_unless_forced(tmp_path):
    out = tmp_path / "mine.yaml"
    out.write_text("my own routine\n")
    result = run(str(SEED), "-o", str(out))
    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert out.read_text() == "my own routine\n"
    assert run(str(SEED), "-o", str(out), "--force").exit_code == 0
    assert routine.load(out).exercises[0].name == "Toe walking"


def _separate_runner() -> CliRunner:
    """A runner that keeps stderr apart (click 8.1 mixes them unless told; 8.2 always keeps them apart)."""
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


def test_import_reads_standard_input_and_can_print_the_draft(tmp_path):
    result = _separate_runner().invoke(cli, ["import", "-", "-o", "-"], input=SEED.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# A draft routine made by `audioguide import` from standard input")
    assert routine.loads(result.stdout).exercises[4].name == "Curl the toes"
    assert "Wrote standard output" in result.stderr


def _refused(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ")
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )
    for word in words:
        assert word in result.output


@pytest.mark.parametrize(
    ("name", "words"),
    [("no-exercises.txt", ["no exercises found"]), ("recipe.md", ["no exercises found"])],
)
def test_an_article_without_exercises_is_refused_and_no_draft_is_written(tmp_path, name, words):
    out = tmp_path / "draft.yaml"
    _refused(run(str(ARTICLES / name), "-o", str(out)), *words)
    assert not out.exists()


def test_five_megabytes_of_text_are_refused_fast_from_a_file_and_from_stdin(tmp_path):
    big = tmp_path / "big.txt"
    line = b"Hold for 20 seconds and repeat 10 times with each leg.\n"
    big.write_bytes(line * (5 * 1024 * 1024 // len(line) + 1))
    started = time.monotonic()
    _refused(run(str(big), "-o", str(tmp_path / "d.yaml")), "bytes", "at most 3 MB")
    _refused(run("-", "-o", str(tmp_path / "d.yaml"), input=big.read_bytes()), "more than 3 MB")
    assert time.monotonic() - started < FAST_SECONDS
    assert not (tmp_path / "d.yaml").exists()


PATHOLOGICAL = {
    "tab lines without a header": "".join(f"a{i}\tb\tc\n" for i in range(20_000)),
    "pipe lines": "".join(f"a{i} | b | c\n" for i in range(20_000)),
    "aligned columns": "".join(f"Exercise{i}    Sets    Reps\n" for i in range(20_000)),
    "safety words": "## Squat\n\nDo 10 squats. " + "if when stop " * 15_000,
    "side words": "## Squat\n\nDo 10 squats. " + "left do the same right " * 10_000,
    "run-on clauses": "I do a calf stretch for 20 seconds" + ", then x" * 5_000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_long_pathological_text_is_read_fast(text):
    started = time.monotonic()
    try:
        import_article(text.encode(), "x.txt")
    except ImportArticleError:
        pass
    assert time.monotonic() - started < READ_SECONDS


def test_binary_junk_is_refused_as_not_text(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(random.Random(7).randbytes(20_000))
    _refused(run(str(junk)), "is not text")


def test_a_latin1_page_without_nul_bytes_is_read(tmp_path):
    page = tmp_path / "old.txt"
    text = "Caf\xe9 stretches\n\n1. Calf stretch\n\nLean on a wall and hold for 30 seconds.\n\n2. Heel drop\n\nDo 10 heel drops.\n"
    page.write_bytes(text.encode("cp1252"))
    result = run(str(page), "-o", str(tmp_path / "d.yaml"))
    assert result.exit_code == 0, result.output
    assert routine.load(tmp_path / "d.yaml").title == "Café stretches"


def test_special_files_and_folders_are_refused_without_reading_them(tmp_path):
    _refused(run(str(tmp_path)), "is a directory")
    _refused(run(str(tmp_path / "nothing.txt")), "no such file")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it would wait forever for a writer
    started = time.monotonic()
    _refused(run(str(fifo)), "not a regular file")
    assert time.monotonic() - started < FAST_SECONDS
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    _refused(run(str(empty)), "no text")


def test_read_input_stops_at_the_cap_for_a_stream():
    class Endless:
        def read(self, size: int) -> bytes:
            return b"a" * size

    with pytest.raises(ImportArticleError, match="more than 3 MB"):
        importer.read_input("-", Endless())
    assert MAX_INPUT_BYTES == 3 * 1024 * 1024


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "1. Wall sit",
                "## Calf raise",
                "Hold for 20 seconds.",
                "Repeat ten times.",
                "Rest 15 s.",
                "Do 3 sets.",
                "| Exercise | Reps |",
                "| Squat | 8–12 |",
                "with each leg",
                "<p>",
                "</li>",
                "Next, do 5 lunges.",
                "twice",
                "- ",
                "\n",
                "\n\n",
                "0 times",
                "999999 seconds",
                "-5 reps",
                "Bake for 20 minutes.",
                "9" * 400 + " times",
                "1e999 seconds",
                "2.5 reps",
                "{side} {x}",
                "You will need a chair.",
                "Watch the video below.",
                "é",
                "\x00",
            ]
        ),
        max_size=40,
    )
)
def test_any_text_gives_a_valid_draft_or_a_clear_error(pieces):
    raw = " ".join(pieces).encode("utf-8")
    try:
        result = import_article(raw, "fuzz")
    except ImportArticleError as exc:
        assert str(exc)
        return
    reloaded = routine.loads(result.text)
    assert reloaded == result.routine
    for _, value in result.draft.values():
        assert value.source or value.check


def test_the_worked_example_in_the_docs_is_what_import_prints_and_writes(tmp_path, monkeypatch):
    doc = (Path(__file__).parent.parent / "docs" / "importing.md").read_text(encoding="utf-8")
    printed = doc.split("$ audioguide import seed-feet-and-back.txt\n", 1)[1].split("```", 1)[0]
    written = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / SEED.name).write_bytes(SEED.read_bytes())
    result = run(SEED.name)
    assert result.exit_code == 0, result.output
    assert result.output == printed
    assert (tmp_path / "seed-feet-and-back.yaml").read_text(encoding="utf-8") == written


def test_html_nested_thousands_deep_is_refused_clearly(tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<html><body>" + "<div>" * 5000 + "<p>Hold for 20 seconds.</p>" + "</div>" * 5000)
    _refused(run(str(page)), "nests elements thousands deep")


def test_an_article_whose_routine_would_be_too_long_says_so(tmp_path):
    article = tmp_path / "marathon.md"
    article.write_text(
        "".join(f"## Plank {n}\n\nHold your back straight for 100 minutes.\n\n" for n in range(10))
    )
    _refused(run(str(article), "-o", str(tmp_path / "d.yaml")), "is not a valid routine", "12 hours")
    assert not (tmp_path / "d.yaml").exists()


def test_a_number_no_routine_can_take_is_left_out_and_named(tmp_path):
    article = tmp_path / "huge.md"
    article.write_text(
        "## Squat\n\nDo " + "9" * 400 + " squats with your legs.\n\n"
        "## Plank\n\nHold your back straight for 20 seconds.\n\n"
        "## Wall sit\n\nSit against the wall with your knees bent for 3 hours.\n"
    )
    result = run(str(article), "-o", str(tmp_path / "d.yaml"))
    assert result.exit_code == 0, result.output
    assert "Numbers left out" in result.output and "9" * 400 in result.output
    assert "3 hours" in result.output.split("does not use", 1)[-1]
    text = (tmp_path / "d.yaml").read_text()
    assert "999" not in text and "3h" not in text and "hold: 20s" in text


def test_braces_in_an_article_never_become_placeholders(tmp_path):
    raw = b"## Squat {x}\n\nBend your {side} knees and hold for 20 seconds.\n\n## Plank\n\nHold your back straight for 20 seconds.\n"
    loaded = import_article(raw, "braces").routine
    assert loaded.exercises[0].name == "Squat (x)"
    assert loaded.exercises[0].steps[0].say == "Bend your (side) knees and hold."


def test_a_folder_as_output_gets_the_draft_named_after_the_article(tmp_path):
    result = run(str(SEED), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert routine.load(tmp_path / "seed-feet-and-back.yaml").title.startswith("If Your Back Pain")


def test_force_never_replaces_a_pipe_a_link_or_anything_but_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    _refused(run(str(SEED), "-o", str(fifo), "--force"), "is a named pipe (FIFO)", "only a regular file")
    assert fifo.is_fifo()
    mine = tmp_path / "mine.txt"
    mine.write_text("my notes")
    link = tmp_path / "link.yaml"
    link.symlink_to(mine)
    _refused(run(str(SEED), "-o", str(link), "--force"), "is a symbolic link")
    assert link.is_symlink() and mine.read_text() == "my notes"
    dangling = tmp_path / "dangling.yaml"
    dangling.symlink_to(tmp_path / "nowhere")
    _refused(run(str(SEED), "-o", str(dangling)), "is a symbolic link")
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()
