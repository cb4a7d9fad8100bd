#!/usr/bin/env bash
# Detection as the dump grows: an IBM AMLSim run (or an AMLGentex one, in AMLSim's
# layout with flowhound's truth files) written as 1, 2, 4 and 8 disjoint
# copies of itself in one dump (benches/disjoint_copies.py: accounts renamed per copy,
# times kept, labels left out), each analysed with `--preset amlsim` and the default
# configuration and scored against its alerts. Each copy holds the same customers and
# cases, so a detector whose sensitivity held with the dump's size would find the same
# share of them at every size. The chance tests allow so many coincidences over the
# whole dump (`expected_by_chance`), counting its accounts as the tries: as the dump
# grows, each case must be that much less likely by chance, and recall falls while
# precision holds, except where a detector finds enough to widen its budget with the
# hits it finds (`false_discovery_share`; the fans never do). Prints per size ANY account precision and recall, P@10/20/50, leads,
# mixed leads, and per typology the share of its accounts in any lead.
#
# Usage: benches/disjoint_copies.sh [RUN_DIR] [COPIES...]
#        (default ../shared/data/amlsim-dev, copies 1 2 4 8)
# FLOWHOUND_BIN picks a binary; otherwise a release build is made here.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowhound/target}"
src="${1:-../shared/data/amlsim-dev}"
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 2 4 8)
bin="${FLOWHOUND_BIN:-$CARGO_TARGET_DIR/release/flowhound}"
[ -n "${FLOWHOUND_BIN:-}" ] || cargo build --release -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { awk -F, -v m="$2" '$1 == m { print $2 }' "$1"; }

for k in "${sizes[@]}"; do
    dump="$work/dump-$k" out="$work/out-$k"
    python3 benches/disjoint_copies.py "$src" "$dump" "$k"
    "$bin" analyze --preset amlsim "$dump" --out "$out" -q
    "$bin" eval --truth "$dump/truth.csv" --leads "$out" -q
    any=$(awk -F, '$1 == "ANY" && $2 == "account" { print $6, $7 }' "$out/eval.csv")
    printf 'copies %-3s accounts %-7s precision/recall %s  P@10/20/50 %s %s %s  leads %s mixed %s\n' "$k" \
        "$(($(wc -l < "$dump/accounts.csv") - 1))" "$any" \
        "$(measure "$out/eval_leads.csv" precision_at_10)" \
        "$(measure "$out/eval_leads.csv" precision_at_20)" \
        "$(measure "$out/eval_leads.csv" precision_at_50)" \
        "$(measure "$out/eval_leads.csv" leads)" \
        "$(measure "$out/eval_leads.csv" mixed_case_leads)"
    awk -F, 'NR > 1 && $1 != "ANY" { printf "  %s %s", $1, $7 } END { print "" }' "$out/eval_cases.csv"
    rm -rf "$dump" "$out"
done
