#!/usr/bin/env bash
# The plugin SDK, as a plugin author outside this tree uses it: install
# hivehunt into a temporary prefix, build tests/install/example-plugin
# against that install (find_package, then pkg-config), install the plugin
# into it, and run it with the installed binary: `hivehunt plugins` lists
# it, a hunt runs it after services, and its policy reads input.previous.
set -euo pipefail
build=${HH_BUILD_DIR:?} src=${HH_SOURCE_DIR:?} demo=${HH_TESTDATA:?}/demo
example=$src/tests/install/example-plugin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "not ok: $1"; fail=1; fi; }

cmake --install "$build" --prefix "$tmp/installed" >/dev/null
mv "$tmp/installed" "$tmp/sdk"
root=$tmp/sdk
bin=$root/bin/hivehunt
mkdir -p "$tmp/home"
clean=(env -i PATH=/usr/bin:/bin HOME="$tmp/home")

# The SDK alone, nothing of this tree: a clean environment, no include path
# but what the SDK gives.
"${clean[@]}" PKG_CONFIG_PATH="$root/lib/pkgconfig" pkg-config --cflags hivehunt-plugin >"$tmp/cflags"
check "pkg-config gives plugin.h's folder" "[ -f \"\$(sed 's/.*-I\([^ ]*include\) .*/\1/' '$tmp/cflags')/hivehunt/plugin.h\" ]"
check "pkg-config gives Lua's headers" "grep -q -- '-I[^ ]*lua5.4' '$tmp/cflags'"
check "pkg-config links nothing" "[ -z \"\$(PKG_CONFIG_PATH='$root/lib/pkgconfig' pkg-config --libs hivehunt-plugin | tr -d ' ')\" ]"
check "pkg-config plugindir is in the moved tree" \
    "[ \"\$(realpath \"\$(PKG_CONFIG_PATH='$root/lib/pkgconfig' pkg-config --variable=plugindir hivehunt-plugin)\")\" = '$root/lib/hivehunt/plugins' ]"

build_example() { # build_example DIR CMAKE-ARGS...
    local dir=$1; shift
    "${clean[@]}" cmake -S "$example" -B "$dir" "$@" >"$dir.log" 2>&1 &&
        "${clean[@]}" cmake --build "$dir" >>"$dir.log" 2>&1 &&
        "${clean[@]}" cmake --install "$dir" >>"$dir.log" 2>&1 || { cat "$dir.log"; return 1; }
}
check "builds with pkg-config" "build_example '$tmp/with-pc' -DUSE_PKG_CONFIG=ON -DCMAKE_PREFIX_PATH='$root'"
check "exports only the entry point" \
    "[ \"\$(nm -D --defined-only '$tmp/with-pc/computername.so' | awk '\$2 == \"T\" { print \$3 }')\" = hivehunt_plugin_entry ]"
check "links no liblua" "! readelf -d '$tmp/with-pc/computername.so' | grep -q 'liblua'"
check "builds with find_package" "build_example '$tmp/with-cmake' -DCMAKE_PREFIX_PATH='$root'"
check "installed into the SDK's tree" \
    "[ -f '$root/lib/hivehunt/plugins/computername.so' ] && [ -f '$root/share/hivehunt/lua/computername.lua' ]"

"${clean[@]}" "$bin" plugins >"$tmp/plugins.txt" 2>&1 || true
check "hivehunt plugins lists it" \
    "grep -Eq '^computername +1\.0\.0 +1 +5\.4 +$root/lib/hivehunt/plugins/computername\.so\$' '$tmp/plugins.txt'"

set +e
"${clean[@]}" "$bin" hunt "$demo/SYSTEM" --software "$demo/SOFTWARE" --plugin services --plugin computername \
    --format jsonl >"$tmp/hunt.jsonl" 2>"$tmp/hunt.err"
rc=$?
set -e
check "the hunt runs (exit $rc)" "[ $rc -le 1 ]"
# The count in its finding comes from the services plugin's rows.
services=$(grep -c '"plugin":"services"' "$tmp/hunt.jsonl" || true)
current=$("${clean[@]}" "$bin" services "$demo/SYSTEM" --format jsonl | grep -c '"current":true' || true)
check "its policy read input.previous ($current current services)" \
    "grep -q '\"rule\":\"computername-current\".*\"message\":\"computer WS-FIN-042: $current services in ControlSet001 (current)\"' '$tmp/hunt.jsonl'"
check "the services findings are there too ($services)" "[ $services -gt 0 ] && [ $current -gt 0 ]"
[ $fail -eq 0 ] || { echo "--- plugins"; cat "$tmp/plugins.txt"; echo "--- hunt stderr"; cat "$tmp/hunt.err"; }
exit $fail
