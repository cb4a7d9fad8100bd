#!/usr/bin/env bash
# Detection of cases that our generator did not write, hidden among busy existing
# customers of worlds it did (benches/busy_cases.py): randomised worlds of
# `generate --randomise`, each given cases by benches/busy_cases.py (central accounts
# chosen among its busy persons, amounts from its own person-to-person quantiles),
# analysed with the default configuration and scored case by case: per pattern, the
# cases with at least half their accounts in leads, the accounts in no lead, and those
# in a lead that holds a hit of the case's own pattern. The README's figures on "cases
# among busy customers" come from this script. With BARE=1 each dump is written as a
# bare transfer list (no accounts, entities or links tables), as many exports are; with
# FRESH=1 every onward leg of UB1, UB4, cycle, scatter_gather and gather_scatter is sized
# afresh, as AMLSim sizes them, instead of carrying most of what came in.
#
# Usage: benches/busy_cases.sh [TRANSFERS] [FIRST_SEED] [WORLDS] [CASES_PER_PATTERN]
#        (default 100000 transfers, seeds 101.., 6 worlds, 4 cases per pattern)
# FLOWHOUND_BIN picks a binary; otherwise a release build is made here.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowhound/target}"
n="${1:-100000}"
first="${2:-101}"
worlds="${3:-6}"
per="${4:-4}"
bin="${FLOWHOUND_BIN:-$CARGO_TARGET_DIR/release/flowhound}"
[ -n "${FLOWHOUND_BIN:-}" ] || cargo build --release -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pairs=()
for seed in $(seq "$first" $((first + worlds - 1))); do
    "$bin" generate --out "$work/world-$seed" --transfers "$n" --seed "$seed" --randomise -q
    python3 benches/busy_cases.py inject "$work/world-$seed" "$work/dump-$seed" --seed "$seed" --per "$per" \
        ${BARE:+--bare} ${FRESH:+--fresh}
    "$bin" analyze "$work/dump-$seed" --out "$work/out-$seed" -q
    pairs+=("$work/out-$seed" "$work/dump-$seed")
done
python3 benches/busy_cases.py score "${pairs[@]}"
