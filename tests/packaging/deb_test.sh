#!/usr/bin/env bash
# Builds the .deb from this build tree with CPack (as scripts/package does from a
# Release tree) and inspects it with dpkg-deb, without installing it: control fields,
# Depends computed by dpkg-shlibdeps (plus adduser), Recommends: tor, conffiles, the
# maintainer scripts (present, executable, valid sh), the file list with owners and
# modes, a stripped binary, and the unit's ExecStart pointing at /usr/bin/leakwatch.
# Usage: deb_test.sh BUILD_DIR VERSION
set -euo pipefail
build=$1 version=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log" >&2
  echo "FAIL: cpack -G DEB" >&2
  exit 1
fi
shopt -s nullglob
debs=("$tmp"/out/leakwatch_*.deb)
((${#debs[@]} == 1)) || { echo "FAIL: expected one leakwatch_*.deb, got: ${debs[*]-none}" >&2; exit 1; }
deb=${debs[0]}
arch=$(dpkg --print-architecture)
[[ ${deb##*/} == "leakwatch_${version}-1_${arch}.deb" ]] || fail "file name ${deb##*/}"

field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == leakwatch ]] || fail "Package: $(field Package)"
[[ $(field Version) == "${version}-1" ]] || fail "Version: $(field Version)"
[[ $(field Architecture) == "$arch" ]] || fail "Architecture: $(field Architecture)"
[[ $(field Recommends) == tor ]] || fail "Recommends: $(field Recommends)"
[[ -n $(field Maintainer) ]] || fail "no Maintainer"
[[ $(field Description) == "watch dark-web sites through Tor"* ]] || fail "Description: $(field Description)"
depends=$(field Depends)
# From dpkg-shlibdeps: the C library and the shared libraries leakwatch links.
for lib in adduser libc6 libstdc++6 libsqlite3-0 libcurl4 libarchive13 libsodium23 libre2-9 libgumbo1; do
  [[ ", $depends," == *", $lib"[\ ,]* ]] || fail "Depends lacks $lib: $depends"
done
[[ $depends == *"(>="* ]] || fail "Depends has no versions (dpkg-shlibdeps not used?): $depends"

dpkg-deb -e "$deb" "$tmp/control"
[[ $(cat "$tmp/control/conffiles") == /etc/leakwatch/leakwatch.toml ]] ||
  fail "conffiles: $(cat "$tmp/control/conffiles")"
for script in postinst prerm postrm; do
  [[ -x $tmp/control/$script ]] || fail "$script missing or not executable"
  sh -n "$tmp/control/$script" || fail "$script is not valid sh"
done
grep -q 'adduser --system' "$tmp/control/postinst" || fail "postinst creates no system user"

# Every path with owner and mode.
dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' >"$tmp/contents"
need() {  # MODE PATH
  grep -qx -- "$1 root/root ./$2" "$tmp/contents" || fail "no '$1 root/root ./$2' in the package"
}
need -rwxr-xr-x usr/bin/leakwatch
need -rw-r--r-- usr/share/man/man1/leakwatch.1.gz
need -rw-r--r-- usr/share/bash-completion/completions/leakwatch
need -rw-r--r-- usr/share/doc/leakwatch/README.md
need -rw-r--r-- usr/share/doc/leakwatch/examples/leakwatch.example.toml
need -rw-r--r-- etc/leakwatch/leakwatch.toml
need -rw-r--r-- lib/systemd/system/leakwatch-crawl.service
need -rw-r--r-- lib/systemd/system/leakwatch-crawl.timer
if grep -v ' root/root ' "$tmp/contents"; then fail "files not owned by root"; fi
if grep -E '\./(var|home|tmp|usr/local)/' "$tmp/contents"; then fail "files outside /usr, /etc, /lib"; fi

dpkg-deb -x "$deb" "$tmp/root"
grep -qx 'ExecStart=/usr/bin/leakwatch crawl --max-duration 13m' \
  "$tmp/root/lib/systemd/system/leakwatch-crawl.service" || fail "ExecStart is not /usr/bin/leakwatch"
file "$tmp/root/usr/bin/leakwatch" | grep -q ', stripped' || fail "binary not stripped"

((failures == 0)) || { echo "$failures failure(s)" >&2; exit 1; }
echo "deb test: ok ($(du -h "$deb" | cut -f1) $(basename "$deb"); Depends: $depends)"
