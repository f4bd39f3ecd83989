"""Throughput of the table strategies (issue 12), measured in one run.

    .venv/bin/python bench/borderless.py [--repeats N]

1. Ruled reports: each sample year's Word and reportlab renderings, extracted (blocks and
   records) with the full strategy registry and with the `ruled` strategy alone (the path
   before the `aligned` strategy existed, as the baseline). The ratio is the cost of looking
   for evidence of tables without rules on ruled pages.
2. Borderless reports: the same content printed by Chromium (HTML) and by Word in a borderless
   table style, against the ruled renderings of the same year.

Times are the median of N runs in this process, CPU time (process_time: the machine may be
shared) with wall time beside it. Only figures measured here are printed.
"""

from __future__ import annotations

import argparse
import statistics
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


def median_times(paths: list[Path], repeats: int) -> tuple[float, float]:
    """Median over repeats of the total (CPU, wall) seconds for all paths."""
    runs = []
    for _ in range(repeats):
        totals = [extract(path) for path in paths]
        runs.append((sum(t[0] for t in totals), sum(t[1] for t in totals)))
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ruled = [PDFS / f"complaints-{y}-{p}.pdf" for y in YEARS for p in RULED]
    extract(ruled[0])  # imports and vocabulary loaded before anything is timed

    print(f"1. ruled reports ({len(ruled)} files), median of {args.repeats}")
    with only_ruled():
        base_cpu, base_wall = median_times(ruled, args.repeats)
    full_cpu, full_wall = median_times(ruled, args.repeats)
    print(f"   ruled strategy alone (baseline): {base_cpu:6.2f} s CPU {base_wall:6.2f} s wall")
    print(f"   full registry:                   {full_cpu:6.2f} s CPU {full_wall:6.2f} s wall")
    print(f"   full / baseline:                 {full_cpu / base_cpu:6.3f} CPU "
          f"{full_wall / base_wall:6.3f} wall")

    print(f"2. borderless vs ruled renderings of the same content, median of {args.repeats}")
    worst = 0.0
    for year in YEARS:
        ruled_cpu, _ = median_times([PDFS / f"complaints-{year}-{p}.pdf" for p in RULED],
                                    args.repeats)
        ruled_each = ruled_cpu / len(RULED)
        for producer in BORDERLESS:
            cpu, wall = median_times([PDFS / f"complaints-{year}-{producer}.pdf"],
                                     args.repeats)
            worst = max(worst, cpu / ruled_each)
            print(f"   {year} {producer:16s} {cpu:5.2f} s CPU ({wall:5.2f} s wall) vs ruled "
                  f"mean {ruled_each:5.2f} s CPU: {cpu / ruled_each:5.2f}x")
    print(f"   largest borderless / ruled ratio: {worst:.2f}x")


if __name__ == "__main__":
    main()
