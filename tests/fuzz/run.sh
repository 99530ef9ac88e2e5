#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [libFuzzer options...]
#
# Builds fuzz_hive (clang, libFuzzer + ASan + UBSan) in its own build dir
# ($HH_FUZZ_BUILD, default build-fuzz/), seeds a working corpus from our own
# small seed hives, the writer's fixtures and the small corpus hives, and
# fuzzes for SECONDS. Exit 0: no crash, leak, timeout or OOM found. Otherwise
# the failing input is in $HH_FUZZ_BUILD/artifacts/: turn it into a regression
# (tests/fuzz/regressions/, see the README there) and fix it.
# The working corpus persists in $HH_FUZZ_BUILD/corpus, so runs add up.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
shift || true
build=${HH_FUZZ_BUILD:-$src/build-fuzz}
corpus_dir=${HH_CORPUS:-$src/../shared/corpus}

if ! command -v clang >/dev/null; then
    echo "fuzz: SKIP: clang is not installed (tests/setup.sh installs it)"
    exit 77
fi

CC=clang cmake -S "$src" -B "$build" -DHH_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHH_CORPUS_DIR="$corpus_dir" >/dev/null
if ! cmake --build "$build" -j"${HH_JOBS:-2}" --target fuzz_hive fuzz_seeds fixtures >"$build/build.log" 2>&1; then
    tail -30 "$build/build.log"
    exit 1
fi

seeds=$build/seeds
mkdir -p "$seeds" "$build/corpus" "$build/artifacts"
cp -f "$build"/fuzz-seeds/* "$seeds"/
# Fixtures and corpus hives up to 64 KB whole; larger ones are cut by
# -max_len (the base block repair makes a cut hive still open).
for f in "$build"/testdata/writer/* "$build"/testdata/clean/SOFTWARE "$build"/testdata/demo/SOFTWARE \
         "$build"/testdata/broken/* \
         "$build"/testdata/compromised/psexec-service; do
    [ -f "$f" ] && cp -f "$f" "$seeds/fixture-$(echo "${f#$build/testdata/}" | tr / _)"
done
if [ -d "$corpus_dir/yarp" ]; then
    for f in "$corpus_dir"/yarp/*Hive "$corpus_dir"/yarp/*__*Hive*; do
        case "$f" in *.LOG*) continue ;; esac
        [ -f "$f" ] && cp -f "$f" "$seeds/corpus-$(basename "$f")"
    done
    chmod u+w "$seeds"/corpus-* 2>/dev/null || true
fi
# The hive that made libregf 20201007 read past its buffer (DESIGN.md §6),
# now guarded by host/hive/guard.c: mutations of it probe that guard.
[ -f "$corpus_dir/hostile/libregf-nvalues-overflow.hive" ] &&
    cp -f "$corpus_dir/hostile/libregf-nvalues-overflow.hive" "$seeds/corpus-libregf-nvalues-overflow"
chmod u+w "$seeds"/* 2>/dev/null || true

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/sanitize/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$build/fuzz.log
set +e
"$build/tests/fuzz_hive" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=131072 \
    -close_fd_mask=3 -print_final_stats=1 -dict="$src/tests/fuzz/hive.dict" \
    -artifact_prefix="$build/artifacts/" "$@" "$build/corpus" "$seeds" >"$log" 2>&1
rc=$?
set -e
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
echo "fuzz: ${secs}s, ${execs:-?} executions, ${cov:-cov: ?}, corpus $(ls "$build/corpus" | wc -l) inputs, exit $rc"
if [ $rc -ne 0 ]; then
    grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -20
    echo "fuzz: full log: $log"
fi
exit $rc
