#!/usr/bin/env bash
# Detection as the tables go missing: each generated world (with every look-alike of
# the generator) is analysed three ways with the default configuration and scored
# against its truth (benches/minimal_columns.py writes the poorer two):
# - full: every table;
# - bare: transfers.csv as generated (channel, currency, memo) and fx rates, no
#   accounts, entities or links;
# - five: five columns (id, time, sender, receiver, amount in the base currency), as
#   many exports are.
# Prints per world and way ANY account precision and recall, P@10/20/50, leads, mixed
# leads (and those whose cases share no account in the lead), the largest lead, and the
# generic motifs' account precision. The typologies ask that such a dump still gets
# leads for every motif; this shows what it costs in precision.
#
# Usage: benches/minimal_columns.sh [TRANSFERS] [FIRST_SEED] [WORLDS]
#        (default 100000 transfers, seeds 7001.., 2 worlds)
# FLOWHOUND_BIN picks a binary; otherwise a release build is made here.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowhound/target}"
n="${1:-100000}"
first="${2:-7001}"
worlds="${3:-2}"
bin="${FLOWHOUND_BIN:-$CARGO_TARGET_DIR/release/flowhound}"
[ -n "${FLOWHOUND_BIN:-}" ] || cargo build --release -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=$("$bin" config | sed -nE 's/^base_currency = "([A-Z]+)".*/\1/p')
printf '[ingest]\ncurrency = "%s"\n' "$base" > "$work/five.toml"

# measure FILE NAME: the value of one measure in eval_leads.csv
measure() { awk -F, -v m="$2" '$1 == m { print $2 }' "$1"; }
# precision FILE PATTERN: a pattern's account precision in eval.csv ("-" when unflagged)
precision() { awk -F, -v p="$2" '$1 == p && $2 == "account" { print ($4 > 0 ? $6 : "-") }' "$1"; }

motifs="fan_out fan_in gather_scatter scatter_gather cycle random bipartite stack"
printf '%-5s %-5s %9s %7s %6s %6s %6s %6s %9s %7s' seed way precision recall P@10 P@20 P@50 leads mixed/unl largest
for m in $motifs; do printf ' %7.7s' "$m"; done
echo
for seed in $(seq "$first" $((first + worlds - 1))); do
    "$bin" generate --out "$work/full" --transfers "$n" --seed "$seed" -q --force
    python3 benches/minimal_columns.py "$work/full" "$work" "$base"
    for way in full bare five; do
        out="$work/out-$way"
        config=()
        [ "$way" = five ] && config=(--config "$work/five.toml")
        "$bin" analyze "$work/$way" --out "$out" -q "${config[@]}"
        "$bin" eval --truth "$work/$way/truth.csv" --leads "$out" -q
        any=$(awk -F, '$1 == "ANY" && $2 == "account" { print $6, $7 }' "$out/eval.csv")
        printf '%-5s %-5s %9s %7s %6s %6s %6s %6s %9s %7s' "$seed" "$way" $any \
            "$(measure "$out/eval_leads.csv" precision_at_10)" \
            "$(measure "$out/eval_leads.csv" precision_at_20)" \
            "$(measure "$out/eval_leads.csv" precision_at_50)" \
            "$(measure "$out/eval_leads.csv" leads)" \
            "$(measure "$out/eval_leads.csv" mixed_case_leads)/$(measure "$out/eval_leads.csv" mixed_unlinked_case_leads)" \
            "$(measure "$out/eval_leads.csv" largest_lead_accounts)"
        for m in $motifs; do printf ' %7.7s' "$(precision "$out/eval.csv" "$m")"; done
        echo
        rm -rf "$out"
    done
    rm -rf "$work/full" "$work/bare" "$work/five"
done
