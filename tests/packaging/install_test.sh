#!/usr/bin/env bash
# `cmake --install` of the built tree into temp DESTDIRs, with prefix /usr (as the .deb)
# and /usr/local. Checks the exact file list and modes, that the systemd unit's
# ExecStart and LEAKWATCH_CONFIG name the installed binary and config for that prefix,
# that the system config enables /var/lib/leakwatch and parses, that the example is the
# source file and what `leakwatch init` writes, and that a re-install keeps an edited
# config. Usage: install_test.sh BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail
build=$1 src=$2 version=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

install_into() {  # DESTDIR PREFIX
  if ! DESTDIR=$1 cmake --install "$build" --prefix "$2" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    echo "FAIL: cmake --install --prefix $2" >&2
    exit 1
  fi
}

# Every file with its mode, relative to the DESTDIR.
listing() { (cd "$1" && find . -type f -printf '%m %p\n' | LC_ALL=C sort); }

# The files a PREFIX install must produce: prefix-relative ones, then CONFDIR and UNITDIR.
expected() {  # PREFIX CONFDIR UNITDIR
  local p=.$1 f
  {
    echo "755 $p/bin/leakwatch"
    echo "644 $p/share/man/man1/leakwatch.1.gz"
    echo "644 $p/share/bash-completion/completions/leakwatch"
    echo "644 $p/share/doc/leakwatch/README.md"
    for f in "$src"/docs/*.md; do echo "644 $p/share/doc/leakwatch/docs/${f##*/}"; done
    echo "644 $p/share/doc/leakwatch/examples/leakwatch.example.toml"
    for f in "$src"/config/profiles/*.toml; do
      echo "644 $p/share/doc/leakwatch/examples/profiles/${f##*/}"
    done
    echo "644 .$2/leakwatch.toml"
    echo "644 .$3/leakwatch-crawl.service"
    echo "644 .$3/leakwatch-crawl.timer"
  } | LC_ALL=C sort
}

check_prefix() {  # PREFIX CONFDIR UNITDIR
  local prefix=$1 confdir=$2 unitdir=$3 root=$tmp/root${1//\//_}
  install_into "$root" "$prefix"
  if ! diff -u <(expected "$@") <(listing "$root") >"$tmp/diff"; then
    fail "prefix $prefix: installed files differ from the expected list:"
    cat "$tmp/diff" >&2
  fi
  local unit=$root$unitdir/leakwatch-crawl.service config=$root$confdir/leakwatch.toml
  grep -qx "ExecStart=$prefix/bin/leakwatch crawl --max-duration 13m" "$unit" ||
    fail "prefix $prefix: ExecStart is $(grep '^ExecStart=' "$unit")"
  grep -qx "Environment=LEAKWATCH_CONFIG=$confdir/leakwatch.toml" "$unit" ||
    fail "prefix $prefix: LEAKWATCH_CONFIG is $(grep 'LEAKWATCH_CONFIG' "$unit")"
  grep -qx "Documentation=man:leakwatch(1) file:$prefix/share/doc/leakwatch/README.md" "$unit" ||
    fail "prefix $prefix: Documentation is $(grep '^Documentation=' "$unit")"
  if grep -n '[@%]LW_[A-Z_]*[@%]' "$unit" "$config"; then fail "prefix $prefix: unreplaced placeholder"; fi
  grep -q "sudo -u leakwatch leakwatch --config $confdir/leakwatch.toml doctor" "$config" ||
    fail "prefix $prefix: the config's header does not name $confdir/leakwatch.toml"
}

check_prefix /usr /etc/leakwatch /lib/systemd/system
check_prefix /usr/local /usr/local/etc/leakwatch /usr/local/lib/systemd/system

root=$tmp/root_usr
bin=$root/usr/bin/leakwatch
config=$root/etc/leakwatch/leakwatch.toml

# The installed binary runs and reports the project's version.
out=$("$bin" --version) || fail "leakwatch --version exited $?"
[[ $out == "leakwatch $version" ]] || fail "--version printed '$out', expected 'leakwatch $version'"

# The system config: the service's state paths enabled, and it loads (init validates it,
# then creates the --db database).
grep -qx 'db = "/var/lib/leakwatch/leakwatch.db"' "$config" || fail "config: [store] db not set"
grep -qx 'evidence_dir = "/var/lib/leakwatch/evidence"' "$config" ||
  fail "config: [store] evidence_dir not set"
if ! env -i HOME="$tmp/home" "$bin" --config "$config" --db "$tmp/check.db" init >"$tmp/init.log" 2>&1; then
  cat "$tmp/init.log" >&2
  fail "the installed system config does not load"
fi

# The example is the source file, and what `leakwatch init` writes.
cmp "$src/config/leakwatch.example.toml" "$root/usr/share/doc/leakwatch/examples/leakwatch.example.toml" ||
  fail "installed example differs from config/leakwatch.example.toml"
env -i HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/xdg-config" XDG_DATA_HOME="$tmp/xdg-data" \
  "$bin" init >"$tmp/init2.log" 2>&1 || { cat "$tmp/init2.log" >&2; fail "leakwatch init"; }
cmp "$src/config/leakwatch.example.toml" "$tmp/xdg-config/leakwatch/leakwatch.toml" ||
  fail "leakwatch init wrote something else than the example"

# A re-install keeps an edited config (and says so).
echo '# edited by the operator' >>"$config"
install_into "$root" /usr
grep -qx '# edited by the operator' "$config" || fail "re-install replaced the edited config"
grep -q "Kept: $config" "$tmp/install.log" || fail "re-install did not report the kept config"

# The units pass systemd's own checks (ExecStart resolved inside the DESTDIR, which gets
# the host's targets for the dependencies), where systemd-analyze is installed.
if command -v systemd-analyze >/dev/null && [[ -d /lib/systemd/system ]]; then
  cp -n /lib/systemd/system/*.target "$root/lib/systemd/system/"
  if ! systemd-analyze verify --man=no --root="$root" /lib/systemd/system/leakwatch-crawl.timer \
      /lib/systemd/system/leakwatch-crawl.service >"$tmp/verify.log" 2>&1; then
    cat "$tmp/verify.log" >&2
    fail "systemd-analyze verify"
  fi
else
  echo "note: systemd-analyze not installed; unit verification skipped"
fi

((failures == 0)) || { echo "$failures failure(s)" >&2; exit 1; }
echo "install test: ok"
