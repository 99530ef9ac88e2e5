#!/usr/bin/env bash
# Installs what hivehunt needs on Debian (when missing) and builds it into
# build/. Sourced by tests/run.sh and tests/demo.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and run-time dependencies, and the tools the tests use (third-party
# hive readers, CSV/JSON parsers, a real browser for the HTML report, man and
# groff for the man page, strace to see how messages reach stderr).
HH_PACKAGES=(
  build-essential cmake pkg-config
  libregf-dev libbfio-dev liblua5.4-dev lua5.4 lua-busted lua-cjson libreadline-dev
  libregf-utils reglookup regripper
  python3 chromium clang libclang-rt-14-dev time man-db strace
)

missing=()
for p in "${HH_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR="${HH_BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${HH_BUILD_TYPE:-RelWithDebInfo}" ${HH_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
