#!/usr/bin/env bash
# The main job on the bundled example case: install what is missing, build,
# then hunt the demo machine's SYSTEM + SOFTWARE hives.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
B="${HH_BUILD_DIR:-build}"
exec "$B/host/hivehunt" hunt "$B/testdata/demo/SYSTEM" --software "$B/testdata/demo/SOFTWARE" "$@"
