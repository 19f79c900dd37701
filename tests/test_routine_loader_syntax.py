"""Common YAML mistakes get one message each, in the user's words, with the fix."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from audioguide import routine
from audioguide.cli import cli
from audioguide.errors import RoutineError

HEAD = "title: T\nexercises:\n  - name: Squat\n    steps:\n"
REPS = HEAD + "      - reps: 10\n        say: Squat down.\n"


def problems(text: str) -> list[str]:
    with pytest.raises(RoutineError) as caught:
        routine.loads(text, source="r.yaml")
    return caught.value.problems


def test_a_tab_in_the_indentation_says_indent_with_spaces_and_where():
    found = problems(HEAD + "\t- hold: 20s\n        say: Hold.\n")
    assert found == [
        "r.yaml:5: this line is indented with a tab; YAML indents with spaces only. "
        "Replace the tab with spaces, lined up with the lines above"
    ]


def test_a_tab_further_down_is_found_on_its_line():
    found = problems(HEAD + "      - hold: 20s\n        say: Hold.\n    \tsets: 2\n")
    assert len(found) == 1 and found[0].startswith("r.yaml:7: this line is indented with a tab;")
    assert "cannot start any token" not in found[0]


def test_tabs_elsewhere_are_not_blamed():
    # A tab inside a quoted value is fine; a different YAML mistake keeps its own message.
    assert routine.loads(HEAD + '      - hold: 20s\n        say: "Hold\tstill."\n').title == "T"
    found = problems(HEAD + "      - hold: [20s\n")
    assert len(found) == 1 and "tab" not in found[0] and "is not closed by a ']'" in found[0]


def test_a_tempo_written_as_a_mapping_shows_the_list_it_should_be():
    found = problems(REPS + "        tempo: {up: 2s, down: 1500ms}\n")
    assert found == [
        "r.yaml:7: exercises[0].steps[0].tempo: must be a list of phases, one per line like "
        "- {say: up, for: 2s}; write it as tempo: [{say: up, for: 2s}, {say: down, for: 1500ms}]"
    ]


def test_a_single_phase_without_its_list_is_put_in_one():
    found = problems(REPS + "        tempo: {say: up, for: 2s}\n")
    assert len(found) == 1 and found[0].endswith("write it as tempo: [{say: up, for: 2s}]")


def test_phases_written_as_word_colon_time_give_one_message_for_the_tempo():
    found = problems(REPS + "        tempo:\n          - up: 2s\n          - down: 2s\n")
    assert found == [
        "r.yaml:8: exercises[0].steps[0].tempo: a phase says a word for a time, like "
        "- {say: up, for: 2s}; write them as - {say: up, for: 2s} and - {say: down, for: 2s}"
    ]


def test_a_well_written_tempo_still_loads_and_other_phase_mistakes_keep_their_messages():
    good = routine.loads(
        REPS + "        tempo:\n          - {say: up, for: 2s}\n          - {say: down, for: 1s}\n"
    )
    assert [p.say for p in good.exercises[0].steps[0].tempo] == ["up", "down"]
    found = problems(REPS + "        tempo:\n          - {say: up, fro: 2s}\n")
    assert any("tempo[0].fro: unknown key; did you mean 'for'?" in p for p in found)


@pytest.mark.parametrize(
    "written, fix",
    [("-30s", "write 30s"), ("-1m30s", "write 1m30s"), ("-5", "write 5s"), ("-2.5", "write 2.5s")],
)
def test_a_negative_duration_says_the_minus_is_the_problem(written, fix):
    found = problems(HEAD + f"      - hold: {written}\n        say: Hold.\n")
    assert len(found) == 1
    assert found[0].startswith("r.yaml:5: exercises[0].steps[0].hold: cannot be negative, got ")
    assert found[0].endswith(f"durations have no minus sign: {fix}")


def test_the_cli_shows_each_mistake_once_with_its_fix(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(REPS + "        tempo:\n          - up: 2s\n          - down: 2s\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output.count("write them as - {say: up, for: 2s} and - {say: down, for: 2s}") == 1
    assert "error: validate: 1 problem in " in result.output


def test_a_comma_in_unquoted_text_inside_braces_says_to_quote_the_text():
    found = problems(HEAD + "      - {reps: 3, say: Lift, lower, tempo: [{say: up, for: 2s}]}\n")
    assert found == [
        'r.yaml:5: exercises[0].steps[0].lower: unknown key; is "lower" part of the text of say? Inside '
        '{...} a comma ends an unquoted text: put the text in quotes, say: "Lift, lower"'
    ]


def test_text_that_starts_with_a_brace_says_to_quote_it():
    text = "title: T\nexercises:\n  - name: A\n    sides: [right, left]\n    steps:\n      - hold: 20s\n        say: {side}\n"
    assert problems(text) == [
        'r.yaml:7: exercises[0].steps[0].say: must be text, got a mapping; put text that starts with { in '
        'quotes: say: "{side}"'
    ]
