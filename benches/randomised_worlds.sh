#!/usr/bin/env bash
# Detection across randomised worlds of our own generator: each seed draws the world's
# amounts (x0.01 to x100), span (60 to 365 days) and accounts (x0.3 to x3, so each
# account three times busier or quieter) at random (`generate --randomise`);
# each world is analysed with the default configuration and scored against its truth.
# Prints one line per world (what it drew, ANY account precision and recall, P@10/20/50,
# leads that mix cases, and of those the ones whose cases share no account in the
# lead), then the range over all of them, per pattern its account
# precision and recall over all the worlds together, and the worlds where its account
# precision falls below 0.5 or its recall below 0.8. A detector that
# holds only in one economy shows here first; the figures in the README's "randomised
# worlds" paragraph come from this script.
#
# Usage: benches/randomised_worlds.sh [TRANSFERS] [FIRST_SEED] [WORLDS]
#        (default 100000 transfers, seeds 101.., 30 worlds)
# FLOWHOUND_BIN picks a binary; otherwise a release build is made here.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowhound/target}"
n="${1:-100000}"
first="${2:-101}"
worlds="${3:-30}"
bin="${FLOWHOUND_BIN:-$CARGO_TARGET_DIR/release/flowhound}"
[ -n "${FLOWHOUND_BIN:-}" ] || cargo build --release -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure FILE NAME: the value of one measure in eval_leads.csv
measure() { awk -F, -v m="$2" '$1 == m { print $2 }' "$1"; }

printf '%-6s %-40s %9s %7s %6s %6s %6s %9s\n' seed drawn precision recall P@10 P@20 P@50 mixed/unl
for seed in $(seq "$first" $((first + worlds - 1))); do
    dump="$work/dump-$seed" out="$work/out-$seed"
    drawn=$("$bin" generate --out "$dump" --transfers "$n" --seed "$seed" --randomise \
        | sed -nE 's/.*randomised: amounts (x[0-9.]+), ([0-9]+) days, accounts (x[0-9.]+).*/\1, \2 days, accounts \3/p')
    "$bin" analyze "$dump" --out "$out" -q
    "$bin" eval --truth "$dump/truth.csv" --leads "$out" -q
    any=$(awk -F, '$1 == "ANY" && $2 == "account" { print $6, $7 }' "$out/eval.csv")
    printf '%-6s %-40s %9s %7s %6s %6s %6s %9s\n' "$seed" "$drawn" $any \
        "$(measure "$out/eval_leads.csv" precision_at_10)" \
        "$(measure "$out/eval_leads.csv" precision_at_20)" \
        "$(measure "$out/eval_leads.csv" precision_at_50)" \
        "$(measure "$out/eval_leads.csv" mixed_case_leads)/$(measure "$out/eval_leads.csv" mixed_unlinked_case_leads)"
    # Trace cases (TR*) are for `flowhound trace` to follow, not for analyze to flag.
    awk -F, -v s="$seed" '$2 == "account" && $1 != "ANY" && $1 !~ /^TR/ && $3 > 0 { print s, $1, $6, $7, $3, $4, $5 }' \
        "$out/eval.csv" >> "$work/patterns"
    echo "$seed $any" >> "$work/any"
    rm -rf "$dump" "$out"
done
awk '{ p = $2 + 0; r = $3 + 0
       if (NR == 1 || p < pmin) pmin = p; if (NR == 1 || p > pmax) pmax = p
       if (NR == 1 || r < rmin) rmin = r; if (NR == 1 || r > rmax) rmax = r }
     END { printf "ANY account precision %.3f to %.3f, recall %.3f to %.3f over %d worlds\n",
                  pmin, pmax, rmin, rmax, NR }' "$work/any"
echo "per pattern over all worlds (truth, flagged and true accounts summed): account precision, recall"
awk '{ t[$2] += $5; f[$2] += $6; ok[$2] += $7 }
     END { for (p in t) printf "  %-15s precision %.3f recall %.3f (%d true of %d flagged, %d truth)\n",
                               p, f[p] ? ok[p] / f[p] : 0, ok[p] / t[p], ok[p], f[p], t[p] }' "$work/patterns" | sort
echo "per pattern, worlds with account precision < 0.5 or recall < 0.8 (seed precision recall):"
awk '$3 + 0 < 0.5 || $4 + 0 < 0.8 { print "  " $2 ": " $1 " " $3 " " $4 }' "$work/patterns" | sort
