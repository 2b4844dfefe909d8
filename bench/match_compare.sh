#!/bin/bash
# Same-run comparison of two match_bench binaries (bench/README.md, "Fingerprint
# matching"). Usage, from a directory holding the bench data:
#   OLD=/path/match_bench.base NEW=build/rel-match/bench/match_bench \
#     bench/match_compare.sh > figures.txt 2>&1
# Expects: k.key, recs200k.csv, text20.txt, text200.txt, p_unused.txt (grep patterns
# of the 200 k records), recs10m.lwfp (format 2, from OLD), recs10m.v3.lwfp (format 3,
# from NEW), random1g.bin, files.lwfp, empty/ (an empty directory) and, for the scan
# row, copy-of-dataset-file.bin (a copy of one file the files.lwfp pack was built from).
#
# MODE=records runs only the record-matching comparison: REPEAT (default 3) alternating
# OLD/NEW runs over the 10 M-record format 3 pack (recs10m.v3.lwfp) and the 200 k pack
# (r200k.v3.lwfp, built by NEW), the grep baseline, and a dump of dataset rows
# (csv2.txt = head -c 2000000 recs10m.csv: every line a hit) whose findings digest
# must be the same for both binaries.
#
# MODE=dense compares dense text (bench/README.md, "Dense text"): dumps of dataset rows in
# four shapes, written by `$NEW gen-dense recs10m.csv 20 d10m` and
# `$NEW gen-dense recs200k.csv 12 e200k` (d10m.*.txt, e200k.*.txt), each run once by OLD
# (slow: ~1 MB/s) and REPEAT (default 3) times by NEW, then REPEAT alternating OLD/NEW
# runs on the ordinary text200.txt; every findings digest must match between the two.
set -u
: "${OLD:?set OLD to the baseline match_bench}" "${NEW:?set NEW to the new match_bench}"
: > empty.txt
T="/usr/bin/time"
if [ "${MODE:-all}" = dense ]; then
  echo "== uptime"; uptime
  for shape in csv reordered kv jsonl; do
    echo "== dense $shape, 10M records (d10m.$shape.txt)"
    $OLD records recs10m.v3.lwfp k.key d10m.$shape.txt | sed 's/^/old: /'
    for i in $(seq 1 "${REPEAT:-3}"); do
      $NEW records recs10m.v3.lwfp k.key d10m.$shape.txt | sed 's/^/new: /'
    done
    echo "== dense $shape, 200k records (e200k.$shape.txt)"
    $OLD records r200k.v3.lwfp k.key e200k.$shape.txt | sed 's/^/old: /'
    for i in $(seq 1 "${REPEAT:-3}"); do
      $NEW records r200k.v3.lwfp k.key e200k.$shape.txt | sed 's/^/new: /'
    done
  done
  for i in $(seq 1 "${REPEAT:-3}"); do
    echo "== round $i: 10M records, 200 MB ordinary text"
    $OLD records recs10m.v3.lwfp k.key text200.txt | sed 's/^/old: /'
    $NEW records recs10m.v3.lwfp k.key text200.txt | sed 's/^/new: /'
  done
  echo "== uptime"; uptime
  exit 0
fi
if [ "${MODE:-all}" = records ]; then
  echo "== uptime"; uptime
  for i in $(seq 1 "${REPEAT:-3}"); do
    echo "== round $i: 10M records, 200 MB text"
    $OLD records recs10m.v3.lwfp k.key text200.txt | sed 's/^/old: /'
    $NEW records recs10m.v3.lwfp k.key text200.txt | sed 's/^/new: /'
    echo "== round $i: 200k records, 20 MB text"
    $OLD records r200k.v3.lwfp k.key text20.txt | sed 's/^/old: /'
    $NEW records r200k.v3.lwfp k.key text20.txt | sed 's/^/new: /'
  done
  echo "== dataset rows (every line a hit), 10M records"
  $OLD records recs10m.v3.lwfp k.key csv2.txt | sed 's/^/old: /'
  $NEW records recs10m.v3.lwfp k.key csv2.txt | sed 's/^/new: /'
  $T -f "grep200k: %e s wall, %U+%S s cpu, max RSS %M KB" grep -F -c -f p_unused.txt text20.txt
  echo "== uptime"; uptime
  exit 0
fi
echo "== uptime"; uptime
echo "== prf"; $OLD prf; $NEW prf
echo "== 200k pack build (OLD -> its format, NEW -> format 3)"
rm -f r200k.old.lwfp r200k.new.lwfp
$T -f "old build: %e s wall, %U+%S s cpu, max RSS %M KB" $OLD build empty r200k.old.lwfp k.key recs200k.csv
$T -f "new build: %e s wall, %U+%S s cpu, max RSS %M KB" $NEW build empty r200k.new.lwfp k.key recs200k.csv
echo "== 200k records, 20 MB text"
$T -f "old total: %e s wall, %U+%S s cpu" $OLD records r200k.old.lwfp k.key text20.txt
$T -f "old load only: %e s wall, %U+%S s cpu" $OLD records r200k.old.lwfp k.key empty.txt
$T -f "new total: %e s wall, %U+%S s cpu" $NEW records r200k.new.lwfp k.key text20.txt
$T -f "grep200k: %e s wall, %U+%S s cpu, max RSS %M KB" grep -F -c -f p_unused.txt text20.txt
echo "== 10M records, 200 MB text"
$T -f "old total: %e s wall, %U+%S s cpu, max RSS %M KB" $OLD records recs10m.lwfp k.key text200.txt
$T -f "old load only: %e s wall, %U+%S s cpu, max RSS %M KB" $OLD records recs10m.lwfp k.key empty.txt
$T -f "new, format 2 pack: %e s wall, %U+%S s cpu, max RSS %M KB" $NEW records recs10m.lwfp k.key text200.txt
$T -f "new, format 3 pack: %e s wall, %U+%S s cpu, max RSS %M KB" $NEW records recs10m.v3.lwfp k.key text200.txt
$T -f "new load only: %e s wall, %U+%S s cpu, max RSS %M KB" $NEW records recs10m.v3.lwfp k.key empty.txt
echo "== chunk and scan, 1 GiB random"
$T -f "xxhsum -H2: %e s wall, %U+%S s cpu" xxhsum -H2 random1g.bin
$OLD chunk random1g.bin files.lwfp k.key
$NEW chunk random1g.bin files.lwfp k.key
$NEW scan random1g.bin files.lwfp k.key
$NEW scan copy-of-dataset-file.bin files.lwfp k.key
echo "== uptime"; uptime
