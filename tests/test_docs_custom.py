"""The README's customizing commands run as written (builds are planned with `script`, for speed)."""

from __future__ import annotations

import re
import shlex

from click.testing import CliRunner
from test_docs import ROOT

from audioguide.cli import cli


def customizing_commands() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Customizing a routine", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines() if line.startswith("audioguide ")]
    return [shlex.split(line, comments=True)[1:] for line in lines]


def test_readme_customizing_commands_run():
    commands = customizing_commands()
    assert (
        len(commands) >= 9
        and any("--set" in c for c in commands)
        and ["init", "feet-and-back", "my-feet.yaml"] in commands
    )
    runner = CliRunner()
    with runner.isolated_filesystem():
        for args in commands:
            args = [a for a in args if a != ">" and not a.endswith(".json")]
            if args[0] == "build":
                args[0] = "script"  # the same routine and overrides, planned without audio
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, (args, result.output)
