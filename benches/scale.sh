#!/usr/bin/env bash
# Scale bench: generate, analyze and features on dumps of growing size, on this
# machine, printing wall time, peak memory and cost per transfer at each size, so that
# near-linear growth can be read off directly. With --gfp, also runs IBM's Graph
# Feature Preprocessor (pip install snapml) on the same dumps with the same 1-day
# window and every pattern enabled, and prints the speed ratio.
#
# Usage: benches/scale.sh [--gfp] [SIZE ...]    (default sizes: 1000000 2000000 5000000 10000000)
# FLOWHOUND_BENCH_PART sets features' --partition-window (default 7d);
# FLOWHOUND_BENCH_FORMAT=parquet writes and reads the dumps as Parquet (default csv;
# GFP reads CSV, so --gfp needs csv).
# Needs a release build (made here), ~2.5 GB of scratch disk for 10M, and 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowhound/target}"
gfp=0
if [ "${1:-}" = "--gfp" ]; then gfp=1; shift; fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 2000000 5000000 10000000)
cargo build --release -q
bin="$CARGO_TARGET_DIR/release/flowhound"
work="${FLOWHOUND_BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$work"
threads="${FLOWHOUND_BENCH_THREADS:-2}"
part="${FLOWHOUND_BENCH_PART:-7d}"
format="${FLOWHOUND_BENCH_FORMAT:-csv}"
if [ "$gfp" = 1 ] && [ "$format" != csv ]; then
  echo "--gfp reads the dumps' transfers.csv: run it with FLOWHOUND_BENCH_FORMAT=csv" >&2
  exit 2
fi
echo "flowhound $($bin --version | cut -d' ' -f2), $threads threads, $(nproc) cores, $format dumps, scratch $work"
printf "%-10s %-9s %9s %9s %11s %11s %12s\n" transfers stage wall_s peak_MiB us/transfer B/transfer transfers/s

measure() { # stage size command...
  local stage=$1 n=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/$stage.log" 2>&1
  read -r secs kb < "$work/time"
  awk -v s="$stage" -v n="$n" -v t="$secs" -v k="$kb" 'BEGIN {
    printf "%-10d %-9s %9.2f %9.0f %11.3f %11.0f %12.0f\n", n, s, t, k/1024, t*1e6/n, k*1024/n, n/t }'
}

for n in "${sizes[@]}"; do
  dump="$work/dump_$n"
  measure generate "$n" "$bin" --threads "$threads" generate --out "$dump" --transfers "$n" --seed 7 --format "$format" -q --force
  measure analyze "$n" "$bin" --threads "$threads" analyze "$dump" --out "$work/out_$n" -q
  # Features a week at a time, at every size: the whole dump's features held at once take
  # about 270 bytes a transfer (12.6 GiB at 50M), more than this machine has at 100M.
  measure features "$n" "$bin" --threads "$threads" features "$dump" --out-file "$work/feat_$n/features.parquet" --window 1d --partition-window "$part" -q
  if [ "$gfp" = 1 ]; then
    measure gfp "$n" python3 benches/gfp.py "$dump/transfers.csv" --threads "$threads" --window 86400
    grep -h "transform" "$work/gfp.log" || true
  fi
  rm -rf "$dump" "$work/out_$n" "$work/feat_$n"
done
