#!/usr/bin/env bash
# The Debian package, as CI installs it (root on a fresh Debian): cpack
# builds hivehunt_<version>_<arch>.deb, apt-get installs it (Depends come
# from the binary's libraries, all Debian packages), the demo runs from
# /usr/bin/hivehunt with a clean environment, `man -w hivehunt` resolves,
# the example plugin builds against hivehunt-dev (the SDK package), and both
# packages are removed again. Skips (77) where not root, or where a
# hivehunt package is already installed (it is not ours to remove).
set -euo pipefail
build=${HH_BUILD_DIR:?} demo=${HH_TESTDATA:?}/demo
if [ "$(id -u)" -ne 0 ]; then
    echo "skip: installing a .deb needs root (CI runs the tests as root)"
    exit 77
fi
if dpkg-query -W -f='${Status}' hivehunt hivehunt-dev 2>/dev/null | grep -q 'ok installed'; then
    echo "skip: a hivehunt package is already installed; not replacing it"
    exit 77
fi
tmp=$(mktemp -d)
chmod 755 "$tmp" # apt's sandbox user reads the .deb from here
apt_opts=(-y -q -o DPkg::Lock::Timeout=300)
cleanup() {
    if dpkg-query -W -f='${Status}' hivehunt hivehunt-dev 2>/dev/null | grep -q 'ok installed'; then
        DEBIAN_FRONTEND=noninteractive apt-get purge "${apt_opts[@]}" hivehunt hivehunt-dev >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "not ok: $1"; fail=1; fi; }

(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp" >cpack.log 2>&1) || { cat "$tmp/cpack.log"; exit 1; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
deb=$tmp/hivehunt_${version}_${arch}.deb
check "cpack made hivehunt_${version}_${arch}.deb" "[ -f '$deb' ]"
check "and the SDK package" "[ -f '$tmp/hivehunt-dev_${version}_all.deb' ]"
[ -f "$deb" ] || { ls -l "$tmp"; cat "$tmp/cpack.log"; exit 1; }
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# libregf and libbfio are Depends only where the binary loads them (a build
# with -DHH_STATIC_REGF=OFF, or without their archives).
libs="libc6 liblua5.4-0"
ldd "$build/host/hivehunt" | grep -q 'libregf\.so' && libs="$libs libregf1 libbfio1"
for lib in $libs; do
    check "Depends names $lib" "echo '$depends' | grep -Eq '(^|, )$lib( |,|\$)'"
done
check "Recommends libreadline8 (the shell's line editing)" \
    "dpkg-deb -f '$deb' Recommends | grep -Eq '(^|, )libreadline8( |,|\$)'"
check "installs under /usr" "! dpkg-deb -c '$deb' | awk '{ print \$6 }' | grep -v '^\./\$' | grep -vq '^\./usr/'"

dev=$tmp/hivehunt-dev_${version}_all.deb
(cd "$tmp" && DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" ./"$(basename "$deb")" \
    ./"$(basename "$dev")" >apt.log 2>&1) || { cat "$tmp/apt.log"; exit 1; }
check "/usr/bin/hivehunt is the package's" "[ \"\$(dpkg -S /usr/bin/hivehunt)\" = 'hivehunt: /usr/bin/hivehunt' ]"
mkdir -p "$tmp/home"
set +e
env -i PATH=/usr/bin:/bin HOME="$tmp/home" /usr/bin/hivehunt plugins >"$tmp/plugins.txt" 2>&1
env -i PATH=/usr/bin:/bin HOME="$tmp/home" /usr/bin/hivehunt hunt "$demo/SYSTEM" --software "$demo/SOFTWARE" \
    --format jsonl >"$tmp/demo.jsonl" 2>"$tmp/demo.err"
rc=$?
set -e
check "the packaged plugins load" "grep -Eq '^services +.* /usr/lib/hivehunt/plugins/services\.so\$' '$tmp/plugins.txt'"
check "the demo runs (exit $rc)" "[ $rc -le 1 ] && grep -q '\"severity\":\"high\"' '$tmp/demo.jsonl'"
# rules goes to a file first: grep -q would leave early and the writer die of SIGPIPE
env -i PATH=/usr/bin:/bin HOME="$tmp/home" /usr/bin/hivehunt rules >"$tmp/rules.txt" 2>&1 || true
check "with the packaged policy" "grep -q ' /usr/share/hivehunt/lua/services.lua\$' '$tmp/rules.txt'"
# The SDK package: the example plugin builds against /usr (nothing installed
# from it: it runs from its build folder with its policy as a user layer).
mkdir -p "$tmp/home/.config/hivehunt"
cp "${HH_SOURCE_DIR:?}/tests/install/example-plugin/computername.lua" "$tmp/home/.config/hivehunt/"
check "the example plugin builds against hivehunt-dev" \
    "env -i PATH=/usr/bin:/bin HOME='$tmp/home' cmake -S '$HH_SOURCE_DIR/tests/install/example-plugin' -B '$tmp/example' >'$tmp/example.log' 2>&1 &&
     env -i PATH=/usr/bin:/bin cmake --build '$tmp/example' >>'$tmp/example.log' 2>&1"
check "and runs with the packaged binary" \
    "env -i PATH=/usr/bin:/bin HOME='$tmp/home' HIVEHUNT_PLUGIN_PATH='$tmp/example:/usr/lib/hivehunt/plugins' /usr/bin/hivehunt hunt '$demo/SYSTEM' \
        --plugin services --plugin computername --format jsonl 2>&1 | grep -q '\"rule\":\"computername-current\"'"
check "man -w hivehunt resolves" "[ \"\$(man -w hivehunt)\" = /usr/share/man/man1/hivehunt.1.gz ]"
check "the completion is where bash-completion looks" "[ -f /usr/share/bash-completion/completions/hivehunt ]"
[ $fail -eq 0 ] || { cat "$tmp/plugins.txt" "$tmp/demo.err"; }

DEBIAN_FRONTEND=noninteractive apt-get purge "${apt_opts[@]}" hivehunt hivehunt-dev >"$tmp/purge.log" 2>&1 ||
    { cat "$tmp/purge.log"; fail=1; }
check "removed again" "! dpkg-query -W -f='\${Status}' hivehunt hivehunt-dev 2>/dev/null | grep -q 'ok installed'"
check "nothing left in /usr" "[ ! -e /usr/bin/hivehunt ] && [ ! -e /usr/lib/hivehunt ] && [ ! -e /usr/share/hivehunt ] &&
    [ ! -e /usr/include/hivehunt ] && [ ! -e /usr/lib/cmake/hivehunt ]"
exit $fail
