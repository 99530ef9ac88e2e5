#!/usr/bin/env bash
# The benchmark: hivehunt against RegRipper's svc plugin and reglookup on
# every real SYSTEM hive of the corpus, synthetic hives of growing size, a
# whole host (every plugin) against the services-only hunt of its SYSTEM,
# and a case run with one and two jobs beside what two cores give on this
# machine in the same rounds; then every figure beside its target.
# Not a test: it prints figures and marks each target met or missed, and
# exits 0 either way.
#
#   bash tests/bench/run.sh                 # everything, 5 runs each
#   HH_BENCH_RUNS=9 bash tests/bench/run.sh
#
# Environment: HH_CORPUS (default ../shared/corpus), HH_BUILD_DIR (build),
# HH_BENCH_RUNS (5), HH_BENCH_SIZES ("500 1000 2000 5000"), HH_BENCH_HOSTS (12),
# HH_BENCH_SKIP_SETUP=1 to use an existing build as is, HH_BENCH_CALLGRIND=1
# to add instruction counts per row and per phase of the hunt (valgrind; slow).
#
# The tools compared run alternately (A B C A B C ...) so a load spike on a
# shared machine hits all of them. Each command is timed as started
# directly, with nothing wrapped around it. Times are wall-clock medians; cpu
# is user+sys, steadier than wall on a busy machine; rss is the peak resident
# set of the largest process (/usr/bin/time %M, in a separate untimed run),
# which for hivehunt is its per-hive child.
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
for tool in "$HH" "$FLOOR" /usr/bin/time python3 lua5.4 regripper reglookup; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 2; }
done

SECONDS=0
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

# preread FILE...: bring the inputs into the page cache before they are timed.
preread() { cat "$@" >/dev/null 2>&1 || true; }

# alternate NAME CMD... [-- NAME CMD...]...: RUNS rounds, each running every
# command once in turn (A B C A B C ...), so a load spike hits all of them.
# A name's first command runs once untimed (the program and its libraries
# into the page cache); the inputs are the caller's to preread.
declare -A WARMED=()
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
    [ -n "${WARMED[${names[$i]}]:-}" ] && continue
    eval "${cmds[$i]}" >/dev/null 2>&1 || true
    WARMED[${names[$i]}]=1
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
# at_least A B: 1 when A >= B (numbers), else 0
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? 1 : 0 }'; }
quot() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print 0 }'; }

# target WHAT FIGURE ANCHOR MARK: one line of the summary printed at the end.
TARGETS="$WORK/targets"
: >"$TARGETS"
target() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$TARGETS"; }
mark() { [ "$1" = 1 ] && echo met || echo missed; }

# Built with the switch between hivehunt's own cell reader and libregf's?
READER=0
if "$HH" hunt --help 2>&1 | grep -q -- '--reader'; then READER=1; fi

echo "hivehunt benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians of $RUNS alternating runs; ms = wall, cpu = user+sys ms, rss = peak MiB"
echo

# ---- the hives ---------------------------------------------------------------
# The real SYSTEM hives the targets are about, then a damaged one (shown, not judged).
TARGET_HIVES=(regipy/SYSTEM regipy/SYSTEM_B winevt-kb/SYSTEM_XP aiowinreg/SYSTEM)
REAL=("${TARGET_HIVES[@]}" regipy/corrupted_system_hive)
hives=()
for h in "${REAL[@]}"; do
  if [ -f "$CORPUS/$h" ]; then hives+=("$CORPUS/$h"); continue; fi
  echo "(skipped: $CORPUS/$h is absent)"
  [[ " ${TARGET_HIVES[*]} " == *" $h "* ]] && target "hunt vs RegRipper svc and reglookup, $h" "-" "(hive absent)" "not measured"
done
for n in $SIZES; do
  "$MKHIVE" --generate-services "$n" "$WORK/SYSTEM-$n" >/dev/null
done
LARGEST=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -n 1)
[ -n "$LARGEST" ] && hives+=("$WORK/SYSTEM-$LARGEST")

label() {
  case "$1" in
    "$CORPUS"/*) echo "${1#"$CORPUS"/}" ;;
    *) echo "synthetic $(basename "$1")" ;;
  esac
}
is_target_hive() {
  local t
  for t in "${TARGET_HIVES[@]}"; do [ "$1" = "$CORPUS/$t" ] && return 0; done
  return 1
}

# Windows writes 4 KB hive bins (a few pages only for a large cell); the
# synthetic hives must too, or libregf's bin lookups are measured on a
# layout no real hive has. Real hives for comparison.
printf '%-28s | %8s | %s\n' "hive" "size KiB" "hive bins"
for h in "${hives[@]}"; do
  case "$h" in "$WORK"/*) continue ;; esac
  printf '%-28s | %8d | %s\n' "$(label "$h")" "$(( $(stat -c %s "$h") / 1024 ))" "$(python3 "$ROOT/tests/bench/hbins.py" "$h")"
done
for n in $SIZES; do
  h="$WORK/SYSTEM-$n"
  printf '%-28s | %8d | %s\n' "synthetic, $n services" "$(( $(stat -c %s "$h") / 1024 ))" "$(python3 "$ROOT/tests/bench/hbins.py" "$h")"
done
echo

# ---- hunt vs RegRipper, services vs reglookup, on the real hives ----------
# The full hunt (replay, extraction, the whole policy, jsonl to a file)
# against RegRipper's svc plugin and reglookup's bare listing of one control
# set's Services key; and hh-libregf-floor, only the libregf calls a hunt
# reading through libregf needs (every service key and value of every
# control set), whose ratio to RegRipper bounds what such a hunt can reach.
# Where the build has --reader, the same hunt through libregf alone too, so
# what hivehunt's own cell reader gains is in view.
hdr_lr=""; [ "$READER" = 1 ] && hdr_lr=$(printf ' | %-21s' "hunt --reader libregf")
printf '%-28s | %-26s%s | %-26s | %-14s | %-14s | %s\n' "hive" "hivehunt hunt (ms cpu rss)" "$hdr_lr" \
  "regripper -p svc (ms cpu rss)" "reglookup (ms cpu)" "libregf floor" \
  "speed-up over regripper: hunt, floor; hunt over reglookup (wall / cpu)$([ "$READER" = 1 ] && echo "; hunt over --reader libregf")"
preread "${hives[@]}" "$CORPUS"/regipy/SYSTEM_B.LOG*
for h in "${hives[@]}"; do
  lr=()
  [ "$READER" = 1 ] && lr=(-- hunt_lr "$HH" hunt "$h" --reader libregf --format jsonl --output "$WORK/findings-lr.jsonl")
  alternate hunt "$HH" hunt "$h" --format jsonl --output "$WORK/findings.jsonl" -- \
            rr regripper -r "$h" -p svc -- \
            rl reglookup -p /ControlSet001/Services "$h" -- \
            floor "$FLOOR" "$h" "${lr[@]}"
  hw=$(median hunt 1); hc=$(median hunt 2); rw=$(median rr 1); rc=$(median rr 2); lw=$(median rl 1); lc=$(median rl 2)
  fw=$(median floor 1); fc=$(median floor 2)
  [ "$(worst_rc floor)" = 0 ] || { fw=0; fc=0; }   # libregf cannot read it: no floor
  col_lr=""; gain_lr=""
  if [ "$READER" = 1 ]; then
    xw=$(median hunt_lr 1); xc=$(median hunt_lr 2)
    col_lr=$(printf ' | %6s %6s %-7s' "$xw" "$xc" "$(status "$(worst_rc hunt_lr)")")
    gain_lr="; $(ratio "$hw" "$xw") / $(ratio "$hc" "$xc")"
  fi
  printf '%-28s | %6s %6s %5s %-6s%s | %6s %6s %5s %-6s | %6s %6s | %6s %6s | %s / %s, %s / %s; %s / %s%s\n' "$(label "$h")" \
    "$hw" "$hc" "$(mib "$(max_col hunt 3)")" "$(status "$(worst_rc hunt)")" "$col_lr" \
    "$rw" "$rc" "$(mib "$(max_col rr 3)")" "$(status "$(worst_rc rr)")" \
    "$lw" "$lc" "$fw" "$fc" \
    "$(ratio "$hw" "$rw")" "$(ratio "$hc" "$rc")" "$(ratio "$fw" "$rw")" "$(ratio "$fc" "$rc")" \
    "$(ratio "$hw" "$lw")" "$(ratio "$hc" "$lc")" "$gain_lr"
  if is_target_hive "$h"; then
    x=$(quot "$rw" "$hw")
    m=$(mark "$(at_least "$x" 10)"); [ "$(at_least "$x" 25)" = 1 ] && m="met, goal too"
    target "hunt vs RegRipper svc, $(label "$h")" "${x}x (cpu $(quot "$rc" "$hc")x)" ">= 10x (goal 25x)" "$m"
    x=$(quot "$lw" "$hw")
    target "hunt vs reglookup CS001\\Services, $(label "$h")" "${x}x (cpu $(quot "$lc" "$hc")x)" ">= 1.5x" \
      "$(mark "$(at_least "$x" 1.5)")"
  fi
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

# ---- growth with the number of rows ------------------------------------------
# Two rows a service (ControlSet001 and its copy ControlSet002). cpu per 1000
# rows includes the fixed start-up; "added" is the cpu the rows added since
# the previous size, per 1000 of them: it stays level when the cost per row is flat.
printf '%-28s | %6s | %-22s | %-18s | %s\n' "synthetic hive" "rows" "hunt (ms cpu rss)" "cpu per 1000 rows" "added cpu per 1000 added rows"
prev_rows=0; prev_cpu=0; first_rows=0; first_per=0; last_rows=0; last_per=0; last_rss=0
for n in $SIZES; do
  h="$WORK/SYSTEM-$n"
  rows=$("$HH" services "$h" --format jsonl 2>/dev/null | wc -l)
  rm -f "$WORK/grow.runs"
  for _ in $(seq "$RUNS"); do
    measure grow "$HH" hunt "$h" --format jsonl --output "$WORK/findings.jsonl"
  done
  gw=$(median grow 1); gc=$(median grow 2)
  per=$(awk -v c="$gc" -v r="$rows" 'BEGIN { printf "%.1f", r ? c * 1000 / r : 0 }')
  added="-"
  [ "$prev_rows" -gt 0 ] && [ "$rows" -gt "$prev_rows" ] &&
    added="$(awk -v c="$gc" -v p="$prev_cpu" -v r="$rows" -v q="$prev_rows" 'BEGIN { printf "%.1f", (c - p) * 1000 / (r - q) }') ms"
  printf '%-28s | %6d | %8s %6s %5s | %13s ms | %s\n' "$n services" "$rows" "$gw" "$gc" \
    "$(mib "$(max_col grow 3)")" "$per" "$added"
  if [ "$first_rows" = 0 ] && [ "$rows" -ge 1000 ]; then first_rows=$rows; first_per=$per; fi
  prev_rows=$rows; prev_cpu=$gc; last_rows=$rows; last_per=$per; last_rss=$(max_col grow 3)
done
echo
if [ "$last_rows" -gt 0 ]; then
  target "hunt peak RSS at $last_rows rows (synthetic, $LARGEST services)" "$(mib "$last_rss") MiB" "<= 64 MiB" \
    "$(mark "$(at_least 65536 "$last_rss")")"
fi
if [ "$first_rows" -gt 0 ] && [ "$last_rows" -gt "$first_rows" ]; then
  x=$(quot "$last_per" "$first_per")
  target "cpu per row at $last_rows rows / at $first_rows rows (flat: <= 1.25)" "$x" \
    "flat, 1,000 to 10,000 rows" "$(mark "$(at_least 1.25 "$x")")"
fi

# Instruction counts do not depend on the load of a shared machine: with
# HH_BENCH_CALLGRIND=1 (valgrind installed), the same growth in instructions
# per row, one hunt per size in-process (--no-isolate).
CALLGRIND=0
if [ "${HH_BENCH_CALLGRIND:-0}" = 1 ]; then
  if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then CALLGRIND=1
  else echo "(callgrind figures skipped: valgrind is not installed)"; echo; fi
fi
if [ "$CALLGRIND" = 1 ]; then
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

# ---- a whole host against the services-only hunt of its SYSTEM ---------------
# Every plugin over SYSTEM, SOFTWARE and a user hive, against
# 'hunt SYSTEM --plugin services'. The corpus has no modern SOFTWARE hive (a
# real one is 40 to 100 MB), so the modern hosts borrow the fixture SOFTWARE
# of a stock Windows 10 office PC (clean-software.spec with 121 TaskCache
# tasks): far smaller than a real one, it understates the SOFTWARE plugins'
# share. Each host says where every hive comes from.
HOSTS=(
  "Win7 (SOFTWARE: fixture)|regipy/SYSTEM|@tasks/clean/SOFTWARE|regipy/NTUSER.DAT"
  "Win10 dirty (SOFTWARE: fixture)|regipy/SYSTEM_B|@tasks/clean/SOFTWARE|ntuser/artemis_Win10_Default_NTUSER.DAT"
  "NT4 DC (user hive: XP)|aiowinreg/SYSTEM|aiowinreg/SOFTWARE|ntuser/plaso_NTUSER_XP.DAT"
)
hive_path() { case "$1" in @*) echo "$BUILD/testdata/${1#@}" ;; *) echo "$CORPUS/$1" ;; esac; }
hive_name() { case "$1" in @*) echo "fixture ${1#@}" ;; *) echo "corpus $1" ;; esac; }
printf '%-32s | %-26s | %-26s | %s\n' "host" "every plugin (ms cpu rss)" "--plugin services (ms cpu rss)" "whole / services-only (wall / cpu)"
notes=()
measured=0
for spec in "${HOSTS[@]}"; do
  IFS='|' read -r name sys soft user <<<"$spec"
  files=()
  for x in "$sys" "$soft" "$user"; do
    p=$(hive_path "$x")
    if [ ! -f "$p" ]; then echo "(skipped $name: $p is absent)"; files=(); break; fi
    files+=("$p")
  done
  [ ${#files[@]} -eq 3 ] || continue
  preread "${files[@]}"
  notes+=("$name: SYSTEM = $(hive_name "$sys"), SOFTWARE = $(hive_name "$soft"), user = $(hive_name "$user")")
  alternate whole "$HH" hunt "${files[@]}" --format jsonl --output "$WORK/whole.jsonl" -- \
            svconly "$HH" hunt "${files[0]}" --plugin services --format jsonl --output "$WORK/svconly.jsonl"
  ww=$(median whole 1); wc=$(median whole 2); sw=$(median svconly 1); sc=$(median svconly 2)
  printf '%-32s | %6s %6s %5s %-6s | %6s %6s %5s %-6s | %s / %s\n' "$name" \
    "$ww" "$wc" "$(mib "$(max_col whole 3)")" "$(status "$(worst_rc whole)")" \
    "$sw" "$sc" "$(mib "$(max_col svconly 3)")" "$(status "$(worst_rc svconly)")" \
    "$(ratio "$sw" "$ww")" "$(ratio "$sc" "$wc")"
  x=$(quot "$ww" "$sw")
  measured=$((measured + 1))
  target "whole host / services-only, $name" "${x}x (cpu $(quot "$wc" "$sc")x)" "<= 2x" "$(mark "$(at_least 2 "$x")")"
done
for note in "${notes[@]}"; do echo "  $note"; done
[ "$measured" -gt 0 ] || target "whole host / services-only" "-" "<= 2x (no host's hives present)" "not measured"
echo

# ---- a case run with one and two jobs ---------------------------------------
if "$HH" case --help >/dev/null 2>&1; then
  CASE="$WORK/case"
  real=()
  for h in "${TARGET_HIVES[@]}"; do
    [ -f "$CORPUS/$h" ] && real+=("$CORPUS/$h")
  done
  what="${#real[@]} real SYSTEM hives, cycled"
  if [ ${#real[@]} -eq 0 ]; then real=("$WORK/SYSTEM-$LARGEST"); what="synthetic SYSTEM-$LARGEST"; fi
  for i in $(seq "$NHOSTS"); do
    src=${real[$(( (i - 1) % ${#real[@]} ))]}
    d="$CASE/host$(printf %03d "$i")"
    mkdir -p "$d"
    ln -s "$src" "$d/SYSTEM"
    for log in LOG1 LOG2; do [ -f "$src.$log" ] && ln -s "$src.$log" "$d/SYSTEM.$log"; done
    soft="$(dirname "$src")/SOFTWARE"
    [ -f "$soft" ] && ln -s "$soft" "$d/SOFTWARE"
  done
  # The machine's own two-core capacity, measured in the same rounds: the
  # same case as two separate --jobs 1 runs at once (nothing shared between
  # them), and a plain compute loop alone and two at once. On a shared
  # virtual machine the second core's worth moves with the host's load.
  both='"$1" case "$2" --output "$3" --jobs 1 & a=$!; "$1" case "$2" --output "$4" --jobs 1 & b=$!
        wait $a; ra=$?; wait $b; rb=$?; exit $((ra | rb))'
  loop='local n = 0 for i = 1, 2e7 do n = (n + i * 7) % 1000003 end'
  rm -f "$WORK"/{j1,j2,pair,loop1,loop2}.runs
  for _ in $(seq "$RUNS"); do
    rm -rf "$WORK/out1" "$WORK/out2" "$WORK/outa" "$WORK/outb"
    measure j1 "$HH" case "$CASE" --output "$WORK/out1" --jobs 1
    measure j2 "$HH" case "$CASE" --output "$WORK/out2" --jobs 2
    measure pair bash -c "$both" _ "$HH" "$CASE" "$WORK/outa" "$WORK/outb"
    measure loop1 lua5.4 -e "$loop"
    measure loop2 bash -c 'lua5.4 -e "$1" & lua5.4 -e "$1"; wait' _ "$loop"
  done
  w1=$(median j1 1); w2=$(median j2 1); wp=$(median pair 1); l1=$(median loop1 1); l2=$(median loop2 1)
  printf '%-28s | %-22s | %-22s | %s\n' "case of $NHOSTS hosts" "--jobs 1 (ms hosts/s)" "--jobs 2 (ms hosts/s)" "speed-up"
  printf '%-28s | %8s %6s %-6s | %8s %6s %-6s | %s\n' "$what" \
    "$w1" "$(awk -v w="$w1" -v n="$NHOSTS" 'BEGIN { printf "%.1f", n * 1000 / w }')" "$(status "$(worst_rc j1)")" \
    "$w2" "$(awk -v w="$w2" -v n="$NHOSTS" 'BEGIN { printf "%.1f", n * 1000 / w }')" "$(status "$(worst_rc j2)")" \
    "$(ratio "$w2" "$w1")"
  pair_x=$(awk -v a="$w1" -v b="$wp" 'BEGIN { printf "%.2f", (b > 0 ? 2 * a / b : 0) }')
  loop_x=$(awk -v a="$l1" -v b="$l2" 'BEGIN { printf "%.2f", (b > 0 ? 2 * a / b : 0) }')
  echo "two cores' worth on this machine, same rounds: two separate --jobs 1 runs at once ${pair_x}x" \
    "($wp ms for both, $(status "$(worst_rc pair)")); a compute loop two at once ${loop_x}x ($l1 ms alone, $l2 ms both)"
  echo
  x=$(quot "$w1" "$w2")
  target "case --jobs 2 over --jobs 1, $NHOSTS hosts on $(nproc) cores" \
    "${x}x (machine: ${pair_x}x for two separate runs, ${loop_x}x for a compute loop)" ">= 1.8x" "$(mark "$(at_least "$x" 1.8)")"
else
  echo "(case run skipped: this build has no 'hivehunt case')"
  echo
fi

# ---- where the instructions go, per phase -----------------------------------
# One hunt of each real SYSTEM hive in-process under callgrind; each phase is
# a host function's inclusive count (callgrind_annotate --inclusive=yes):
# open = hh_hive_set_open (guard walk, log replay, libregf's open), collect =
# hh_plugin_collect split by each plugin's collect_body, policy =
# hh_run_policy (every plugin's and the correlation's: loading the chain,
# evaluating it, enriching and sorting the findings), release =
# hh_hive_release_reader, report = hh_report_write; the rest is start-up,
# plugin loading and exit.
if [ "$CALLGRIND" = 1 ]; then
  readers=(cells); [ "$READER" = 1 ] && readers=(cells libregf)
  printf '%-36s | %8s | %7s | %7s %7s %7s | %7s %7s %7s %7s | %7s | %7s | %7s\n' "hive (M instructions)" "total" "open" \
    "collect" "svc" "other" "policy" "load" "eval" "other" "release" "report" "rest"
  for h in "${hives[@]}"; do
    case "$h" in "$WORK"/*) continue ;; esac
    for r in "${readers[@]}"; do
      ropt=(); lbl=$(label "$h")
      [ "$READER" = 1 ] && { ropt=(--reader "$r"); lbl="$lbl, $r"; }
      out="$WORK/callgrind.out"
      valgrind --tool=callgrind --callgrind-out-file="$out" "$HH" hunt "$h" "${ropt[@]}" --format jsonl \
        --output /dev/null --no-isolate >/dev/null 2>&1 || true
      [ -s "$out" ] || { echo "$lbl: callgrind wrote nothing"; continue; }
      callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$out" 2>/dev/null |
        awk -v lbl="$lbl" '
          function n(s) { gsub(",", "", s); return s + 0 }
          / PROGRAM TOTALS/ { total = n($1) }
          $2 ~ /%\)$/ || $3 ~ /%\)$/ {
            f = $0; sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "", f)
            v = n($1)
            # a function is "file:name [object]"; the plugins share static
            # names, so only the line with the plugin'"'"'s own source file counts
            if (f ~ /:hh_hive_set_open( |$)/) { open = v }
            if (f ~ /:hh_plugin_collect( |$)/) { collect = v }
            if (f ~ /\/plugins\/services\/[^ ]*:collect_body( |$)/) { svc = v }
            if (f ~ /:hh_run_policy( |$)/) { policy = v }
            if (f ~ /:hh_policy_chain_load( |$)/) { load = v }
            if (f ~ /:hh_policy_evaluate( |$)/) { eval_ = v }
            if (f ~ /:hh_hive_release_reader( |$)/) { rel = v }
            if (f ~ /:hh_report_write( |$)/) { rep = v }
          }
          END {
            m = 1e6
            printf "%-36s | %8.1f | %7.1f | %7.1f %7.1f %7.1f | %7.1f %7.1f %7.1f %7.1f | %7.1f | %7.1f | %7.1f\n", lbl,
              total / m, open / m, collect / m, svc / m, (collect - svc) / m, policy / m, load / m, eval_ / m,
              (policy - load - eval_) / m, rel / m, rep / m, (total - open - collect - policy - rel - rep) / m
          }'
      rm -f "$out"
    done
  done
  echo "  collect: svc = the services plugin, other = the other plugins that read SYSTEM (autoruns);"
  echo "  policy: load = hh_policy_chain_load, eval = hh_policy_evaluate, other = enriching and sorting findings"
  echo
fi

# ---- every figure beside its target -----------------------------------------
echo "targets (judged on wall-clock medians; cpu beside for a busy machine; this run took ${SECONDS} s; a missed target does not fail the script)"
awk -F'\t' '{ printf "  %-15s %-70s %-22s target %s\n", "[" $4 "]", $1, $2, $3 }' "$TARGETS"
exit 0
