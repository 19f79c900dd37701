"""The README and the format guide stay true: their commands and examples are checked."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from audioguide import routine
from audioguide.cli import cli
from audioguide.compiler import compile_routine

ROOT = Path(__file__).parent.parent


def code_blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(), flags=re.S)


def test_ci_runs_the_readmes_test_command_verbatim():
    commands = [block.strip() for block in code_blocks(ROOT / "README.md", "sh")[:2]]
    build_command, test_command = commands
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci and build_command in ci
    assert "audioguide build" in build_command and "pytest" in test_command


def test_yaml_examples_load_and_compile():
    examples = code_blocks(ROOT / "README.md", "yaml") + code_blocks(
        ROOT / "docs" / "routine-format.md", "yaml"
    )
    assert len(examples) >= 2
    for text in examples:
        loaded = routine.loads(text, source="example")
        assert compile_routine(loaded).events


def test_format_guide_documents_every_key():
    guide = (ROOT / "docs" / "routine-format.md").read_text()
    step_keys = {key for kind, extra in routine.STEP_KINDS.items() for key in (kind, *extra)}
    keys = {"title", *routine.ROUTINE_KEYS, "name", *routine.EXERCISE_KEYS, *routine.CUE_KEYS, *step_keys}
    assert not [key for key in keys if f"`{key}`" not in guide]


def test_the_readmes_config_commands_run():
    using = (ROOT / "README.md").read_text().split("## Using it", 1)[1].split("\n## ", 1)[0]
    lines = [line.split("#")[0].split() for block in re.findall(r"```sh\n(.*?)```", using, flags=re.S)
             for line in block.splitlines() if line.startswith("audioguide config")]  # fmt: skip
    assert [args[:3] for args in lines] == [["audioguide", "config", "set"], ["audioguide", "config", "list"]]
    runner = CliRunner()
    for args in lines:
        result = runner.invoke(cli, args[1:])
        assert result.exit_code == 0, (args, result.output)
    assert runner.invoke(cli, ["config", "get", "engine"]).output == "pico\n"
