#!/usr/bin/env bash
# `analyze` of two or more binaries side by side on one dump, alternately, in rounds: the
# only speed comparison this shared machine supports (a change is read against the runs
# around it, never against a figure from another day). Prints each run's wall time, peak
# RSS, detection stage and detectors' wall times (from run.json), then checks that every
# binary wrote the same lead files as the first.
#
# Usage: benches/side_by_side.sh [--rounds N] [--only CODE | --config FILE] DUMP BIN...
#   --rounds N    rounds, each running every binary once in the order given (default 2)
#   --only CODE   every detector but CODE disabled (cycle, OS1, ...): one detector's time
#   --config FILE a config of your own, passed to every run
# Copy a binary before rebuilding (cp target/release/flowhound /tmp/fh_before) to compare
# a change with the code before it.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=2
only=""
config=""
usage() {
    sed -n '8,13p' "$0" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --only) only="$2"; shift 2 ;;
        --config) config="$(realpath "$2")"; shift 2 ;;
        -h|--help) usage ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || usage
[ -z "$only" ] || [ -z "$config" ] || usage
dump="$(realpath "$1")"
shift
bins=()
for b in "$@"; do bins+=("$(realpath "$b")"); done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -n "$only" ]; then
    # The detector codes, as the first binary names them in its run on the sample.
    "${bins[0]}" -q analyze fixtures/sample --out "$work/codes" > /dev/null
    python3 - "$work/codes/run.json" "$only" > "$work/only.toml" << 'EOF'
import json, sys
codes = [d["code"] for d in json.load(open(sys.argv[1]))["detectors"]]
if sys.argv[2] not in codes:
    sys.exit(f"--only {sys.argv[2]}: not a detector code ({', '.join(codes)})")
print("disabled = [" + ", ".join(f'"{c}"' for c in codes if c != sys.argv[2]) + "]")
EOF
    config="$work/only.toml"
fi
if [ -n "$only" ]; then
    echo "dump: $dump; $(nproc) cores; only $only"
else
    echo "dump: $dump; $(nproc) cores; config: ${config:-default}"
fi
for r in $(seq "$rounds"); do
    j=0
    for b in "${bins[@]}"; do
        j=$((j + 1))
        out="$work/out-$j"
        rm -rf "$out"
        /usr/bin/time -o "$work/time" -f "%e %M" "$b" -q analyze "$dump" --out "$out" \
            ${config:+--config "$config"} > /dev/null
        read -r wall rss < "$work/time"
        detectors=$(python3 - "$out/run.json" << 'EOF'
import json, sys
run = json.load(open(sys.argv[1]))
stages = dict(run["stage_millis"])
ran = " ".join(f"{d['code']}={d['millis'] / 1000:.2f}" for d in run["detectors"] if d["millis"])
print(f"detect {stages['detect'] / 1000:.2f} s: {ran}")
EOF
)
        echo "round $r  $b  ${wall} s  $((rss / 1024)) MiB  $detectors"
    done
done
status=0
for j in $(seq 2 "${#bins[@]}"); do
    for f in leads.csv lead_accounts.csv lead_hits.csv lead_transfers.csv lead_evidence.csv; do
        if ! cmp -s "$work/out-1/$f" "$work/out-$j/$f"; then
            echo "DIFFERENT: $f of ${bins[$((j - 1))]} against ${bins[0]}"
            status=1
        fi
    done
done
[ "$status" -eq 1 ] || echo "lead files identical across the ${#bins[@]} binaries"
exit "$status"
