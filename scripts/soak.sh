#!/bin/sh
# The long variants of the reliability tests: many more fuzzed documents and many more
# killed builds than CI runs. Usage: scripts/soak.sh [fuzz examples per test] [kills]
set -eu
cd "$(dirname "$0")/.."
examples="${1:-20000}"
kills="${2:-300}"
AUDIOGUIDE_FUZZ_EXAMPLES="$examples" .venv/bin/pytest -q tests/test_routine.py
AUDIOGUIDE_SOAK_KILLS="$kills" AUDIOGUIDE_KILL_SEED="$(date +%s)" \
    .venv/bin/pytest -q -m slow tests/test_files.py
