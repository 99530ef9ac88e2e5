#!/usr/bin/env bash
# The test command: install what is missing, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
cd "${HH_BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" "$@"
