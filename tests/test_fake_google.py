"""Without a loopback network, tests that need 127.0.0.1 skip and say why, never a bare failure."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fake_google import FakeGoogle, loopback_problem

HERE = Path(__file__).parent
ROOT = HERE.parent
NEEDS_GOOGLE = "tests/test_speech_google.py::test_a_timeout_is_retried"


def _without_network(*command: str) -> subprocess.CompletedProcess[str]:
    """Run `command` in a new network namespace: its own loopback, down, and nothing else."""
    if not shutil.which("unshare"):
        pytest.skip("needs unshare (util-linux) to make a namespace without networking")
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -rn is not permitted here: {probe.stderr.decode().strip()}")
    return subprocess.run(["unshare", "-rn", *command], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_this_machine_has_a_loopback_network(loopback):
    assert loopback_problem() is None


def test_without_loopback_the_check_says_what_is_missing():
    shown = _without_network(
        sys.executable, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
        "from fake_google import loopback_problem; print(loopback_problem())",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("cannot connect to 127.0.0.1 (")
    assert "loopback interface is down or missing" in shown.stdout


def test_without_loopback_a_test_of_the_fake_google_is_skipped_with_the_reason():
    ran = _without_network(
        sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", NEEDS_GOOGLE
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 skipped" in ran.stdout and "AssertionError" not in ran.stdout
    assert "needs the loopback network: cannot connect to 127.0.0.1" in ran.stdout


def test_the_fake_refuses_to_start_without_loopback_saying_why(monkeypatch):
    # Direct users of the fake (scripts/bench_gtts.py) get the reason instead of failed requests.
    import fake_google

    monkeypatch.setattr(fake_google, "loopback_problem", lambda: "cannot connect to 127.0.0.1 (test)")
    with pytest.raises(RuntimeError, match="fake of Google's endpoint is unreachable: cannot connect"):
        with FakeGoogle():
            pass
