"""An article's blocks: plain-text tables, PDF-to-text pages, code blocks, sub-bullets, HowTo data."""

from __future__ import annotations

import json
import signal
import time

import pytest

from audioguide.authoring.importer import blocks as blocks_
from audioguide.authoring.importer import jsonld, plaintables
from audioguide.authoring.importer.blocks import HEADING, ITEM, PARA, ROW, from_html, from_text, to_blocks


def rows(text: str) -> list[tuple[str, ...]]:
    return [b.cells for b in to_blocks(text)[0] if b.kind == ROW]


HEADER = ("Exercise", "Sets", "Reps")


@pytest.mark.parametrize(
    "table",
    [
        "Exercise | Sets | Reps\n---------+------+-----\nBridge   | 3    | 12\nSide plank | 2 | 20 s\n",
        "| Exercise | Sets | Reps |\n|---|---|---|\n| Bridge | 3 | 12 |\n| Side plank | 2 | 20 s |\n",
        "+----------+------+------+\n| Exercise | Sets | Reps |\n+----------+------+------+\n"
        "| Bridge   | 3    | 12   |\n| Side plank | 2  | 20 s |\n+----------+------+------+\n",
        "Exercise\tSets\tReps\nBridge\t3\t12\nSide plank\t2\t20 s\n",
        "Exercise       Sets   Reps\nBridge         3      12\nSide plank     2      20 s\n",
    ],
    ids=["pipes-and-dashes", "markdown", "boxed", "tabs", "aligned"],
)
def test_plain_text_tables_of_every_kind_give_their_cells(table):
    assert rows("A plan\n\n" + table) == [HEADER, ("Bridge", "3", "12"), ("Side plank", "2", "20 s")]


def test_a_row_wrapped_over_two_lines_is_one_row():
    aligned = (
        "Exercise                 Sets    Reps\n"
        "Dead bug                 3       8 each\n"
        "                                 side\n"
        "Kneeling hip flexor      2       10\n"
        "  stretch\n"
    )
    assert rows(aligned)[1:] == [("Dead bug", "3", "8 each side"), ("Kneeling hip flexor stretch", "2", "10")]


def test_a_line_of_prose_with_a_pipe_is_no_table():
    assert rows("by Tamsin Ward | 7 min read | 23 comments\n\nSit tall and breathe.") == []


def test_pdf_page_furniture_is_left_out_and_broken_words_are_joined():
    page = (
        "Northfield Trust                         Physiotherapy\n"
        "Calf stretch\nLean on the wall. Hold for 30 seconds. Re-\npeat 3 times on the ﬂoor.\n\n"
        "Page 1 of 2            PHY-0387                 Northfield Trust\n\n"
        "Northfield Trust                         Physiotherapy\n"
    )
    text = " ".join(b.text for b in to_blocks(page)[0])
    assert "Repeat 3 times on the floor." in text
    assert "Northfield" not in text and "Page" not in text


def test_lines_of_a_code_block_in_sets_x_reps_are_items():
    note = "My finisher\n\n```\nKB swing            5 x 15\nHalo                2 x 5/side\n```\n"
    assert [b.text for b in to_blocks(note)[0] if b.kind == ITEM] == ["KB swing: 5 x 15", "Halo: 2 x 5/side"]


def test_sub_bullets_belong_to_their_item():
    text = "- Pendulum: let the arm hang and swing it\n    * 10 circles clockwise\n- Wall walk: walk up the wall\n"
    items = [b.text for b in to_blocks(text)[0] if b.kind == ITEM]
    assert items == ["Pendulum: let the arm hang and swing it. 10 circles clockwise", "Wall walk: walk up the wall"]


def test_a_pages_schema_org_howto_gives_its_steps():
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "Home"},
            {
                "@type": "HowTo",
                "name": "Wrist routine",
                "step": [
                    {"@type": "HowToStep", "name": "Wrist stretch", "text": "Hold for 20 seconds."},
                    {"@type": "HowToSection", "itemListElement": [{"@type": "HowToStep", "text": "Do 10 fist pumps."}]},
                ],
            },
        ],
    }
    page = f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head><body><div>Loading</div></body></html>'
    found, title = to_blocks(page)
    assert title == "Wrist routine"
    assert [(b.kind, b.text) for b in found] == [
        (HEADING, "Wrist routine"),
        (ITEM, "Wrist stretch"),
        (PARA, "Hold for 20 seconds."),
        (ITEM, "Do 10 fist pumps."),
    ]


def test_broken_howto_data_is_ignored_and_the_page_read():
    page = '<html><script type="application/ld+json">{"@type": "HowTo", </script><body><h1>Stretches</h1></body></html>'
    assert [b.text for b in to_blocks(page)[0]] == ["Stretches"]


# --- linear time: each input below took from seconds to hours before ---------------------

QUICK_SECONDS = 1.0  # the fixed code reads each in milliseconds (more on a loaded machine); the old in seconds


def quick(read, *args):
    started = time.monotonic()
    result = read(*args)
    assert time.monotonic() - started < QUICK_SECONDS
    return result


def test_an_item_continued_over_12000_lines_is_read_in_linear_time():
    text = "1. Squat with a long story\n" + "".join(f"and more {i}\n" for i in range(12_000))
    def stop(signum, frame):
        raise TimeoutError("still reading")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, 5 * QUICK_SECONDS)  # the old code took minutes: stop it
    try:
        blocks = quick(from_text, text)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert blocks[0].kind == ITEM and blocks[0].text.endswith("and more 11999")


def test_sub_bullets_after_a_continued_item_still_join_as_sentences():
    text = "1. Neck turns\n   slowly\n    * 10 to the left\n    * 10 to the right\n"
    assert [b.text for b in from_text(text)] == ["Neck turns slowly. 10 to the left. 10 to the right"]


@pytest.mark.parametrize(
    "line",
    ["[" * 40_000, "[a](" * 20_000, "# a" + "#" * 40_000 + "b", "|" + " " * 40_000 + "x|"],
    ids=["brackets", "links left open", "closing hashes", "pipe and spaces"],
)
def test_a_long_line_of_markup_left_open_is_read_in_linear_time(line):
    assert quick(from_text, line + "\n\nSquat 10 times.\n")


def test_a_rule_line_of_dashes_is_tested_in_linear_time():
    lines = ["-" * 1_500 + "x", "Exercise | Reps", "Squat | 10"]
    quick(plaintables.find, lines, lambda cells: True)


def test_scripts_and_styles_left_open_are_cut_in_linear_time():
    page = "<html><body><p>Squat 10 times.</p>" + "<style" * 10_000
    assert quick(blocks_.without_scripts, page * 48) == "<html><body><p>Squat 10 times.</p>"  # 2.9 MB
    blocks, _ = quick(from_html, page)
    assert [b.text for b in blocks] == ["Squat 10 times."]


def test_howto_scripts_left_open_are_looked_for_in_linear_time():
    assert quick(jsonld.howto, '<script type="application/ld+json">{"a": "<' * 5_000) == ("", [])


@pytest.mark.parametrize("start", ["\u00b2", "9" * 5_000, "-3", "x"])
def test_an_ordered_lists_start_that_is_no_plain_number_counts_from_one(start):
    blocks, _ = from_html(f'<html><body><ol start="{start}"><li>Squat 10 times</li></ol></body></html>')
    assert [(b.kind, b.number) for b in blocks] == [(ITEM, 1)]


@pytest.mark.parametrize("left_open", ["<a" * 30_000, "<!--" * 30_000, "<" * 30_000])
def test_tags_and_comments_left_open_are_parsed_in_linear_time(left_open):
    started = time.monotonic()
    blocks, _ = from_html("<html><body><p>Squat 10 times.</p>" + left_open)
    assert time.monotonic() - started < 4 * QUICK_SECONDS  # 100,000 "<a" took two minutes
    assert blocks[0].text == "Squat 10 times."
