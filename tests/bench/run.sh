#!/usr/bin/env bash
# The benchmark (issue 9): hivehunt against RegRipper's svc plugin and
# reglookup on every real SYSTEM hive of the corpus, synthetic hives of
# growing size, and a case run with one and two jobs. Not a test: it
# prints figures, it does not judge them.
#
#   bash tests/bench/run.sh                 # everything, 5 runs each
#   HH_BENCH_RUNS=9 bash tests/bench/run.sh
#
# Environment: HH_CORPUS (default ../shared/corpus), HH_BUILD_DIR (build),
# HH_BENCH_RUNS (5), HH_BENCH_SIZES ("500 1000 2000 5000"), HH_BENCH_HOSTS (12),
# HH_BENCH_SKIP_SETUP=1 to use an existing build as is, HH_BENCH_CALLGRIND=1
# to add instruction counts per row (valgrind; slow).
#
# The tools compared run alternately (A B C A B C ...) so a load spike on a
# shared machine hits all of them. Times are wall-clock medians; cpu is
# user+sys, steadier than wall on a busy machine; rss is the peak resident set of the
# largest process (/usr/bin/time %M), which for hivehunt is its per-hive child.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

if [ "${HH_BENCH_SKIP_SETUP:-0}" != 1 ]; then
  bash tests/setup.sh >/dev/null
fi
BUILD="${HH_BUILD_DIR:-build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
HH="$BUILD/host/hivehunt"
MKHIVE="$BUILD/bin/hh-mkhive"
FLOOR="$BUILD/bin/hh-libregf-floor"
export HIVEHUNT_PLUGIN_PATH="$BUILD/plugins"
CORPUS="${HH_CORPUS:-$ROOT/../shared/corpus}"
RUNS="${HH_BENCH_RUNS:-5}"
SIZES="${HH_BENCH_SIZES:-500 1000 2000 5000}"
NHOSTS="${HH_BENCH_HOSTS:-12}"
for tool in "$HH" "$FLOOR" /usr/bin/time python3 regripper reglookup; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hh-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# measure NAME CMD...: one run; appends "wall_ms cpu_ms rss_kb exit" to
# $WORK/NAME.runs (tests/bench/measure.py). Output goes to a file or
# /dev/null, as an analyst's would.
measure() {
  local name=$1; shift
  python3 "$ROOT/tests/bench/measure.py" "$WORK/$name.runs" "$@"
}

# median NAME COLUMN: the median of a column of $WORK/NAME.runs
median() {
  awk -v c="$2" '{ print $c }' "$WORK/$1.runs" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
max_col() { awk -v c="$2" 'BEGIN { m = 0 } $c > m { m = $c } END { print m }' "$WORK/$1.runs"; }
worst_rc() { max_col "$1" 4; }

# alternate NAME CMD... [-- NAME CMD...]...: RUNS rounds, each running every
# command once in turn (A B C A B C ...), so a load spike hits all of them.
alternate() {
  local names=() cmds=() cur=()
  local name=$1; shift
  while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then
      names+=("$name"); cmds+=("$(printf '%q ' "${cur[@]}")"); cur=()
      shift; name=$1; shift; continue
    fi
    cur+=("$1"); shift
  done
  names+=("$name"); cmds+=("$(printf '%q ' "${cur[@]}")")
  local i
  for i in "${!names[@]}"; do
    rm -f "$WORK/${names[$i]}.runs"
    eval "${cmds[$i]}" >/dev/null 2>&1 || true   # warm the page cache
  done
  for _ in $(seq "$RUNS"); do
    for i in "${!names[@]}"; do
      eval "measure ${names[$i]} ${cmds[$i]}"
    done
  done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1fx", b / a; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
status() { [ "$1" = 0 ] && echo ok || echo "exit $1"; }

echo "hivehunt benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians of $RUNS alternating runs; ms = wall, cpu = user+sys ms, rss = peak MiB"
echo

# ---- hunt vs RegRipper, services vs reglookup, on the real hives ----------
REAL=(regipy/SYSTEM regipy/SYSTEM_B winevt-kb/SYSTEM_XP aiowinreg/SYSTEM regipy/corrupted_system_hive)
hives=()
for h in "${REAL[@]}"; do
  [ -f "$CORPUS/$h" ] && hives+=("$CORPUS/$h") || echo "(skipped: $CORPUS/$h is absent)"
done
for n in $SIZES; do
  "$MKHIVE" --generate-services "$n" "$WORK/SYSTEM-$n" >/dev/null
done
LARGEST=$(echo $SIZES | tr ' ' '\n' | sort -n | tail -n 1)
[ -n "$LARGEST" ] && hives+=("$WORK/SYSTEM-$LARGEST")

label() {
  case "$1" in
    "$CORPUS"/*) echo "${1#"$CORPUS"/}" ;;
    *) echo "synthetic $(basename "$1")" ;;
  esac
}

# The full hunt (replay, extraction, the whole policy, jsonl to a file)
# against RegRipper's svc plugin and reglookup's bare listing of one control
# set's Services key; and hh-libregf-floor, only the libregf calls a hunt
# needs (every service key and value of every control set), whose ratio to
# RegRipper bounds what any hunt reading through libregf can reach.
printf '%-28s | %-26s | %-26s | %-14s | %-14s | %s\n' "hive" "hivehunt hunt (ms cpu rss)" "regripper -p svc (ms cpu rss)" \
  "reglookup (ms cpu)" "libregf floor" "speed-up over regripper: hunt, floor; hunt over reglookup (wall / cpu)"
for h in "${hives[@]}"; do
  alternate hunt "$HH" hunt "$h" --format jsonl --output "$WORK/findings.jsonl" -- \
            rr regripper -r "$h" -p svc -- \
            rl reglookup -p /ControlSet001/Services "$h" -- \
            floor "$FLOOR" "$h"
  hw=$(median hunt 1); hc=$(median hunt 2); rw=$(median rr 1); rc=$(median rr 2); lw=$(median rl 1); lc=$(median rl 2)
  fw=$(median floor 1); fc=$(median floor 2)
  [ "$(worst_rc floor)" = 0 ] || { fw=0; fc=0; }   # libregf cannot read it: no floor
  printf '%-28s | %6s %6s %5s %-6s | %6s %6s %5s %-6s | %6s %6s | %6s %6s | %s / %s, %s / %s; %s / %s\n' "$(label "$h")" \
    "$hw" "$hc" "$(mib "$(max_col hunt 3)")" "$(status "$(worst_rc hunt)")" \
    "$rw" "$rc" "$(mib "$(max_col rr 3)")" "$(status "$(worst_rc rr)")" \
    "$lw" "$lc" "$fw" "$fc" \
    "$(ratio "$hw" "$rw")" "$(ratio "$hc" "$rc")" "$(ratio "$fw" "$rw")" "$(ratio "$fc" "$rc")" \
    "$(ratio "$hw" "$lw")" "$(ratio "$hc" "$lc")"
done
echo

printf '%-28s | %-30s | %-30s | %s\n' "hive" "hivehunt services (ms cpu rss)" "reglookup -p CS001\\Services" "speed-up wall / cpu"
for h in "${hives[@]}"; do
  alternate svc "$HH" services "$h" --format jsonl --output "$WORK/services.jsonl" -- \
            rl reglookup -p /ControlSet001/Services "$h"
  sw=$(median svc 1); sc=$(median svc 2); lw=$(median rl 1); lc=$(median rl 2)
  printf '%-28s | %8s %6s %5s %-8s | %8s %6s %5s %-8s | %s / %s\n' "$(label "$h")" \
    "$sw" "$sc" "$(mib "$(max_col svc 3)")" "$(status "$(worst_rc svc)")" \
    "$lw" "$lc" "$(mib "$(max_col rl 3)")" "$(status "$(worst_rc rl)")" \
    "$(ratio "$sw" "$lw")" "$(ratio "$sc" "$lc")"
done
echo

# ---- growth with the number of services ------------------------------------
printf '%-28s | %6s | %-22s | %s\n' "synthetic hive" "rows" "hunt (ms cpu rss)" "cpu per 1000 rows"
for n in $SIZES; do
  h="$WORK/SYSTEM-$n"
  rows=$("$HH" services "$h" --format jsonl 2>/dev/null | wc -l)
  rm -f "$WORK/grow.runs"
  for _ in $(seq "$RUNS"); do
    measure grow "$HH" hunt "$h" --format jsonl --output "$WORK/findings.jsonl"
  done
  gw=$(median grow 1); gc=$(median grow 2)
  printf '%-28s | %6d | %8s %6s %5s | %s ms\n' "$n services" "$rows" "$gw" "$gc" \
    "$(mib "$(max_col grow 3)")" "$(awk -v c="$gc" -v r="$rows" 'BEGIN { printf "%.1f", r ? c * 1000 / r : 0 }')"
done
echo

# Instruction counts do not depend on the load of a shared machine: with
# HH_BENCH_CALLGRIND=1 (valgrind installed), the same growth in instructions
# per row, one hunt per size in-process (--no-isolate).
if [ "${HH_BENCH_CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
  printf '%-28s | %6s | %16s | %s\n' "synthetic hive" "rows" "instructions" "per row"
  for n in $SIZES; do
    h="$WORK/SYSTEM-$n"
    rows=$("$HH" services "$h" --format jsonl 2>/dev/null | wc -l)
    ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$HH" hunt "$h" --format jsonl --max-cpu 3600 \
           --output /dev/null --no-isolate 2>&1 | awk '/ refs:/ { gsub(",", "", $NF); print $NF }')
    printf '%-28s | %6d | %16s | %s\n' "$n services" "$rows" "$ir" \
      "$(awk -v i="$ir" -v r="$rows" 'BEGIN { printf "%.0f", r ? i / r : 0 }')"
  done
  echo
fi

# ---- a case run with one and two jobs ---------------------------------------
if "$HH" case --help >/dev/null 2>&1; then
  CASE="$WORK/case"
  real=()
  for h in regipy/SYSTEM regipy/SYSTEM_B winevt-kb/SYSTEM_XP aiowinreg/SYSTEM; do
    [ -f "$CORPUS/$h" ] && real+=("$CORPUS/$h")
  done
  if [ ${#real[@]} -eq 0 ]; then real=("$WORK/SYSTEM-$LARGEST"); fi
  for i in $(seq "$NHOSTS"); do
    src=${real[$(( (i - 1) % ${#real[@]} ))]}
    d="$CASE/host$(printf %03d "$i")"
    mkdir -p "$d"
    ln -s "$src" "$d/SYSTEM"
    for log in LOG1 LOG2; do [ -f "$src.$log" ] && ln -s "$src.$log" "$d/SYSTEM.$log"; done
    soft="$(dirname "$src")/SOFTWARE"
    [ -f "$soft" ] && ln -s "$soft" "$d/SOFTWARE"
  done
  rm -f "$WORK/j1.runs" "$WORK/j2.runs"
  for _ in $(seq "$RUNS"); do
    rm -rf "$WORK/out1" "$WORK/out2"
    measure j1 "$HH" case "$CASE" --output "$WORK/out1" --jobs 1
    measure j2 "$HH" case "$CASE" --output "$WORK/out2" --jobs 2
  done
  w1=$(median j1 1); w2=$(median j2 1)
  printf '%-28s | %-22s | %-22s | %s\n' "case of $NHOSTS hosts" "--jobs 1 (ms hosts/s)" "--jobs 2 (ms hosts/s)" "speed-up"
  printf '%-28s | %8s %6s %-6s | %8s %6s %-6s | %s\n' "$(printf '%d real hives, cycled' "${#real[@]}")" \
    "$w1" "$(awk -v w="$w1" -v n="$NHOSTS" 'BEGIN { printf "%.1f", n * 1000 / w }')" "$(status "$(worst_rc j1)")" \
    "$w2" "$(awk -v w="$w2" -v n="$NHOSTS" 'BEGIN { printf "%.1f", n * 1000 / w }')" "$(status "$(worst_rc j2)")" \
    "$(ratio "$w2" "$w1")"
else
  echo "(case run skipped: this build has no 'hivehunt case')"
fi
