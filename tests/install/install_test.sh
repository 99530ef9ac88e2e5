#!/usr/bin/env bash
# A relocated install: `cmake --install` into a temporary prefix, the tree
# moved to another folder, then the moved binary run with a clean
# environment (no HIVEHUNT_* variables, no LUA_PATH): it must find its own
# plugins and policies from where it now is, not the build tree (which is
# left as it is) nor the prefix it was installed to.
set -euo pipefail
build=${HH_BUILD_DIR:?} src=${HH_SOURCE_DIR:?} demo=${HH_TESTDATA:?}/demo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "not ok: $1"; fail=1; fi; }

cmake --install "$build" --prefix "$tmp/installed" >/dev/null
mv "$tmp/installed" "$tmp/moved"
root=$tmp/moved
bin=$root/bin/hivehunt
mkdir -p "$tmp/home"
clean=(env -i PATH=/usr/bin:/bin HOME="$tmp/home")

# Every plugin of the build, from the moved tree.
"${clean[@]}" "$bin" plugins >"$tmp/plugins.txt" 2>&1 || { cat "$tmp/plugins.txt"; exit 1; }
for so in "$build"/plugins/*.so; do
    name=$(basename "$so" .so)
    check "plugin $name listed from the moved tree" \
        "grep -Eq '^$name +.* $root/lib[^ ]*/hivehunt/plugins/$name\.so\$' '$tmp/plugins.txt'"
done
check "no plugin from elsewhere" "! grep -v '^NAME' '$tmp/plugins.txt' | grep -vq ' $root/'"

# The shipped policies, from the moved tree, byte for byte the bundled
# sources (so the precompiled copies in the binary apply to them).
"${clean[@]}" "$bin" rules >"$tmp/rules.txt" 2>&1 || { cat "$tmp/rules.txt"; exit 1; }
check "rules come from the moved tree" "grep -q ' $root/share/hivehunt/lua/services.lua\$' '$tmp/rules.txt'"
check "no rule from the source tree" "! grep -q ' $src/lua/' '$tmp/rules.txt'"
(cd "$src/lua" && find . -name '*.lua') | while read -r f; do
    cmp -s "$src/lua/$f" "$root/share/hivehunt/lua/$f" || { echo "not ok: lua/$f not installed as is"; exit 1; }
done || fail=1

# A hunt of the demo machine finds what the build-tree binary finds.
set +e
"${clean[@]}" "$bin" hunt "$demo/SYSTEM" --software "$demo/SOFTWARE" --format jsonl >"$tmp/moved.jsonl" 2>"$tmp/moved.err"
rc_moved=$?
"${HH_BIN:?}" hunt "$demo/SYSTEM" --software "$demo/SOFTWARE" --format jsonl >"$tmp/build.jsonl" 2>/dev/null
rc_build=$?
set -e
check "the moved binary hunts (exit $rc_moved, build tree $rc_build)" "[ $rc_moved -eq $rc_build ] && [ $rc_moved -le 1 ]"
check "the same findings as the build tree's binary" \
    "[ -s '$tmp/moved.jsonl' ] && cmp -s '$tmp/moved.jsonl' '$tmp/build.jsonl'"
check "at least one high finding" "grep -q '\"severity\":\"high\"' '$tmp/moved.jsonl'"
[ $fail -eq 0 ] || { echo "--- stderr of the moved hunt"; cat "$tmp/moved.err"; }

check "man page installed" "gzip -t '$root/share/man/man1/hivehunt.1.gz'"
check "man page resolves" "MANPATH='$root/share/man' man -w hivehunt | grep -q '^$root/'"
check "bash completion installed" "bash -n '$root/share/bash-completion/completions/hivehunt'"
exit $fail
