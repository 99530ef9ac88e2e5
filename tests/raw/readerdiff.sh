#!/usr/bin/env bash
# readerdiff.sh MODE READERDIFF HIVEHUNT TESTDATA REGRESSIONS: the cells
# reader against libregf (--reader cells vs --reader libregf).
#   fixtures: every fixture hive, the fuzz regression inputs, and seeded
#             mutants of three fixtures, walked whole by readerdiff
#   corpus:   every real hive of $HH_CORPUS (skipped when absent), the same
#   list:     `hivehunt list PLUGIN HIVE --format jsonl` (stdout, stderr and
#             exit code) for services, autoruns and tasks on the corpus and
#             the plugins' and hostile fixtures
set -euo pipefail
MODE=$1 RD=$2 HH=$3 TD=$4 REG=$5
fixtures=() corpus=()
while IFS= read -r f; do fixtures+=("$f"); done < <(find "$TD" -type f ! -name '*.lua' ! -name '*.LOG*' \
  ! -name '*.jsonl' ! -name '*.txt' ! -name '*.spec' | sort)
if [ -n "${HH_CORPUS:-}" ] && [ -d "$HH_CORPUS" ]; then
  while IFS= read -r f; do corpus+=("$f"); done < <(find "$HH_CORPUS" -type f ! -name '*.LOG*' ! -name '*.md' \
    ! -name SHA256SUMS | sort)
fi
case $MODE in
fixtures)
  "$RD" "${fixtures[@]}" "$REG"/*.hive
  "$RD" --mutants 150 "$TD/writer/features" "$TD/clean/SYSTEM" "$TD/broken/lone-surrogate-name"
  ;;
corpus)
  if [ ${#corpus[@]} = 0 ]; then echo "readerdiff: no corpus (HH_CORPUS): skipped"; exit 0; fi
  "$RD" "${corpus[@]}"
  ;;
list)
  fail=0 n=0
  for h in "${fixtures[@]}" "${corpus[@]}"; do
    # fixtures of each plugin and the hostile ones (readerdiff walks the rest)
    case $h in "$TD"/autoruns/* | "$TD"/tasks/* | "$TD"/clean/* | "$TD"/broken/* | "$TD"/writer/* | "$TD"/onepass/*) ;;
    "$TD"/*) continue ;; esac
    plugins="services autoruns tasks"
    case $h in # a real hive: the plugins of its kind (by its name) and autoruns, which reads every kind
    "$TD"/*) ;;
    *[Ss][Yy][Ss][Tt][Ee][Mm]*) plugins="services autoruns" ;;
    *[Ss][Oo][Ff][Tt][Ww][Aa][Rr][Ee]*) plugins="tasks autoruns" ;;
    *) plugins="autoruns" ;;
    esac
    for p in $plugins; do
      a=$("$HH" list "$p" "$h" --format jsonl --no-isolate --reader cells 2>&1; echo "rc=$?")
      b=$("$HH" list "$p" "$h" --format jsonl --no-isolate --reader libregf 2>&1; echo "rc=$?")
      n=$((n + 1))
      if [ "$a" != "$b" ]; then echo "DIFF list $p $h"; fail=1; fi
    done
  done
  echo "readerdiff: $n plugin listings compared, $([ $fail = 0 ] && echo identical || echo DIFFERENT)"
  exit $fail
  ;;
esac
