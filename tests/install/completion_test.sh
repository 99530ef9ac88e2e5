#!/usr/bin/env bash
# Bash completion (host/dist/hivehunt.bash) against the binary: it offers
# every command of --help, each command's options, the formats, and the
# names of the plugins found.
set -euo pipefail
bin=${HH_BIN:?}
source "${HH_SOURCE_DIR:?}/host/dist/hivehunt.bash"
fail=0
complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _hivehunt; printf '%s\n' "${COMPREPLY[@]}" | sort; }
expect() { # expect WHAT WANT GOT
    if [ "$2" != "$3" ]; then
        echo "not ok: $1"; echo " want: $(echo $2)"; echo " got:  $(echo $3)"; fail=1
    else
        echo "ok: $1"
    fi
}

cmds=$("$bin" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' | sort)
[ "$(echo "$cmds" | wc -l)" -ge 5 ] || { echo "not ok: parsed commands: $cmds"; exit 1; }
expect "commands" "$(printf '%s\n' $cmds --help --version | sort)" "$(complete_words "$bin" "")"
expect "a command's prefix" "hunt" "$(complete_words "$bin" hu)"
for c in $cmds; do
    want=$({ "$bin" "$c" --help | grep -o -- '--[a-z][a-z-]*'; echo --help; } | sort -u)
    expect "options of $c" "$want" "$(complete_words "$bin" "$c" --)"
done
expect "formats" "$(printf '%s\n' csv html jsonl table tln)" "$(complete_words "$bin" hunt SYSTEM --format "")"
expect "plugin names" "services" "$(complete_words "$bin" hunt SYSTEM --plugin se)"
expect "severities" "high" "$(complete_words "$bin" hunt SYSTEM --fail-on h)"
exit $fail
