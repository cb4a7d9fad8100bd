#!/usr/bin/env bash
# `flowhound features --layout gfp` against IBM's Graph Feature Preprocessor (snapml, from
# PyPI), column by column on small random graphs (benches/gfp_compare.py): once with
# many transfers at the same second, once with none. Prints how many values differ per
# family; README ("GFP's layout") says why the ones that differ do.
#
# Usage: benches/gfp_compare.sh [GRAPHS] [SEED]     (default 20 graphs, seed 1)
set -euo pipefail
cd "$(dirname "$0")/.."
graphs="${1:-20}"
seed="${2:-1}"
# shellcheck source=benches/snapml_venv.sh
. benches/snapml_venv.sh
bin="$CARGO_TARGET_DIR/release/flowhound"
echo "== times drawn freely (a third of the graphs with many transfers at one second)"
"$venv/bin/python" benches/gfp_compare.py "$bin" --graphs "$graphs" --seed "$seed"
echo "== no two transfers at the same second"
"$venv/bin/python" benches/gfp_compare.py "$bin" --graphs "$graphs" --seed "$seed" --distinct-times
