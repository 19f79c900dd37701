"""The routine loader: strict, located, and complete in what it reports."""

from __future__ import annotations

import os
import textwrap
from datetime import timedelta

import pytest
import yaml
from conftest import SMALL_ROUTINE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audioguide import routine
from audioguide.compiler import compile_routine
from audioguide.errors import RoutineError, TimingError
from audioguide.routine import Count, Hold, Reps, Say
from audioguide.routine.loader import keys

FURTHER = (
    "this line is indented further than the line above it: keys of one exercise line up under its "
    "name, keys of one step under its first key (hold, reps or say)"
)


def problems(text: str) -> list[str]:
    with pytest.raises(RoutineError) as caught:
        routine.loads(textwrap.dedent(text), source="r.yaml")
    return caught.value.problems


def test_small_routine_loads_every_feature(small_routine):
    wall, calf = small_routine.exercises
    assert small_routine.rest_between_ms == 10_000
    assert small_routine.cues.get_ready_ms == 6000
    assert wall.sets == Count.fixed(2) and wall.rest_ms == 12_000
    assert wall.equipment == ("a wall",)
    assert [type(s) for s in wall.steps] == [Hold, Say, Hold]
    assert wall.steps[0].duration_ms == 20_000 and wall.steps[1].pause_ms == 1000
    assert calf.sides == ("right", "left")
    assert calf.cues.countdown == 2 and calf.cues.get_ready_ms == 4000
    assert calf.cues.switch_pause_ms == 4000  # inherited from the routine
    reps = calf.steps[0]
    assert isinstance(reps, Reps) and reps.count == Count(2, 3, 4)
    assert [p.duration_ms for p in reps.tempo] == [2000, 1500]


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("20s", 20_000),
        ("1m30s", 90_000),
        ("1.5s", 1500),
        ("500ms", 500),
        (12, 12_000),
        ("2m", 120_000),
        ("1h", 3_600_000),
    ],
)
def test_durations(text, ms):
    assert routine.parse_duration(text) == ms


@pytest.mark.parametrize(
    ("text", "count"), [(5, Count(5, 5, 5)), ("10-20", Count(10, 15, 20)), ("5-10", Count(5, 8, 10))]
)
def test_counts_and_ranges(text, count):
    assert routine.parse_count(text) == count


def test_unknown_key_suggests_the_near_miss_with_its_line():
    found = problems(
        """\
        title: T
        exercises:
          - name: A
            steps:
              - hold: 20s
                say: Hold it.
            sest: 3
        """
    )
    assert found == ["r.yaml:7: exercises[0].sest: unknown key; did you mean 'sets'?"]


def test_every_problem_is_reported_at_once_with_place_and_line():
    found = problems(
        """\
        title: T
        exercises:
          - name: A
            sets: five
            rest: -5s
            steps:
              - hold: 0s
                say: Hold it.
              - reps: 10
                say: Go.
                tempo: [{say: up, fro: 2s}]
          - name: B
            steps: []
        """
    )
    assert found == [
        'r.yaml:4: exercises[0].sets: must be a positive whole number or a range like 10-20, got "five"',
        'r.yaml:5: exercises[0].rest: cannot be negative, got "-5s"; durations have no minus sign: write 5s',
        'r.yaml:7: exercises[0].steps[0].hold: must be longer than zero, got "0s"',
        "r.yaml:11: exercises[0].steps[1].tempo[0].fro: unknown key; did you mean 'for'?",
        "r.yaml:13: exercises[1].steps: is empty; add a hold, reps or say step",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "r.yaml: is empty; a routine needs a title and exercises"),
        ("title: T\nexercises: []\n", "r.yaml:2: exercises: is empty; add at least one exercise"),
        (
            "title: [a, b]\nexercises: [{name: A, steps: [{say: x}]}]\n",
            "r.yaml:1: title: must be a single value, got a list",
        ),
        ("title: T\nexercises: 3\n", "r.yaml:2: exercises: must be a list, got 3"),
        ("title: T\n  bad: indent\n", f"r.yaml:2: {FURTHER}"),
        ("- just\n- a list\n", "r.yaml:1: must be a mapping of keys to values, got a list"),
        (
            "title: T\nexercises:\n  - name: A\n    steps:\n      - {hold: 5s, reps: 3, say: x}\n",
            "r.yaml:5: exercises[0].steps[0]: has both 'hold' and 'reps'; a step is one of hold: 20s, reps: 10 or say: text",
        ),
        (
            "title: T\nexercises:\n  - name: A\n    steps:\n      - {reps: 10-5, say: x, tempo: [{say: up, for: 1s}]}\n",
            "r.yaml:5: exercises[0].steps[0].reps: a range must go from a low to a higher count within 1-500, got '10-5'",
        ),
        (
            "title: T\nexercises:\n  - name: A\n    setup: Lift your {side} leg.\n    steps: [{hold: 5s, say: x}]\n",
            "r.yaml:3: exercises[0]: '{side}' needs 'sides', like sides: [right, left]",
        ),
        (
            "title: T\nexercises:\n  - name: A\n    sides: [right, left]\n    purpose: Eases the {side} hip.\n"
            "    steps: [{hold: 5s, say: x}]\n",
            "r.yaml:5: exercises[0].purpose: '{side}' is not filled in here; "
            "name the side in setup, switch or a step's say",
        ),
        (
            "title: T\nintro: Start on your {other} side.\nexercises: [{name: A, steps: [{say: x}]}]\n",
            "r.yaml:2: intro: '{other}' is not filled in here; name the side in setup, switch or a step's say",
        ),
        (
            "title: T\nexercises:\n  - name: A\n    sides: [right, left]\n    equipment: ['a {side} band']\n"
            "    steps: [{hold: 5s, say: x}]\n",
            "r.yaml:5: exercises[0].equipment: '{side}' is not filled in here; "
            "name the side in setup, switch or a step's say",
        ),
        (
            "title: T\ntitle: U\nexercises: [{name: A, steps: [{say: x}]}]\n",
            "r.yaml:2: title: appears twice; keep one",
        ),
        (
            "title: T\nexercises:\n  - {name: A, steps: [{say: x}]}\n  - {name: a, steps: [{say: y}]}\n",
            "r.yaml:4: exercises[1].name: is used by another exercise; names must differ",
        ),
    ],
)
def test_broken_files_get_located_messages(text, expected):
    assert problems(text) == [expected]


def test_missing_file_and_non_utf8_file(tmp_path):
    with pytest.raises(RoutineError, match="no such file"):
        routine.load(tmp_path / "nope.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(RoutineError, match="not UTF-8"):
        routine.load(bad)


def test_alias_bomb_is_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join(['*' + chr(96 + i)] * 10)}]\n"
    assert problems(bomb) == ["r.yaml: is too large to be a routine (are YAML aliases repeating a block?)"]


def test_resolve_finds_files_and_builtins(tmp_path):
    assert routine.resolve(None).title == "Feet and back"
    assert routine.resolve("feet-and-back").title == "Feet and back"
    with pytest.raises(RoutineError, match="Built-in: .*feet-and-back"):
        routine.resolve("feet-and-bak")


# --- a key in the wrong place says where it belongs ----------------------------------

SMALL = SMALL_ROUTINE.read_text()
EXERCISE = "title: T\nexercises:\n  - name: A\n    steps:\n      - hold: 20s\n        say: Hold.\n"
WRITTEN_AT = {  # where: (the line changed, how, the line written, its place)
    "exercise": ("    steps:", "    {}\n    steps:", 4, "exercises[0]."),
    "step": ("        say: Hold.", "        say: Hold.\n        {}", 7, "exercises[0].steps[0]."),
    "top": ("exercises:", "{}\nexercises:", 2, ""),
}


@pytest.mark.parametrize(
    ("where", "written", "says"),
    [
        (
            "exercise",
            "reps: 10",
            "is not a key of an exercise; it belongs in a reps step: "
            "steps: [{reps: 10, say: ..., tempo: [{say: up, for: 2s}]}]",
        ),
        (
            "exercise",
            "hold: 20s",
            "is not a key of an exercise; it belongs in a hold step: steps: [{hold: 20s, say: ...}]",
        ),
        (
            "exercise",
            "say: Go.",
            "is not a key of an exercise; it belongs in a say step: steps: [{say: ...}]",
        ),
        (
            "exercise",
            "tempo: [{say: up, for: 2s}]",
            "it belongs in a reps step: steps: [{reps: 10, say: ..., tempo: [{say: up, for: 2s}]}]",
        ),
        (
            "exercise",
            "pause: 2s",
            "is not a key of an exercise; it belongs in a say step: steps: [{say: ..., pause: 2s}]",
        ),
        (
            "exercise",
            "rest_between: 20s",
            "is not a key of an exercise; it belongs at the top of the routine, "
            "not indented: rest_between: 30s",
        ),
        ("exercise", "intro: Hello.", "it belongs at the top of the routine, not indented: intro: ..."),
        ("exercise", "title: T", "it belongs at the top of the routine, not indented: title: ..."),
        ("exercise", "countdown: 2", "it belongs under an exercise's cues: cues: {countdown: 3}"),
        (
            "step",
            "sets: 3",
            "is not a key of a hold step; it belongs on an exercise: "
            "exercises: [{name: ..., sets: 3, steps: [...]}]",
        ),
        ("step", "rest: 15s", "it belongs on an exercise: exercises: [{name: ..., rest: 15s, steps: [...]}]"),
        (
            "step",
            "sides: [right, left]",
            "it belongs on an exercise: exercises: [{name: ..., sides: [right, left], steps: [...]}]",
        ),
        (
            "step",
            "setup: Stand.",
            "it belongs on an exercise: exercises: [{name: ..., setup: ..., steps: [...]}]",
        ),
        ("step", "tempo: [{say: up, for: 2s}]", "is not a key of a hold step; it belongs in a reps step"),
        (
            "step",
            "pause: 2s",
            "is not a key of a hold step; it belongs in a say step: steps: [{say: ..., pause: 2s}]",
        ),
        ("top", "sets: 3", "is not a key of the routine; it belongs on an exercise"),
        (
            "top",
            "halfway: false",
            "is not a key of the routine; it belongs under the routine's cues: cues: {halfway: false}",
        ),
    ],
)
def test_a_key_written_one_level_off_says_where_it_belongs(where, written, says):
    old, new, line, place = WRITTEN_AT[where]
    found = problems(EXERCISE.replace(old, new.format(written), 1))
    key = written.split(":")[0]
    assert len(found) == 1, found
    assert found[0].startswith(f"r.yaml:{line}: {place}{key}: ") and says in found[0], found
    assert "did you mean" not in found[0]


def test_a_near_spelling_of_a_key_of_another_place_says_where_that_key_belongs():
    found = problems(EXERCISE.replace("say: Hold.", "say: Hold.\n        rset: 3"))
    assert found == [
        "r.yaml:7: exercises[0].steps[0].rset: unknown key; did you mean 'sets'? It is not a key of a hold "
        "step: it belongs on an exercise: exercises: [{name: ..., sets: 3, steps: [...]}]"
    ]


def test_a_near_spelling_of_a_key_of_the_place_comes_first():
    assert problems(EXERCISE.replace("    steps:", "    stes: 3\n    steps:")) == [
        "r.yaml:4: exercises[0].stes: unknown key; did you mean 'steps'?"
    ]
    found = problems(EXERCISE.replace("say: Hold.", "say: Hold.\n        hafway: false"))
    assert found == ["r.yaml:7: exercises[0].steps[0].hafway: unknown key; did you mean 'halfway'?"]


def test_sets_on_a_circuit_says_a_circuit_calls_them_rounds():
    text = (
        "title: T\nexercises:\n  - circuit: C\n    sets: 3\n    exercises: [{name: A, steps: [{say: x}]}]\n"
    )
    assert problems(text) == ["r.yaml:4: exercises[0].sets: a circuit calls it rounds: write rounds: 3"]


def _at(place: keys.Place, key: str) -> dict:
    """The mapping that holds `key` in a place's example."""
    node = yaml.safe_load(place.shown(key))
    while key not in node:
        (node,) = node.values()
        node = node[0] if isinstance(node, list) else node
    return node


def test_every_key_of_every_place_is_placed_from_every_other_place():
    every = {key for place in keys.PLACES.values() for key in place.keys}
    for name, here in keys.PLACES.items():
        for key in sorted(every - set(here.keys) - set(here.synonyms)):  # synonyms: tested above
            message, suggested = keys.advice(key, name, here.keys)
            there = next(
                p for p in keys.PLACES.values() if message.endswith(f"it belongs {p.where}: {p.shown(key)}")
            )
            assert message.startswith(f"is not a key of {here.name}; ") and suggested is None
            assert key in there.keys and set(_at(there, key)) <= set(there.keys), (name, key, message)


# --- rounds: what the track calls an exercise's sets ----------------------------------


def test_rounds_on_an_exercise_is_its_sets(small_routine):
    written = SMALL.replace("    sets: 2\n", "    rounds: 2\n")
    assert "rounds: 2" in written
    assert routine.loads(written) == small_routine
    assert routine.loads(SMALL.replace("    sets: 2\n", "    rounds: 1-3\n")).exercises[0].sets == Count(
        1, 2, 3
    )


def test_rounds_and_sets_together_or_a_bad_count_of_rounds_are_located():
    both = SMALL.replace("    sets: 2\n", "    sets: 2\n    rounds: 3\n")
    with pytest.raises(RoutineError) as caught:
        routine.loads(both, source="r.yaml")
    assert caught.value.problems == [
        "r.yaml:16: exercises[0].rounds: means sets; write rounds or sets, not both"
    ]
    with pytest.raises(RoutineError) as caught:
        routine.loads(SMALL.replace("    sets: 2\n", "    rounds: three\n"), source="r.yaml")
    assert caught.value.problems == [
        'r.yaml:15: exercises[0].rounds: must be a positive whole number or a range like 10-20, got "three"'
    ]


# --- YAML syntax errors in the user's words ------------------------------------------

HEAD = "title: T\nexercises:\n  - name: Squat\n"
STEPS = HEAD + "    steps:\n"
YAML_MISTAKES = [
    (
        "a key indented less than its neighbours",
        HEAD + "    sets: 3\n   rest: 5s\n    steps: [{say: x}]\n",
        "r.yaml:5: this line is indented differently from the lines around it: keys of one exercise "
        "line up under its name, keys of one step under its first key (hold, reps or say)",
    ),
    ("a key indented further", HEAD + "     sets: 3\n    steps: [{say: x}]\n", f"r.yaml:4: {FURTHER}"),
    (
        "an exercise's dash out of line",
        HEAD + "    steps: [{say: x}]\n - name: Lunge\n    steps: [{say: x}]\n",
        "r.yaml:5: this '- ' is not lined up with the '- ' of the items above it: the items of one "
        "list (exercises, or the steps of one exercise) start at the same column",
    ),
    (
        "a step's dash under a key",
        STEPS + "      - hold: 20s\n        say: Hold.\n        - say: Rest.\n",
        "r.yaml:7: this line starts a list item ('- ') where a key was expected: line its '- ' up "
        "with the other items of its list, under the key that holds them (steps:)",
    ),
    (
        "a colon in a text",
        STEPS + "      - say: Note: keep your back straight\n",
        'r.yaml:5: the text after "say:" holds ": ", which YAML reads as another key; put the text '
        'in quotes: say: "Note: keep your back straight"',
    ),
    (
        "a key without its colon",
        HEAD + "    sets 3\n    steps: [{say: x}]\n",
        "r.yaml:4: this line has no ':' after its key: write key: value, like sets: 3. If it goes on "
        "with the text of the line above, indent it further than that line's key",
    ),
    (
        "a text going on at the start of a line",
        "title: T\nintro: A long sentence\nthat wraps\nexercises: [{name: A, steps: [{say: x}]}]\n",
        "r.yaml:3: this line has no ':' after its key",
    ),
    (
        "a tab",
        STEPS + "\t- say: Go.\n",
        "r.yaml:5: this line is indented with a tab; YAML indents with spaces only. Replace the tab "
        "with spaces, lined up with the lines above",
    ),
    (
        "an unclosed quote",
        STEPS + "      - say: 'Breathe in\n      - say: Out.\n",
        "r.yaml:5: a quote opened on this line is never closed: end the text with the same quote mark",
    ),
    (
        "an unclosed list",
        HEAD + "    steps: [{say: x}\n  - name: Lunge\n    steps: [{say: x}]\n",
        "r.yaml:4: the list or mapping opened on this line is not closed by a ']', or two of its "
        "items have no ',' between them",
    ),
    (
        "an unclosed mapping",
        HEAD + "    steps: [{say: x]\n",
        "r.yaml:4: the list or mapping opened on this line is not closed by a '}'",
    ),
    (
        "a colon inside an inline mapping",
        HEAD + "    steps: [{say: Note: slowly}]\n",
        'r.yaml:4: a text inside {...} on this line holds ": "; put it in quotes, like {say: "Note: slowly"}',
    ),
    (
        "two dashes",
        "title: T\nexercises:\n  - - name: A\n    steps: [{say: x}]\n",
        "r.yaml:3: this line has two '-' in a row, which starts a list inside a list item; keep one '- '",
    ),
    (
        "no space after a dash",
        "title: T\nexercises:\n  -name: A\n    steps: [{say: x}]\n",
        "r.yaml:3: this list item needs a space after its '-', like - name: Squat",
    ),
    (
        "a list on the line of its key",
        "title: T\nexercises: - name: A\n",
        "r.yaml:2: a list cannot start on the line of its key: put each '- ' on a line of its own, "
        "indented under the key",
    ),
    (
        "a text starting with a brace",
        STEPS + "      - say: {side} leg up\n",
        'r.yaml:5: the value of "say:" goes on after a list or mapping written inline ([...] or {...}): '
        'if it is a text, put the text in quotes: say: "{side} leg up"; if it is a list or mapping, '
        "end the line after it",
    ),
    (
        "a text going on after its quote",
        'title: "Knees" for beginners\nexercises: []\n',
        'r.yaml:1: the text after "title:" goes on after its closing quote; put all of it inside the quotes',
    ),
    (
        "a text starting with @",
        "title: @home\nexercises: []\n",
        'r.yaml:1: a value cannot start with @; put the text in quotes: title: "@home"',
    ),
    (
        "a text starting with *",
        STEPS + "      - say: *slowly* now\n",
        'r.yaml:5: a value starting with "*" or "&" is read as a YAML alias; put the text in quotes: '
        'say: "*slowly* now"',
    ),
    (
        "a text starting with a closing bracket",
        HEAD + "    equipment: ]a wall\n    steps: [{say: x}]\n",
        "r.yaml:4: a value cannot start with ']'; put the text in quotes: equipment: \"]a wall\"",
    ),
    (
        "a text starting with >",
        "title: T\nexercises:\n  - name: >Wall sit\n    steps: [{say: x}]\n",
        "r.yaml:3: a value starting with '>' or '|' begins a text of several lines",
    ),
    (
        "a backslash in double quotes",
        'title: "C:\\d"\nexercises: []\n',
        'r.yaml:1: a "\\" inside double quotes starts an escape such as \\n',
    ),
    (
        "an anchor twice",
        "title: &t Knees\nintro: &t Hello\nexercises: []\n",
        'r.yaml:2: two values are marked "&t"; a YAML anchor names one value',
    ),
    (
        "two documents",
        "title: T\n---\ntitle: U\n",
        "r.yaml:2: a second routine starts here, after '---'; a routine file holds one routine",
    ),
    (
        "a first line indented",
        "  title: T\nexercises: []\n",
        "r.yaml:2: this line is indented differently from the first line: the routine's own keys "
        "(title, exercises...) start at the very beginning of their lines",
    ),
]


@pytest.mark.parametrize(("what", "text", "says"), YAML_MISTAKES, ids=[m[0] for m in YAML_MISTAKES])
def test_a_yaml_mistake_is_said_in_words_with_its_line(what, text, says):
    found = problems(text)
    assert len(found) == 1 and found[0].startswith(says), found
    assert "<block" not in found[0] and "not valid YAML" not in found[0]


def test_a_yaml_problem_not_in_the_table_keeps_its_own_words_and_line():
    found = problems("title: T\nexercises: []\n%x\n")
    assert found == ["r.yaml:3: not valid YAML: expected '<document start>', but found '<stream end>'"]


def test_a_control_character_is_located_on_its_line():
    found = problems("title: T\nintro: a\x00b\nexercises: []\n")
    assert found == [
        "r.yaml:2: this line holds a control character (#x0000), which a routine cannot hold; remove it"
    ]


def test_a_list_in_place_of_an_item_asks_about_a_dash_too_many():
    found = problems(STEPS + "      - - hold: 20s\n          say: Hold.\n")
    assert found == [
        "r.yaml:5: exercises[0].steps[0]: must be a step like {hold: 20s, say: ...}, got a list; "
        "is there one '-' too many at the start of the line (- - ...)? Keep one"
    ]


# Bad input never crashes: random YAML in every field ends in a located error or a routine.
#
# Hypothesis writes documents that look like routines with random values in every place
# (unicode, huge and non-finite numbers, empty strings, deep nesting), then damages their
# text (tabs, duplicated keys, binary junk, cut-off ends, alias bombs). The loader must
# answer each with a RoutineError that names the file, or a routine that compiles or
# fails with a TimingError; never another exception, never a hang.

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
