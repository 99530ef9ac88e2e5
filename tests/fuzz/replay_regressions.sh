#!/usr/bin/env bash
# replay_regressions.sh FUZZ_HIVE_REPLAY HH_MKHIVE
# Replays every input in tests/fuzz/regressions/ through the fuzz entry point
# (fuzz_hive_replay, built in every build): *.hive files as they are, *.spec
# files built with hh-mkhive first (options on a '# mkhive-options:' line).
# Each was once a crash found by the fuzzer; README.md there says which and
# what fixed it. In the sanitizer build this runs under ASan/UBSan/LSan.
set -euo pipefail
replay=$1
mkhive=$2
dir=$(cd "$(dirname "$0")" && pwd)/regressions
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
shopt -s nullglob
inputs=("$dir"/*.hive)
for spec in "$dir"/*.spec; do
    out=$tmp/$(basename "$spec" .spec).hive
    opts=$(sed -n 's/^# mkhive-options: *//p' "$spec")
    # shellcheck disable=SC2086
    "$mkhive" "$spec" "$out" $opts
    inputs+=("$out")
done
if [ ${#inputs[@]} -eq 0 ]; then
    echo "fuzz_regressions: no regression inputs"
    exit 1
fi
for f in "${inputs[@]}"; do
    if ! "$replay" "$f" 2>"$tmp/stderr"; then
        echo "fuzz_regressions: $(basename "$f") fails again:"
        tail -20 "$tmp/stderr"
        exit 1
    fi
done
echo "fuzz_regressions: ${#inputs[@]} inputs replayed clean"
