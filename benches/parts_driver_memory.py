#!/usr/bin/env python3
"""The driver's side of `flowhound.spark.analyze`, without Spark: a partitioned analyze
whose jobs are handed away as bytes and run in child processes, one at a time, as
executors would run them. Prints the driver's peak resident memory, the reference's
and each round's job and result sizes, and checks that the leads equal the run without
parts. What it measures is what the driver holds (the dump, its graph, the job being
built and handed over, the results), apart from Spark's own JVM.

Usage: benches/parts_driver_memory.py DUMP [--window 30d] [--threads 2]
Needs the package built in this Python (maturin develop --release). DUMP is a folder
that flowhound.read_dump reads.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

import flowhound
from flowhound import _flowhound as native

# A child process runs one job, as an executor's Python worker does.
CHILD = """
import sys
from flowhound import _flowhound as native
reference, job, found, threads = sys.argv[1:5]
with open(reference, "rb") as r, open(job, "rb") as j:
    result = native.run_part("bench", r.read(), j.read(), int(threads))
with open(found, "wb") as f:
    f.write(result)
"""


class ChildProcesses:
    """Runs each handed job in a child process, through files."""

    def __init__(self, work: Path, threads: int) -> None:
        self.work, self.threads = work, threads
        self.jobs: "list[Path]" = []
        self.rounds: "list[dict[str, int]]" = []
        self.reference_bytes = 0

    def begin(self, reference: bytes) -> None:
        self.reference_bytes = len(reference)
        (self.work / "reference").write_bytes(reference)

    def hand(self, job: bytes) -> None:
        if not self.jobs:
            self.rounds.append({"jobs": 0, "job_bytes": 0, "largest_job_bytes": 0, "found_bytes": 0})
        path = self.work / f"job{len(self.jobs)}"
        path.write_bytes(job)
        self.jobs.append(path)
        r = self.rounds[-1]
        r["jobs"] += 1
        r["job_bytes"] += len(job)
        r["largest_job_bytes"] = max(r["largest_job_bytes"], len(job))

    def run(self) -> "list[bytes]":
        found = []
        for job in self.jobs:
            out = job.with_suffix(".found")
            subprocess.run(
                [sys.executable, "-c", CHILD, str(self.work / "reference"), str(job), str(out), str(self.threads)],
                check=True,
            )
            found.append(out.read_bytes())
            self.rounds[-1]["found_bytes"] += len(found[-1])
            job.unlink()
            out.unlink()
        self.jobs = []
        return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dump", type=Path)
    ap.add_argument("--window", default="30d")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    window = flowhound._seconds(args.window)
    began = time.time()
    tables = flowhound.read_dump(args.dump).tables()
    with tempfile.TemporaryDirectory() as work:
        runner = ChildProcesses(Path(work), args.threads)
        outputs, _ = native.analyze(tables, None, args.threads, False, 0.01, window, runner)
    seconds = time.time() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"driver peak RSS: {peak:.2f} GiB ({seconds:.1f} s; tables left to the caller: {len(tables)})")
    print(f"reference: {runner.reference_bytes / 2**20:.0f} MiB")
    for r in runner.rounds:
        print(f"round: {r['jobs']} jobs, {r['job_bytes'] / 2**20:.0f} MiB (largest "
              f"{r['largest_job_bytes'] / 2**20:.0f} MiB), results {r['found_bytes'] / 2**20:.0f} MiB")
    whole = flowhound.analyze(flowhound.read_dump(args.dump), threads=args.threads)
    parts = dict(outputs)
    same = all(pl.DataFrame(parts[name]).equals(getattr(whole, name)) for name in ["leads", "lead_hits"])
    print(f"same leads as one run over the whole dump: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
