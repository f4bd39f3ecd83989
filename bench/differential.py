#!/usr/bin/env python3
"""The full differential sweep of issue 15: pdfium against pdfminer (the reference) on every
PDF we have, too slow for the test suite (tests/test_parser_differential.py keeps the
committed samples, odd, bad and hostile files, and one report's warehouse).

    .venv/bin/python bench/differential.py [--also DIR ...]

Compares, file by file, what each parser's extraction would load (every table's records,
findings and quarantine with their pages) or the one line it fails with, over: the committed
files of the suite, every layout-fuzzer variant (tests/fixtures/fuzz), the shared corpus
(../shared/corpus realworld and bad; left out, with the reason printed, when absent) and any
--also folder (e.g. bench/corpus). Then loads raw_reports/ into one warehouse per parser and
compares every table. Prints the files compared, those that differ (by name: must be none) and
each parser's wall time over the same files in this run, two files at a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.run import file_sha256, ingest  # noqa: E402
from tests.conftest import FIXTURES, SHARED  # noqa: E402
from tests.test_parser_differential import (  # noqa: E402
    committed_files,
    extracted,
    warehouse_content,
)

PARSERS = ("pdfminer", "pdfium")  # the reference first


def sweep_files(also: list[Path]) -> tuple[list[Path], list[str]]:
    """Every file to compare, once each (by sha256), and notes on what was left out."""
    notes = []
    paths = [*committed_files(), *sorted((FIXTURES / "fuzz").glob("*.pdf"))]
    corpus = SHARED / "corpus"
    if corpus.exists():
        paths += sorted(p for part in ("realworld", "bad") for p in (corpus / part).iterdir()
                        if p.suffix == ".pdf")
    else:
        notes.append(f"{corpus} is absent (only present inside the project workspace): the "
                     "shared corpus was not compared")
    for folder in also:
        paths += sorted(folder.glob("*.pdf"))
    unique = {file_sha256(p) if p.stat().st_size else p.name: p for p in paths}
    return list(unique.values()), notes


def compare_records(paths: list[Path]) -> tuple[list[str], int, dict[str, float]]:
    """(names that differ, files loaded by the reference, wall seconds per parser)."""
    results, seconds = {}, {}
    for parser in PARSERS:
        started = time.perf_counter()
        results[parser] = extracted(paths, parser)
        seconds[parser] = time.perf_counter() - started
    reference, content = results["pdfminer"], results["pdfium"]
    differ = sorted(name for name in reference if content.get(name) != reference[name])
    loaded = sum(not isinstance(result, str) for result in reference.values())
    return differ, loaded, seconds


def compare_warehouses(work: Path) -> tuple[list[str], int, int]:
    """raw_reports/ into one warehouse per parser: (tables that differ, reports, rows)."""
    paths = sorted((REPO / "raw_reports").glob("*.pdf"))
    content = {}
    for parser in PARSERS:
        ingest(paths, work / f"{parser}.duckdb", workers=2, parser=parser)
        content[parser] = warehouse_content(work / f"{parser}.duckdb")
    reference = content["pdfminer"]
    differ = sorted(t for t in reference if content["pdfium"].get(t) != reference[t])
    return differ, len(reference["reports"]), sum(len(rows) for rows in reference.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--also", type=Path, action="append", default=[],
                        help="another folder of PDFs to compare (e.g. bench/corpus)")
    options = parser.parse_args()
    load_before = os.getloadavg()[0]
    paths, notes = sweep_files(options.also)
    differ, loaded, seconds = compare_records(paths)
    print(f"records: {len(paths)} distinct files, {loaded} read as reports by pdfminer; "
          f"{len(paths) - len(differ)} the same under pdfium, {len(differ)} differ")
    for name in differ:
        print(f"  DIFFERS: {name}")
    print(f"wall, two files at a time: pdfminer {seconds['pdfminer']:.1f}s, pdfium "
          f"{seconds['pdfium']:.1f}s ({seconds['pdfminer'] / seconds['pdfium']:.2f}x)")
    with tempfile.TemporaryDirectory(prefix="complaints-differential-") as work:
        tables, reports, rows = compare_warehouses(Path(work))
    print(f"warehouse of raw_reports/: {reports} reports, {rows} rows; "
          f"{'every table the same' if not tables else 'tables that differ: ' + ', '.join(tables)}")
    for note in notes:
        print(f"note: {note}")
    print(f"load average (1 min) at start {load_before:.2f}, at end {os.getloadavg()[0]:.2f} "
          f"({os.cpu_count()} cores)")
    if differ or tables:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
