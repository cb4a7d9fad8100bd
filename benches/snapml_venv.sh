# Sourced by the GFP benches: a venv with snapml (IBM's GFP) from PyPI under
# ~/.cache/flowhound, pip's downloads cached, and the release binary built. Sets $venv.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowhound/target}"
venv="$HOME/.cache/flowhound/bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
PIP_CACHE_DIR="${PIP_CACHE_DIR:-$HOME/.cache/pip}" "$venv/bin/pip" install -q snapml numpy
cargo build --release -q
