#!/usr/bin/env bash
# Fingerprint of every file flowhound writes, for refactors that must not change output:
# analyze (with --report and --goaml-draft), trace, features, explain and eval on the fixtures
# and a generated dump, at --threads 1 and 2. run.json's timings are blanked (they are
# wall-clock) and the scratch folder's path is written WORK; everything else is hashed
# as written. Run it before and after a change and
# diff the two listings.
#
# Usage: benches/same_outputs.sh [TRANSFERS]    (default 2000000; prints "sha256  file")
# FLOWHOUND_BIN picks a binary (e.g. a copy of the one before the change); otherwise a
# release build is made here. Needs ~1 GB of scratch disk at 2M.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowhound/target}"
n="${1:-2000000}"
# goAML submission dates are the run date: fix it so two runs compare.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1767225600}"
bin="${FLOWHOUND_BIN:-$CARGO_TARGET_DIR/release/flowhound}"
[ -n "${FLOWHOUND_BIN:-}" ] || cargo build --release -q
work="${FLOWHOUND_SAME_DIR:-$(mktemp -d)}"
dump="$work/generated-$n"
[ -f "$dump/transfers.csv" ] || "$bin" -q generate --transfers "$n" --seed 2024 --out "$dump" > /dev/null
mkdir -p "$work/out"
(cd "$dump" && sha256sum ./*) > "$work/out/generated-$n.dump.sha256"

run() { # name dump threads [analyze options...]
  local name=$1 in=$2 t=$3; shift 3
  local out="$work/out/$name-t$t"
  rm -rf "$out"; mkdir -p "$work/out"
  "$bin" --threads "$t" analyze "$in" --out "$out" --report --goaml-draft "$@" > "$out.summary.txt" 2>&1 || true
  if [ -f "$in/seeds.csv" ]; then
    "$bin" -q --threads "$t" trace "$in" --seeds "$in/seeds.csv" --out "$out/trace" > /dev/null 2>&1 || true
  fi
  if [ -f "$in/truth.csv" ]; then
    "$bin" --threads "$t" eval --truth "$in/truth.csv" --leads "$out" > "$out.eval.txt" 2>&1 || true
  fi
  "$bin" -q --threads "$t" features "$in" --out-file "$out/features.csv" > /dev/null 2>&1 || true
  local top; top=$(sed -n 2p "$out/leads.csv" 2>/dev/null | cut -d, -f1)
  "$bin" -q explain "$out" --lead "${top:-none}" > "$out.explain.txt" 2>&1 || true
  # Wall-clock fields are the only ones allowed to move.
  if [ -f "$out/run.json" ]; then
    python3 - "$out/run.json" <<'PY'
import json, sys
def blank(v):
    if isinstance(v, dict):
        return {k: (0 if k in ("millis", "seconds") else [[s, 0] for s, _ in v[k]] if k == "stage_millis" else blank(x)) for k, x in v.items()}
    return [blank(x) for x in v] if isinstance(v, list) else v
with open(sys.argv[1]) as f:
    doc = json.load(f)
with open(sys.argv[1], "w") as f:
    json.dump(blank(doc), f, indent=2, sort_keys=False)
PY
  fi
  # Timings vary run to run, and so do the widths of the summary's table columns.
  sed -E -i 's/[0-9]+(\.[0-9]+)? ?(ms|s)\b/T/g; s/-+/-/g; s/ +/ /g; s/ +$//' "$out.summary.txt"
}

for t in 1 2; do
  run sample fixtures/sample "$t"
  run amlworld fixtures/amlworld "$t" --preset amlworld
  run amlsim fixtures/amlsim "$t" --preset amlsim
  run "generated-$n" "$dump" "$t"
done
cd "$work/out"
# The scratch folder's own name appears in summaries, run.json and the report title.
grep -rlF "$work" . | xargs -r sed -i "s|$work|WORK|g"
find . -type f | sort | xargs sha256sum
