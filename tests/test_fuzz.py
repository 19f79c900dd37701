"""Bad input never crashes: random YAML in every field ends in a located error or a routine.

Hypothesis writes documents that look like routines with random values in every place
(unicode, huge and non-finite numbers, empty strings, deep nesting), then damages their
text (tabs, duplicated keys, binary junk, cut-off ends, alias bombs). The loader must
answer each with a RoutineError that names the file, or a routine that compiles or
fails with a TimingError; never another exception, never a hang.
"""

from __future__ import annotations

import os
from datetime import timedelta

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audioguide import routine
from audioguide.compiler import compile_routine
from audioguide.errors import RoutineError, TimingError

SOURCE = "fuzz.yaml"
# CI runs at least 1,000 examples in all; AUDIOGUIDE_FUZZ_EXAMPLES raises it for a soak.
EXAMPLES = int(os.environ.get("AUDIOGUIDE_FUZZ_EXAMPLES", "400"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=5),  # a generous bound that still catches a hang
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize="AUDIOGUIDE_FUZZ_EXAMPLES" not in os.environ,  # CI: the same examples every run
)

huge_ints = st.integers(min_value=-(10**30), max_value=10**30) | st.sampled_from([0, -1, 10**400, 2**63])
words = st.text(st.characters(categories=["L", "N", "Zs", "P"]), min_size=1, max_size=40)
good_texts = words.filter(str.strip)
bad_texts = st.text(max_size=30) | st.sampled_from(["", " ", "{x}", "x" * 700, "\x00", "\x1b[2J", "\x7f"])
good_durations = st.sampled_from(["20s", "1m30s", "500ms", "1.5s", "5s", 3, 2.5])
bad_durations = st.sampled_from(["2h", "3h", "0s", "-5s", "1e400s", "9" * 5000, ".5x", "1m1m"]) | st.floats()
good_counts = st.sampled_from([1, 2, 3, "2-4", "10-20"])
bad_counts = st.sampled_from([0, 500, 501, "20-10", "1-" + "9" * 5000, "five", True]) | huge_ints
scalars = st.none() | st.booleans() | huge_ints | st.floats() | bad_texts | bad_durations | bad_counts
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(bad_texts, inner, max_size=4),
    max_leaves=20,
)
BAD_ONE_IN = 12  # how often a field gets a wrong value: often enough to test, rarely enough to pass


def field(good: st.SearchStrategy, bad: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Mostly a plausible value; sometimes a wrong one of its kind or anything at all."""
    wrong = anything if bad is None else bad | anything
    return st.integers(1, BAD_ONE_IN).flatmap(lambda n: good if n > 1 else wrong)


texts, durations, counts = (
    field(good_texts, bad_texts),
    field(good_durations, bad_durations),
    field(good_counts, bad_counts),
)
phases = st.fixed_dictionaries({"say": texts, "for": durations})
steps = st.one_of(
    st.fixed_dictionaries({"hold": durations, "say": texts}),
    st.fixed_dictionaries(
        {"reps": counts, "say": texts, "tempo": field(st.lists(phases, min_size=1, max_size=3))}
    ),
    st.fixed_dictionaries({"say": texts}, optional={"pause": durations}),
)
exercises = st.fixed_dictionaries(
    {"name": texts, "steps": field(st.lists(field(steps), min_size=1, max_size=3))},
    optional={
        "sets": counts,
        "rest": field(st.sampled_from(["30s", "1m"]), bad_durations),
        "sides": field(st.just(["right", "left"]), st.lists(bad_texts, max_size=3)),
        "switch": field(st.just("Now your {side} side."), bad_texts),
        "equipment": texts,
        "cues": field(
            st.fixed_dictionaries({}, optional={"countdown": st.integers(0, 3), "halfway": st.booleans()})
        ),
    },
)
routines = st.fixed_dictionaries(
    {"title": texts, "exercises": field(st.lists(field(exercises), min_size=1, max_size=3))},
    optional={"intro": texts, "rest_between": durations, "cues": field(st.just({"countdown": 2}))},
)


def billion_laughs(width: int, depth: int) -> str:
    lines = ["a0: &a0 [lol]"]
    for level in range(1, depth + 1):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + f"\ntitle: *a{depth}\n"


def damage(text: str, data: st.DataObject) -> str:
    """Break a well-formed document the ways hand-editing does."""
    lines = text.splitlines() or [""]
    how = data.draw(
        st.sampled_from(["none"] * 6 + ["tab", "duplicate", "junk", "cut", "bomb", "deep", "anchor"])
    )
    where = data.draw(st.integers(0, len(lines) - 1))
    if how == "tab":
        lines[where] = "\t" + lines[where]
    elif how == "duplicate":
        lines.insert(where, lines[where])
    elif how == "junk":
        junk = data.draw(st.binary(min_size=1, max_size=20)).decode("latin-1")
        lines[where] = lines[where][: len(junk)] + junk
    elif how == "cut":
        return text[: data.draw(st.integers(0, len(text)))]
    elif how == "bomb":
        return billion_laughs(data.draw(st.integers(2, 12)), data.draw(st.integers(2, 12))) + text
    elif how == "deep":
        depth = data.draw(st.integers(10, 5000))
        lines[where] += " " + "[" * depth + "]" * depth
    elif how == "anchor":  # a node that contains itself
        lines.append("intro: &loop [*loop]")
    return "\n".join(lines)


def check_answer(text: str) -> None:
    """The property: a located RoutineError or a routine, and a compiled script or a TimingError."""
    try:
        loaded = routine.loads(text, source=SOURCE)
    except RoutineError as exc:
        assert exc.problems, "a RoutineError must say what is wrong"
        assert all(p.startswith(SOURCE + ":") for p in exc.problems), exc.problems
        return
    assert isinstance(loaded, routine.Routine)
    for level in routine.LEVELS:
        try:
            script = compile_routine(loaded, level)
        except TimingError as exc:
            assert str(exc)
            continue
        assert script.duration_ms <= routine.MAX_TRACK_MS


@FUZZ
@given(document=routines, data=st.data())
def test_routine_shaped_documents(document, data):
    text = yaml.safe_dump(document, allow_unicode=data.draw(st.booleans()), sort_keys=False)
    check_answer(damage(text, data))


@FUZZ
@given(text=st.text(max_size=300))
def test_arbitrary_text(text):
    check_answer(text)


@settings(FUZZ, max_examples=max(EXAMPLES // 2, 200))
@given(document=anything, data=st.data())
def test_arbitrary_documents(document, data):
    check_answer(damage(yaml.safe_dump(document, allow_unicode=True), data))


def test_ci_fuzzes_at_least_a_thousand_examples():
    assert EXAMPLES + EXAMPLES + max(EXAMPLES // 2, 200) >= 1000


def test_the_fuzzer_reaches_valid_routines_and_the_compiler():
    """Guard the fuzzer itself: if every document failed at its title, the rest went untested."""
    outcomes = {"valid": 0, "compiled": 0, "total": 0}

    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(document=routines)
    def count(document):
        outcomes["total"] += 1
        try:
            loaded = routine.loads(yaml.safe_dump(document, allow_unicode=True), source=SOURCE)
        except RoutineError:
            return
        outcomes["valid"] += 1
        try:
            compile_routine(loaded)
            outcomes["compiled"] += 1
        except TimingError:
            pass

    count()
    assert outcomes["valid"] >= outcomes["total"] // 20, outcomes
    assert outcomes["compiled"] >= outcomes["total"] // 40, outcomes
