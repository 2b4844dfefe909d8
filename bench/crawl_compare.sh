#!/bin/bash
# Side by side on the crawl_bench fixture site (bench/README.md, "Crawler over SOCKS5
# (issue 8)"): Scrapy (python3-scrapy, direct to the site: it cannot speak SOCKS) and
# the leakwatch crawler (through the demo SOCKS5 gateway) with the production
# processor (parsers) and the trivial href scanner, at each concurrency, every figure
# against the same computed bound (`crawl_bench --bound-only`). Builds nothing.
#
# Usage: bench/crawl_compare.sh PATH/TO/crawl_bench
# Environment: PAGES (default 3000), CONCURRENCIES (default "16 64 256"),
#              PYTHON (default /usr/bin/python3, Debian's, which has scrapy).
#
# Each run is its own process, so each peak RSS is that run's alone. Runs are
# interleaved per concurrency (scrapy, parsers, href) so a change of machine load
# falls on all three alike; the 1-minute load average before each run is printed.
set -uo pipefail

BENCH=${1:?usage: bench/crawl_compare.sh PATH/TO/crawl_bench}
PAGES=${PAGES:-3000}
CONCURRENCIES=${CONCURRENCIES:-"16 64 256"}
PYTHON=${PYTHON:-/usr/bin/python3}
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS=$(mktemp /tmp/lw-crawl-compare.XXXXXX)
trap 'rm -f "$RESULTS"' EXIT

load1() { cut -d' ' -f1 /proc/loadavg; }
# kv KEY LINE: the value of KEY=... in a "result k=v ..." line.
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
record() {  # record LOAD CMD...: runs CMD, keeps its result line with the load before it
  local load=$1 line
  shift
  if line=$("$@" | grep '^result '); then
    echo "$line load1=$load" | tee -a "$RESULTS"
  else
    echo "FAILED: $*" >&2
  fi
}

echo "== $(date -u '+%F %T UTC') $(uptime)"
echo "== crawl_bench: $BENCH; $("$PYTHON" -c 'import scrapy; print("scrapy", scrapy.__version__)')"

# The site for Scrapy: crawl_bench --serve, fed from a pipe this script holds (it stops
# when the pipe closes, i.e. at the latest when this script exits).
coproc SERVE { exec "$BENCH" --serve --pages "$PAGES"; }
read -r serve_line <&"${SERVE[0]}"
site_port=$(kv site_port " $serve_line")
[[ -n "$site_port" ]] || { echo "crawl_bench --serve did not start: $serve_line" >&2; exit 1; }
echo "== $serve_line"

for c in $CONCURRENCIES; do
  record "$(load1)" "$PYTHON" "$HERE/scrapy_bench.py" --url "http://127.0.0.1:$site_port" \
    --concurrency "$c"
  for processor in parsers href; do
    record "$(load1)" "$BENCH" --pages "$PAGES" --concurrency "$c" --processor "$processor" \
      --format kv
  done
done
# shellcheck disable=SC2153  # SERVE_PID is set by coproc
serve_pid=$SERVE_PID
serve_in=${SERVE[1]}
exec {serve_in}>&-
wait "$serve_pid"

echo "== $(date -u '+%F %T UTC') $(uptime)"
echo
echo "| tool | concurrency | pages | seconds | pages/s | bound/s | fraction of bound | CPU s / 1000 pages | peak RSS | load1 before |"
echo "|---|---|---|---|---|---|---|---|---|---|"
while read -r line; do
  tool=$(kv tool "$line") c=$(kv concurrency "$line") pages=$(kv pages "$line")
  seconds=$(kv seconds "$line") cpu=$(kv cpu_s "$line") rss=$(kv peak_rss_kb "$line")
  bound=$(kv pages_per_s "$("$BENCH" --bound-only --pages "$pages" --concurrency "$c")")
  awk -v tool="$tool" -v c="$c" -v p="$pages" -v s="$seconds" -v b="$bound" -v cpu="$cpu" \
    -v rss="$rss" -v load="$(kv load1 "$line")" 'BEGIN {
      printf "| %s | %d | %d | %.2f | %.1f | %.1f | %.1f%% | %.2f | %.0f MB | %s |\n",
             tool, c, p, s, p / s, b, 100 * p / s / b, 1000 * cpu / p, rss / 1024, load }'
done <"$RESULTS"
