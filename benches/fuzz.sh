#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for SECONDS each (default 300), with corpora
# seeded from fixtures/ (the bad-input dumps, the sample, the public layouts, the default
# config). Prints, per target, the runs, the time and whether it found a crash; crashes
# are kept under $FUZZ_WORK/artifacts. Needs cargo-fuzz and the nightly toolchain
# (cargo install cargo-fuzz); builds with AddressSanitizer, so the first run compiles
# for several minutes.
#
# Usage: benches/fuzz.sh [SECONDS] [TARGET ...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-300}"; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv_dump gz_dump parquet_dump presets config)
work="${FUZZ_WORK:-$HOME/.cache/flowhound/fuzz}"
main_target="${CARGO_TARGET_DIR:-$HOME/.cache/flowhound/target}"
export CARGO_TARGET_DIR="$work/target"
mkdir -p "$work"

seed() { # target
  local dir="$work/corpus/$1"
  [ -d "$dir" ] && return
  mkdir -p "$dir"
  case $1 in
    csv_dump)
      for f in fixtures/bad/*/transfers.csv; do cp "$f" "$dir/$(basename "$(dirname "$f")").csv"; done
      head -n 60 fixtures/sample/transfers.csv > "$dir/sample.csv" ;;
    gz_dump)
      head -n 60 fixtures/sample/transfers.csv | gzip -c > "$dir/sample.csv.gz"
      cp fixtures/bad/truncated_gz/transfers.csv.gz "$dir/truncated.csv.gz" ;;
    parquet_dump)
      local tmp; tmp=$(mktemp -d)
      # The seed dump comes from the ordinary release build, not the instrumented one.
      CARGO_TARGET_DIR="$main_target" cargo build -q --release
      "$main_target/release/flowhound" -q generate --out "$tmp/d" --transfers 6000 --seed 3 --format parquet
      cp "$tmp/d/transfers.parquet" "$dir/generated.parquet"; rm -rf "$tmp" ;;
    presets)
      { printf '\0'; head -n 60 fixtures/amlsim/transactions.csv; } > "$dir/amlsim"
      { printf '\1'; head -n 60 fixtures/amlworld/synthetic_Trans.csv; } > "$dir/amlworld" ;;
    config)
      cp src/config/default.toml "$dir/default.toml"
      printf '[os4]\nwindow_days = -5\n' > "$dir/bad_days.toml"
      printf '[scoring]\npattern_weights = { UB7 = 0.5 }\n' > "$dir/bad_weight.toml" ;;
  esac
}

printf "%-14s %10s %8s %s\n" target runs seconds result
for t in "${targets[@]}"; do
  seed "$t"
  mkdir -p "$work/artifacts/$t"
  log="$work/$t.log"
  if cargo +nightly fuzz run --fuzz-dir tests/fuzz "$t" "$work/corpus/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=4096 -artifact_prefix="$work/artifacts/$t/" > "$log" 2>&1; then
    result="no crash"
  else
    result="CRASH: see $log and $work/artifacts/$t/"
  fi
  runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  printf "%-14s %10s %8s %s\n" "$t" "${runs:-0}" "$secs" "$result"
done
