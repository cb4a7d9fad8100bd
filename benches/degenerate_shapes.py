#!/usr/bin/env python3
"""Runs flowhound on degenerate shapes of money built from fixtures/sample's transfers:
the same rows with their accounts, times or amounts rewritten so that the graph is a
ping-pong pair, a star, a dense clique of twenty accounts paying each other every minute,
a snapshot (every timestamp the same), dates only, equal amounts, self-transfers only, or
a snapshot clique. For each shape it runs `analyze` (whole and in 7-day parts) and
`features` (both layouts) and prints the exit code, wall time, peak RSS and the detectors
with most hits (for the run in parts: whether its lead files are the whole run's): a
shape that takes minutes, gigabytes or floods the leads, or reads otherwise in parts,
shows here.

Usage: benches/degenerate_shapes.py [FLOWHOUND_BINARY] [--timeout SECONDS] [--keep DIR]
(default binary: $CARGO_TARGET_DIR/release/flowhound, or ~/.cache/flowhound/target's)
"""

import argparse
import datetime
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "sample"
CLIQUE = 20


def stamp(seconds: int) -> str:
    return (datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def shapes(rows: list[list[str]], accounts: list[str]) -> dict[str, list[list[str]]]:
    rng = random.Random(5)

    def clique_payee(i: int) -> str:
        to = (i * 7 + 1 + i // CLIQUE) % CLIQUE
        return accounts[to if to != i % CLIQUE else (i % CLIQUE + 1) % CLIQUE]

    return {
        "pingpong": [
            [r[0], stamp(i * 600), accounts[i % 2], accounts[1 - i % 2], "100.00", "USD", r[6], ""]
            for i, r in enumerate(rows)
        ],
        "star": [
            [r[0], stamp(i * 600)]
            + ([accounts[0], accounts[1 + i % 400]] if i % 2 else [accounts[1 + i % 400], accounts[0]])
            + [f"{rng.uniform(50, 150):.2f}", "USD", r[6], ""]
            for i, r in enumerate(rows)
        ],
        "clique": [
            [r[0], stamp(i * 60), accounts[i % CLIQUE], clique_payee(i), f"{rng.uniform(99, 101):.2f}", "USD", r[6], ""]
            for i, r in enumerate(rows)
        ],
        "snapshot": [[r[0], "2024-01-01T00:00:00Z"] + r[2:] for r in rows],
        "dates_only": [[r[0], r[1][:10]] + r[2:] for r in rows],
        "equal_amounts": [r[:4] + ["1.00", "USD"] + r[6:] for r in rows],
        "self_transfers": [[r[0], r[1], r[2], r[2]] + r[4:] for r in rows],
        "snapshot_clique": [
            [r[0], "2024-01-01T00:00:00Z", accounts[i % CLIQUE], clique_payee(i), "100.00", "USD", r[6], ""]
            for i, r in enumerate(rows)
        ],
    }


def run(cmd: list[str], timeout: float) -> tuple[str, float, int]:
    """Exit code (or TIMEOUT), wall seconds and peak RSS in KiB of one command."""
    start = time.monotonic()
    with tempfile.NamedTemporaryFile("r") as rss:
        # In a session of its own: /usr/bin/time runs the command as its child, and a
        # timeout that killed only the former left the latter running (and loading the
        # machine under every later shape's timing).
        with subprocess.Popen(
            ["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ) as proc:
            try:
                code = str(proc.wait(timeout=timeout))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                code = "TIMEOUT"
        peak = rss.read().strip().splitlines()
    kib = int(peak[-1]) if peak and peak[-1].isdigit() else 0
    return code, time.monotonic() - start, kib


def most_hits(out: Path) -> str:
    try:
        record = json.loads((out / "run.json").read_text())
    except (OSError, ValueError):
        return ""
    found = sorted(((d["hits"], d["code"]) for d in record.get("detectors", []) if d["hits"]), reverse=True)
    return ", ".join(f"{code} {hits}" for hits, code in found[:3])


def same_leads(whole: Path, parts: Path) -> bool:
    """Whether the run in parts wrote the same lead files as the whole run."""
    files = ["leads.csv", "lead_accounts.csv", "lead_transfers.csv", "lead_hits.csv", "lead_evidence.csv"]
    try:
        return all((whole / f).read_bytes() == (parts / f).read_bytes() for f in files)
    except OSError:
        return False


def main() -> None:
    default = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/flowhound/target")) / "release/flowhound"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", nargs="?", default=str(default))
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--keep", type=Path, help="write the shapes and outputs here (default: a temporary directory)")
    args = parser.parse_args()
    lines = (SAMPLE / "transfers.csv").read_text().strip().split("\n")
    header, rows = lines[0], [line.split(",") for line in lines[1:]]
    accounts = sorted({r[2] for r in rows} | {r[3] for r in rows})
    work = args.keep or Path(tempfile.mkdtemp(prefix="degenerate-"))
    print(f"{'shape':16s} {'run':34s} {'exit':>7s} {'seconds':>8s} {'peak MiB':>9s}  most hits")
    for name, shaped in shapes(rows, accounts).items():
        dump = work / name
        shutil.rmtree(dump, ignore_errors=True)
        shutil.copytree(SAMPLE, dump)
        (dump / "transfers.csv").write_text(header + "\n" + "\n".join(",".join(r) for r in shaped) + "\n")
        runs = {
            "analyze": ["analyze", str(dump), "--out", str(work / f"{name}.out"), "-q"],
            "analyze --partition-window 7d": [
                "analyze", str(dump), "--out", str(work / f"{name}.parts"), "-q", "--partition-window", "7d"
            ],
            "features": ["features", str(dump), "--out-file", str(work / f"{name}.parquet"), "-q"],
            "features --layout gfp": [
                "features", str(dump), "--out-file", str(work / f"{name}.gfp.parquet"), "-q", "--layout", "gfp"
            ],
        }
        for label, cmd in runs.items():
            code, seconds, kib = run([args.binary] + cmd, args.timeout)
            if label == "analyze":
                hits = most_hits(work / f"{name}.out")
            elif label.startswith("analyze --partition-window"):
                hits = "leads as whole" if same_leads(work / f"{name}.out", work / f"{name}.parts") else "LEADS DIFFER"
            else:
                hits = ""
            print(f"{name:16s} {label:34s} {code:>7s} {seconds:8.1f} {kib / 1024:9.0f}  {hits}", flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
