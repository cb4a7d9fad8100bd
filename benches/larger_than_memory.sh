#!/usr/bin/env bash
# A run given less memory than it needs (`--spill DIR`): the same command runs three
# times on the dump, first with no limit, then twice in a memory cgroup of LIMIT_MB,
# without and with `--spill`. For each it prints the exit status, wall time, peak
# resident memory, major page faults and the spill's peak, and whether its output (the
# five lead files of `analyze`, the file of `features`) equals the first run's byte for
# byte. A run without `--spill` is expected to be killed by the cgroup (exit 137) once
# the limit is below its peak.
#
# Needs root and a writable memory cgroup: v2 (`memory.max` under /sys/fs/cgroup) or v1
# (/sys/fs/cgroup/memory). The spill folder must be on a disk, not tmpfs.
#
# Usage: benches/larger_than_memory.sh DUMP LIMIT_MB [SPILL_DIR] [-- COMMAND args...]
#        (default SPILL_DIR $HOME/.cache/flowhound/spill, command
#        `analyze --partition-window 30d`; `features --partition-window 7d` is the other)
# FLOWHOUND_BIN picks a binary; otherwise a release build is made here.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flowhound/target}"
dump="$1"
limit_mb="$2"
shift 2
spill="$HOME/.cache/flowhound/spill"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    spill="$1"
    shift
fi
[ "${1:-}" = "--" ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(analyze --partition-window 30d)
command="${args[0]}"
args=("${args[@]:1}")
bin="${FLOWHOUND_BIN:-$CARGO_TARGET_DIR/release/flowhound}"
[ -n "${FLOWHOUND_BIN:-}" ] || cargo build --release -q
mkdir -p "$spill"
work=$(mktemp -d)
echo "logs in $work (removed at exit; KEEP=1 keeps them)"

# A fresh memory cgroup of LIMIT_MB for run NAME, v2 or v1: its folder, printed.
cgroup_v2=$([ -f /sys/fs/cgroup/cgroup.controllers ] && echo yes || echo no)
groups=()
make_group() {
    local group
    if [ "$cgroup_v2" = yes ]; then
        group=/sys/fs/cgroup/flowhound-bench-$$-$1
        mkdir "$group"
        echo $((limit_mb * 1024 * 1024)) >"$group/memory.max"
        echo 0 >"$group/memory.swap.max" 2>/dev/null || true
    else
        group=/sys/fs/cgroup/memory/flowhound-bench-$$-$1
        mkdir "$group"
        echo $((limit_mb * 1024 * 1024)) >"$group/memory.limit_in_bytes"
    fi
    echo "$group"
}
# The most memory the cgroup was charged, in MB.
group_peak_mb() {
    local file="$1/memory.peak"
    [ "$cgroup_v2" = yes ] || file="$1/memory.max_usage_in_bytes"
    echo $(($(cat "$file") / 1024 / 1024))
}
cleanup() {
    [ -n "${KEEP:-}" ] || rm -rf "$work"
    for g in "${groups[@]}"; do rmdir "$g" 2>/dev/null || true; done
}
trap cleanup EXIT

# The dump's pages dropped from the page cache, so that a limited run charges its own
# reads to its cgroup rather than finding them cached by the run before.
uncache() {
    python3 - "$dump" <<'PY'
import os, sys
root = sys.argv[1]
paths = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
for path in paths:
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
}

files=(leads.csv lead_accounts.csv lead_transfers.csv lead_hits.csv lead_evidence.csv)

# run NAME LIMITED [flowhound global args...]: one run, its figures on one line. The
# peak is the process's resident memory with no limit, the cgroup's charge with one.
run() {
    local name="$1" limited="$2" group=""
    shift 2
    local out="$work/$name"
    [ "$command" = analyze ] || out="$out.parquet"
    if [ "$limited" = yes ]; then
        group=$(make_group "$name")
        groups+=("$group")
        uncache
    fi
    set +e
    (
        [ -n "$group" ] && echo "$BASHPID" >"$group/cgroup.procs"
        exec /usr/bin/time -f "%e %M %F" -o "$work/$name.time" \
            "$bin" "$@" "$command" "$dump" --out "$out" "${args[@]}"
    ) >"$work/$name.log" 2>&1
    local status=$?
    set -e
    # A killed run's first line says by which signal; the figures are the last line.
    local wall=? peak_kb=0 faults=?
    read -r wall peak_kb faults < <(tail -1 "$work/$name.time")
    local peak_mb=$((peak_kb / 1024))
    [ -n "$group" ] && peak_mb=$(group_peak_mb "$group")
    local spilled same=-
    spilled=$(grep -o 'at most [0-9]* MB' "$work/$name.log" | grep -o '[0-9]*' || echo 0)
    if [ "$status" = 0 ] && [ "$name" != whole ]; then
        same=yes
        if [ "$command" = analyze ]; then
            for f in "${files[@]}"; do cmp -s "$work/whole/$f" "$out/$f" || same=no; done
        else
            cmp -s "$work/whole.parquet" "$out" || same=no
        fi
    fi
    printf '%-16s exit %-4s %8s s  peak %6d MB  major faults %-8s spilled %6s MB  output equal: %s\n' \
        "$name" "$status" "$wall" "$peak_mb" "$faults" "$spilled" "$same"
}

echo "dump $dump, limit $limit_mb MB, $command ${args[*]}"
run whole no
run limited yes
run limited-spill yes --spill "$spill"
