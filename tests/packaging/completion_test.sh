#!/usr/bin/env bash
# The generated bash completion, sourced into a clean bash and driven as bash would
# (COMP_WORDS / COMP_CWORD, then _leakwatch): top-level commands (checked against the
# binary's own --help), subcommands, a command's and the global options, fixed values,
# built-in and user profile names, and skipping an option's value when finding the
# command. Usage: completion_test.sh COMPLETION_FILE LEAKWATCH_BINARY
set -euo pipefail
completion=$1 binary=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# complete WORDS... : the candidates for the last word, sorted, one line.
complete_words() {
  env -i HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" PATH="$PATH" bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _leakwatch
    printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | tr "\n" " "' _ "$completion" "$@"
}

expect() {  # EXPECTED_WORDS -- WORDS...
  local expected=$1
  shift 2
  local got
  got=$(complete_words "$@")
  got=${got% }
  if [[ $got != "$expected" ]]; then
    echo "FAIL: leakwatch completion of '${*}'" >&2
    echo "  expected: $expected" >&2
    echo "  got:      $got" >&2
    failures=$((failures + 1))
  fi
}

expect_contains() {  # WORD -- WORDS...
  local word=$1
  shift 2
  local got
  got=" $(complete_words "$@")"
  if [[ $got != *" $word "* ]]; then
    echo "FAIL: completion of '${*}' lacks '$word'; got:$got" >&2
    failures=$((failures + 1))
  fi
}

# The top-level commands are exactly those the binary's --help lists.
commands=$("$binary" --help | awk '/^Subcommands:/ {on = 1; next} /^[^ ]/ {on = 0} on && NF {print $1}' |
  LC_ALL=C sort | tr '\n' ' ')
[[ -n $commands ]] || { echo "FAIL: no commands in leakwatch --help" >&2; exit 1; }
expect "${commands% }" -- leakwatch ""

expect "check prune" -- leakwatch db ""
expect "prune" -- leakwatch db pr
expect "build info keygen" -- leakwatch fingerprint ""
# An option's value is not mistaken for a command: --config takes "db" here.
expect "check prune" -- leakwatch --config db db ""
expect "--config --db --dry-run --help --log-format --older-than --quiet --verbose --version" \
  -- leakwatch db prune --
expect "--db --dry-run" -- leakwatch db prune --d
# Global options are offered after a command too (they may follow it).
expect_contains --log-format -- leakwatch scan --
expect_contains --key-file -- leakwatch scan --
expect "json text" -- leakwatch --log-format ""
expect "jsonl table" -- leakwatch scan --format ""
expect "jsonl table" -- leakwatch --verbose scan --format ""

# Profile names: "auto", every built-in, and the user's own profiles.
mkdir -p "$tmp/config/leakwatch/profiles"
touch "$tmp/config/leakwatch/profiles/myforum.toml"
expect_contains auto -- leakwatch parse --profile ""
expect_contains generic -- leakwatch parse --profile ""
expect_contains myforum -- leakwatch parse --profile ""
expect "phpbb2 phpbb3_prosilver phpbb3_subsilver2" -- leakwatch parse --profile php

# Free values and positionals complete file names.
touch "$tmp/pack-one.lwfp"
expect "$tmp/pack-one.lwfp" -- leakwatch scan --pack "$tmp/pack-"
expect "$tmp/pack-one.lwfp" -- leakwatch fingerprint info "$tmp/pack"

((failures == 0)) || { echo "$failures failure(s)" >&2; exit 1; }
echo "completion test: ok"
