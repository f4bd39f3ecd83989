"""Throughput of the table strategies (issue 12), measured in one run.

    .venv/bin/python bench/borderless.py [--repeats N] [--out bench/RESULTS-borderless.md]

1. Ruled reports: each sample year's Word and reportlab renderings, extracted (blocks and
   records) with the full strategy registry and with the `ruled` strategy alone (the path
   before the `aligned` strategy existed, as the baseline). The ratio is the cost of looking
   for evidence of tables without rules on ruled pages.
2. Borderless reports: the same content printed by Chromium (HTML) and by Word in a borderless
   table style, against the ruled renderings of the same year (issue 12's target: within
   1.5x), timed back to back in each repeat so that load drifting during the run weighs on
   both sides alike.

Times are medians of N runs in this process, CPU time (process_time: the machine may be
shared). Only figures measured here are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.extract.document import read_blocks
from pipeline.extract.strategies import STRATEGIES
from pipeline.report import read_report

PDFS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pdfs"
YEARS = ("2017-18", "2018-19", "2019-20")
RULED = ("word", "reportlab")
BORDERLESS = ("html", "word-borderless")


@contextmanager
def only_ruled() -> Iterator[None]:
    """The registry as it was before the aligned strategy: `ruled` alone."""
    saved = dict(STRATEGIES)
    for name in list(STRATEGIES):
        if name != "ruled":
            del STRATEGIES[name]
    try:
        yield
    finally:
        STRATEGIES.clear()
        STRATEGIES.update(saved)


def extract(path: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) to read one file's blocks and records."""
    cpu, wall = time.process_time(), time.perf_counter()
    read_report(read_blocks(path))
    return time.process_time() - cpu, time.perf_counter() - wall


def total_times(paths: list[Path]) -> tuple[float, float]:
    """The total (CPU, wall) seconds for all paths, once."""
    totals = [extract(path) for path in paths]
    return sum(t[0] for t in totals), sum(t[1] for t in totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, help="also write what is printed to this file "
                        "(bench/RESULTS-borderless.md), with the commit and the machine load")
    args = parser.parse_args()
    out: list[str] = []

    def say(text: str) -> None:
        print(text)
        out.append(text)

    ruled = [PDFS / f"complaints-{y}-{p}.pdf" for y in YEARS for p in RULED]
    extract(ruled[0])  # imports and vocabulary loaded before anything is timed
    load = os.getloadavg()

    say(f"1. ruled reports ({len(ruled)} files); each repeat times the ruled strategy alone "
        f"and then the full registry, back to back (load on the machine falls on both); the "
        f"median of {args.repeats} repeats")
    base, full = [], []
    for _ in range(args.repeats):
        with only_ruled():
            base.append(total_times(ruled))
        full.append(total_times(ruled))
    base_cpu, base_wall = (statistics.median(t[k] for t in base) for k in (0, 1))
    full_cpu, full_wall = (statistics.median(t[k] for t in full) for k in (0, 1))
    cpu_ratio = statistics.median(f[0] / b[0] for b, f in zip(base, full, strict=True))
    wall_ratio = statistics.median(f[1] / b[1] for b, f in zip(base, full, strict=True))
    say(f"   ruled strategy alone (baseline): {base_cpu:6.2f} s CPU {base_wall:6.2f} s wall")
    say(f"   full registry:                   {full_cpu:6.2f} s CPU {full_wall:6.2f} s wall")
    say(f"   full / baseline (median of the repeats' ratios): {cpu_ratio:6.3f} CPU "
        f"{wall_ratio:6.3f} wall")

    say(f"2. borderless vs ruled renderings of the same content, CPU time; each repeat times "
        f"the year's ruled renderings and then each borderless one, back to back; the "
        f"median of {args.repeats} repeats' ratios")
    worst = 0.0
    for year in YEARS:
        ruled_paths = [PDFS / f"complaints-{year}-{p}.pdf" for p in RULED]
        ratios: dict[str, list[float]] = {producer: [] for producer in BORDERLESS}
        cpus: dict[str, list[float]] = {producer: [] for producer in BORDERLESS}
        ruled_cpus = []
        for _ in range(args.repeats):
            ruled_each = sum(extract(path)[0] for path in ruled_paths) / len(ruled_paths)
            ruled_cpus.append(ruled_each)
            for producer in BORDERLESS:
                cpu, _ = extract(PDFS / f"complaints-{year}-{producer}.pdf")
                cpus[producer].append(cpu)
                ratios[producer].append(cpu / ruled_each)
        for producer in BORDERLESS:
            ratio = statistics.median(ratios[producer])
            worst = max(worst, ratio)
            say(f"   {year} {producer:16s} {statistics.median(cpus[producer]):5.2f} s CPU vs "
                f"ruled mean {statistics.median(ruled_cpus):5.2f} s CPU: {ratio:5.2f}x")
    say(f"   largest borderless / ruled ratio: {worst:.2f}x (target: within 1.5x)")
    if args.out:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=PDFS).stdout.strip()
        args.out.write_text(
            "# Borderless throughput (bench/borderless.py)\n\n"
            f"Run on {commit} at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
            f"`.venv/bin/python bench/borderless.py --repeats {args.repeats} --out "
            f"{args.out}`; load average at the start {load[0]:.2f} {load[1]:.2f} "
            f"{load[2]:.2f} on {os.cpu_count()} CPUs. Every figure below was measured by that "
            "run (CPU time: process_time of this process, the machine may be shared).\n\n"
            "```\n" + "\n".join(out) + "\n```\n")


if __name__ == "__main__":
    main()
