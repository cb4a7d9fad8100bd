#!/usr/bin/env bash
# `analyze` whole and `analyze --partition-window` side by side on one generated dump, on
# this machine: wall time and peak memory of each, the most transfers one part read (what
# one task of a run over machines would hold, from run.json), and whether the five lead
# files are byte-identical (they must be; the script exits 1 when they are not).
#
# Usage: benches/partitioned.sh [TRANSFERS] [WINDOW ...]   (default 1000000, windows 30d 7d)
# Needs a release build (made here) and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowhound/target}"
n="${1:-1000000}"
shift || true
windows=("$@")
[ ${#windows[@]} -gt 0 ] || windows=(30d 7d)
cargo build --release -q
bin="$CARGO_TARGET_DIR/release/flowhound"
threads="${FLOWHOUND_BENCH_THREADS:-2}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" generate --out "$work/dump" --transfers "$n" --seed 7 -q
echo "flowhound $($bin --version | cut -d' ' -f2), $n generated transfers (seed 7), $threads threads, $(nproc) cores"
run() { # label out args...
  local label=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" --threads "$threads" analyze "$work/dump" --out "$out" -q "$@"
  read -r secs kb < "$work/time"
  printf "%-22s %8.2f s %8.0f MiB\n" "$label" "$secs" "$((kb / 1024))"
}
run "whole" "$work/whole"
status=0
for w in "${windows[@]}"; do
  run "--partition-window $w" "$work/parts_$w" --partition-window "$w"
  python3 - "$work/parts_$w/run.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
loads = {d["code"]: d["parts"]["largest_part_transfers"] for d in run["detectors"] if "parts" in d}
code, most = max(loads.items(), key=lambda kv: kv[1])
print(f"  largest part: {most} of {run['transfers']} transfers ({most / run['transfers']:.0%}, {code})")
PY
  for f in leads lead_accounts lead_transfers lead_hits lead_evidence; do
    if ! cmp -s "$work/whole/$f.csv" "$work/parts_$w/$f.csv"; then
      echo "  $f.csv differs from the whole run's"
      status=1
    fi
  done
done
[ $status -eq 0 ] && echo "lead files identical in every run"
exit $status
