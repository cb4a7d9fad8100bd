#!/usr/bin/env bash
# flowhound `features` against IBM's Graph Feature Preprocessor (snapml, from PyPI), side
# by side in one run on the same graph (benches/zipf_graph.py: Zipf activity on both
# sides, 10 transfers per account, 30 days, injected cycles, fans and scatter-gathers),
# same window, same threads. Two comparisons:
# 1. flowhound's own layout against GFP with the families both compute (fan, degree,
#    scatter-gather, temporal cycles, vertex statistics; GFP's length-constrained
#    cycles off);
# 2. `--layout gfp` (GFP's columns one to one: every family, length-constrained cycles
#    up to 10 and all eleven vertex statistics) against GFP with the same.
# GFP streams in batches of 10,000 with its output discarded; flowhound's time is end to
# end (read the CSV, build the graph, compute, write Parquet), the median of three runs
# (all three printed): a two-second run moves by a fifth with what else the machine did
# that second, where GFP's two minutes average it out.
#
# Usage: benches/vs_gfp.sh [ACCOUNTS] [THREADS]     (default 100000 accounts, 2 threads)
set -euo pipefail
cd "$(dirname "$0")/.."
accounts="${1:-100000}"
threads="${2:-2}"
# shellcheck source=benches/snapml_venv.sh
. benches/snapml_venv.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" benches/zipf_graph.py "$work/dump" --accounts "$accounts"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $threads threads"
# compare LABEL "FLOWHOUND ARGS" "GFP ARGS"
compare() {
  local start fh gfp_line gfp runs=()
  for _ in 1 2 3; do
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$CARGO_TARGET_DIR/release/flowhound" features "$work/dump" --out-file "$work/features.parquet" \
        --window 1d --threads "$threads" -q $2
    runs+=("$(echo "$(date +%s.%N) - $start" | bc)")
  done
  fh=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
  echo "$1: flowhound features $2: ${runs[*]} s end to end, median $fh s"
  # shellcheck disable=SC2086
  gfp_line=$("$venv/bin/python" benches/gfp.py "$work/dump/transfers.csv" --threads "$threads" \
      --window 86400 --batch 10000 $3)
  echo "$1: $gfp_line"
  gfp=$(echo "$gfp_line" | sed -E 's/.*transform ([0-9.]+) s.*/\1/')
  echo "$1: ratio GFP transform / flowhound end to end = $(echo "scale=1; $gfp / $fh" | bc)x"
}
compare "common families" "" "--no-lc-cycle"
compare "GFP's layout" "--layout gfp" "--all-stats"
