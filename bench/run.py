#!/usr/bin/env python3
"""Throughput benchmark of `complaints ingest` against a naive pdfplumber baseline.

    python bench/run.py                # 40 reports, writes bench/RESULTS.md
    python bench/run.py --quick        # 4 reports, no profiles, RESULTS.md left alone
    python bench/run.py --reports 60   # a bigger corpus

What it does, in one run on one machine:

1. Builds bench/corpus/ (git-ignored; `ingest_corpus.py`): copies of the sample PDFs whose
   printed counts are multiplied by a per-copy factor k, rewritten inside the PDF, so every
   file differs and the warehouse can be checked against k x the original.
2. Measures (`ingest_measure.py`), each probe (`ingest_probes.py`) in its own fresh child
   process: `complaints ingest` (--workers 1 and 2, fresh warehouses), the naive baseline
   (pdfplumber.open; per page extract_tables() + extract_text()) in the same run, a no-change
   second ingest, peak RSS on the largest sample, and (full runs) exclusive phase timers and
   cProfile of one ingest and of the baseline.
3. Prints figure / target / PASS-FAIL and (full runs) writes bench/RESULTS.md
   (`ingest_report.py`) with only what this run measured.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"
LAST_RUN = REPO / "bench" / "corpus" / "last-run.json"  # git-ignored, beside the corpus


def _ensure_venv() -> None:
    """Re-run under the project's venv when started with a Python that lacks pdfplumber."""
    if importlib.util.find_spec("pdfplumber") and importlib.util.find_spec("pipeline"):
        return
    venv_python = REPO / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.prefix).resolve() != (REPO / ".venv").resolve():
        os.execv(str(venv_python), [str(venv_python), *sys.argv])
    raise SystemExit("pdfplumber/pipeline not importable: run .venv/bin/python bench/run.py")


def _pages_of(files: dict, source: str) -> int:
    return next((f["pages"] for f in files.values() if f["source"] == source), 0)


def main() -> None:
    from bench.ingest_corpus import CORPUS, SAMPLES, build_corpus
    from bench.ingest_measure import load_figures, machine, measure, save_figures
    from bench.ingest_probes import run_probe
    from bench.ingest_report import render_phases, render_results, render_table, verdicts

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=None,
                        help="corpus size (default 40; 4 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke mode: small corpus, no profiles, RESULTS.md not written")
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--report-only", action="store_true",
                        help=f"write RESULTS.md again from the last full run's measurements "
                             f"({LAST_RUN.relative_to(REPO)}), without measuring")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        run_probe(options.child, options.rest)
        return
    if options.report_only:
        last = load_figures(LAST_RUN)
        RESULTS.write_text(render_results(last["host"], last["figures"],
                                          verdicts(last["figures"]), last["count"],
                                          last["seconds"], last["stamp"]))
        print(f"wrote {RESULTS.relative_to(REPO)} from {LAST_RUN.relative_to(REPO)}")
        return
    count = options.reports or (4 if options.quick else 40)
    if count < 2:
        parser.error("--reports must be at least 2")
    write = not (options.quick or options.no_results)
    started = time.perf_counter()
    host = machine()
    print(f"machine: {host['cpu']}, {host['cores']} cores, {host['ram_gb']:.1f} GB, Python "
          f"{host['python']}, pdfplumber {host['pdfplumber']}, duckdb {host['duckdb']}")

    manifest = build_corpus(count)
    files = manifest["files"]
    pages = manifest["pages"]
    scaled = sum(f["runs_scaled"] for f in files.values())
    skipped = sum(f["runs_skipped"] for f in files.values())
    print(f"corpus: {len(files)} reports, {pages} pages in {CORPUS.relative_to(REPO)}/ "
          f"({scaled} number runs rescaled, {skipped} left as printed; sha256s unique: "
          f"{manifest['unique_sha256']})")
    sources = [SAMPLES / s for s in manifest["sources"]]
    largest = max(sources, key=lambda p: (_pages_of(files, p.name), p.stat().st_size))
    corpus_pdfs = [str(CORPUS / name) for name in sorted(files)]

    work = Path(tempfile.mkdtemp(prefix="complaints-bench-"))
    try:
        figures = measure(work, corpus_pdfs, pages, largest, sources, options.quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    factors = [f["factor"] for f in files.values()]
    figures["corpus"] = {"reports": len(files), "pages": pages, "samples": len(sources),
                         "scaled": scaled, "skipped": skipped,
                         "unique": manifest["unique_sha256"],
                         "factors": f"{min(factors)}..{max(factors)}", "largest": largest.name}
    rows = verdicts(figures)
    print()
    print(render_table(rows))
    for problem in figures["verify"].data["problems"]:
        print(f"  corpus check: {problem}")
    if not options.quick:
        print()
        print(render_phases(figures))
    total = time.perf_counter() - started
    print(f"\nbenchmark took {total:.0f}s")
    if write:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        save_figures(LAST_RUN, {"host": host, "figures": figures, "count": count,
                                "seconds": total, "stamp": stamp})
        RESULTS.write_text(render_results(host, figures, rows, count, total, stamp))
        print(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    _ensure_venv()
    main()
