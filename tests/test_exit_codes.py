"""Exit codes are documented where users look, and stay stable."""

from __future__ import annotations

from click.testing import CliRunner
from test_docs import ROOT

from audioguide.cli import EXIT_INTERRUPTED, EXIT_TERMINATED, cli


def test_exit_codes_are_stable_and_documented():
    assert (EXIT_INTERRUPTED, EXIT_TERMINATED) == (130, 143)
    help_text = CliRunner().invoke(cli, ["--help"]).output
    assert "0 ok, 1 error (explained), 2 usage, 130 interrupted, 143 terminated (SIGTERM)." in " ".join(
        help_text.split()
    )
    readme = (ROOT / "README.md").read_text()
    assert "130 interrupted with Ctrl-C (SIGINT); 143 stopped by SIGTERM" in readme
