"""The quantities of a sentence: notations, numbers in words, and numbers that are never values."""

from __future__ import annotations

import math
import time

import pytest

from audioguide.authoring.importer import sentences
from audioguide.authoring.importer.rules import rules_for
from audioguide.authoring.importer.sentences import HOLD, REPS, SETS


def found(text: str) -> list[tuple[str, float, float | None]]:
    rules = rules_for()
    norm = sentences.normalize(text, rules)
    return [(q.kind, q.low, q.high) for q in sentences.quantities(norm, rules)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Goblet squat 3x10", [(SETS, 3, None), (REPS, 10, None)]),
        ("3 x 30 secs", [(SETS, 3, None), (HOLD, 30, None)]),
        ("2 × 10 (5 s hold)", [(SETS, 2, None), (REPS, 10, None), (HOLD, 5, None)]),
        ("Hip thrust: 4 x 8-12", [(SETS, 4, None), (REPS, 8, 12)]),
        ("10/side", [(REPS, 10, None)]),
        ("15 each side", [(REPS, 15, None)]),
        ("8 in each direction", [(REPS, 8, None)]),
        ("Do 8-12 reps.", [(REPS, 8, 12)]),
        ("Hold 20-30s.", [(HOLD, 20, 30)]),
        ("Rest 1 min.", [(HOLD, 60, None)]),
        ("cat cow x 8", [(REPS, 8, None)]),
        ("15-20 of them", [(REPS, 15, 20)]),
        ("Run 6 x 400 m at an easy pace.", [(SETS, 6, None)]),
    ],
)
def test_notations(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Do this a dozen times.", [(REPS, 12, None)]),
        ("Rest for half a minute.", [(HOLD, 30, None)]),
        ("Stay balanced for a minute and a half.", [(HOLD, 90, None)]),
        ("Hold for a count of five.", [(HOLD, 5, None)]),
        ("Two rounds on each side is plenty.", [(SETS, 2, None)]),
        ("Repeat twenty times.", [(REPS, 20, None)]),
        ("with a minute's rest in between", [(HOLD, 60, None)]),
        ("with a 30 second break between sets", [(HOLD, 30, None)]),
        ("Hold for one minute.", [(HOLD, 60, None)]),
    ],
)
def test_numbers_in_words(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hold for 5 breaths.",
        "Stay here for 8 slow breaths.",
        "Take six of these breaths.",
        "Add a 1 kg ankle weight.",
        "Pain up to 4 out of 10 is fine, or 3/10 on the stairs.",
        "Call 01632 960418 on weekdays, 9 am to 4 pm.",
        "Reviewed 14 June 2024, printed 11/09/2024.",
        "Run 5k, then walk 500 m.",
        "I go 2x/week.",
        "It settles within 24 hours, and most people improve in 6 weeks.",
        "Rated 4.8 stars by 2,300 readers; save 25% today, now $19.99.",
        "Bend your elbow to 90 degrees.",
        "Do it again on 12 March.",
    ],
)
def test_numbers_that_are_never_values(text):
    assert found(text) == []


def test_a_frequency_is_no_count():
    assert found("Do them 3 times a day.") == []


@pytest.mark.parametrize(
    "text, elsewhere",
    [
        ("The whole thing takes about 10 minutes.", True),
        ("Six minutes, no gadgets, and a much happier neck.", True),
        ("Hold for 30 seconds.", False),
        ("30 seconds each side.", False),
        ("Release it after 10 seconds.", False),
    ],
)
def test_a_duration_is_a_hold_only_where_the_sentence_attaches_it(text, elsewhere):
    rules = rules_for()
    norm = sentences.normalize(text, rules)
    (q,) = sentences.quantities(norm, rules)
    assert sentences.elsewhere(norm, q, rules) is elsewhere


def test_a_run_of_50000_commas_is_tidied_in_linear_time():
    started = time.monotonic()
    tidied = sentences.tidy("Squat 10 times" + ", " * 50_000 + "slowly.")
    assert time.monotonic() - started < 2.0  # it took 45 s; a few hundredths of a second now
    assert tidied == "Squat 10 times, slowly."


@pytest.mark.parametrize(
    "text", ["9" * 5_000 + "x10 squats", "3x" + "9" * 5_000 + " squats", "\u0663" * 5_000 + " times"]
)
def test_a_number_of_thousands_of_digits_is_no_value_and_no_error(text):
    found = sentences.quantities(text, rules_for("en"))  # it raised ValueError
    assert all(q.low == math.inf or q.low < 10**6 for q in found)
    assert sentences.as_number("9" * 5_000) == math.inf
    assert sentences.as_number("\u0663") == 3  # digits of any script are read
