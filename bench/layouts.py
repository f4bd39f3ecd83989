"""Layout robustness benchmark (issue 9): render seeded layout variants of the golden reports
through every producer (ruled: word, reportlab; borderless: html, word-borderless), ingest each
into a fresh warehouse, and score it against its golden truth, per dimension value and overall.

    .venv/bin/python bench/layouts.py [--count 240] [--workers 2] [--reuse-corpus]
                                      [--producers word reportlab html word-borderless]

Two plans: every drifted value alone (fuzz.isolated_plan: one dimension away from neutral,
each producer, plus the neutral layout) and a random mix (fuzz.plan: every dimension drawn
from the seed, --count variants).

Needs LibreOffice, Chromium (html) and the samples extra (samples/README.md). Rendered files go to
bench/corpus.layouts/ (git-ignored); results to bench/RESULTS-layouts.md, with only figures this run
measured. The baseline in the same run is the committed sample PDFs (tests/fixtures/pdfs).

Measures (samples/truth.py, from the golden files only): figure recall (Comparative Data and
Top Ten cells equal to golden / golden cells), commentary similarity (difflib ratio per
Analysis cell, averaged; a missing cell counts 0) and exact-cell rate, commitment recall
(rows whose commitment and progress equal golden), VALUES LOADED WRONG (a loaded figure or
text that differs from golden, has no golden counterpart, or repeats one: must be 0), rows
quarantined, files failed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

from fuzz import (  # noqa: E402
    DIMENSION_NAMES,
    PRODUCERS,
    isolated_plan,
    plan,
    render_many,
    write_manifest,
)
from render_fuzz import GOLDEN_STEMS, load_goldens  # noqa: E402

from bench.layouts_measure import measure  # noqa: E402
from bench.layouts_report import machine, markdown, total  # noqa: E402

CORPUS = ROOT / "bench" / "corpus.layouts"  # bench/run.py rebuilds bench/corpus: not shared
RESULTS = ROOT / "bench" / "RESULTS-layouts.md"
PDFS = ROOT / "tests" / "fixtures" / "pdfs"


def baseline_entries(producers: tuple[str, ...] = PRODUCERS) -> list[dict]:
    """The committed sample renderings, scored the same way (no drift)."""
    return [{"file": f"{stem}-{producer}.pdf", "golden": stem, "producer": producer,
             "choices": {}} for stem in GOLDEN_STEMS for producer in producers]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=240, help="variants to render (>= 200)")
    parser.add_argument("--first-seed", type=int, default=1000, help="of the random mix")
    parser.add_argument("--no-isolated", action="store_true",
                        help="skip the one-value-at-a-time plan")
    parser.add_argument("--workers", type=int, default=2, help="ingest worker processes")
    parser.add_argument("--reuse-corpus", action="store_true",
                        help="score the PDFs already in bench/corpus.layouts (same count, seeds)")
    parser.add_argument("--producers", nargs="+", choices=PRODUCERS, default=list(PRODUCERS),
                        help="who prints the variants (html needs chromium, word soffice)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    goldens = load_goldens()
    producers = tuple(args.producers)
    plans = {"isolated": [] if args.no_isolated else isolated_plan(goldens, 50_000, producers),
             "mixed": plan(goldens, args.count, args.first_seed, producers)}
    entries = {name: [v.manifest_entry(producer) for v, producer in jobs]
               for name, jobs in plans.items()}
    every_entry = [e for plan_entries in entries.values() for e in plan_entries]
    started = time.monotonic()
    if not args.reuse_corpus:
        shutil.rmtree(CORPUS, ignore_errors=True)
        CORPUS.mkdir(parents=True)
        render_many([job for jobs in plans.values() for job in jobs], CORPUS)
        write_manifest(every_entry, CORPUS / "manifest.json")
    render_seconds = time.monotonic() - started
    present = {name: [e for e in plan_entries if (CORPUS / e["file"]).exists()]
               for name, plan_entries in entries.items()}
    rendered = [e for plan_entries in present.values() for e in plan_entries]
    print(f"rendered {len(rendered)}/{len(every_entry)} variants in {render_seconds:.0f} s",
          flush=True)

    baseline, baseline_wall = measure(baseline_entries(producers), PDFS, goldens, args.workers)
    sections, walls = {}, {}
    for name, plan_entries in present.items():
        sections[name], walls[name] = measure(plan_entries, CORPUS, goldens, args.workers)
    overall = total(m for measured in sections.values() for m in measured)
    facts = {
        "machine": machine(),
        "variants": f"{len(rendered)} rendered of {len(every_entry)} planned: "
                    f"{len(present['isolated'])} one-value-at-a-time (seeds from 50000), "
                    f"{len(present['mixed'])} random mix (seeds {args.first_seed}.."
                    f"{args.first_seed + args.count - 1}); "
                    + ", ".join(f"{sum(e['producer'] == p for e in rendered)} {p}"
                                for p in producers),
        "dimensions": f"{len(DIMENSION_NAMES)}, all drawn for each random-mix variant",
        "render time": f"{render_seconds:.0f} s" + (" (corpus reused)" if args.reuse_corpus
                                                    else ""),
        "ingest time": ", ".join(f"{name} {wall:.0f} s" for name, wall in walls.items())
                       + f", baseline {baseline_wall:.0f} s ({len(baseline)} files); "
                       f"{args.workers} workers",
    }
    report = markdown(sections, baseline, facts, list(DIMENSION_NAMES))
    args.out.write_text(report, encoding="utf-8")
    print(report)
    print(f"values loaded wrong: {overall.values_wrong}; wrote {args.out}")
    missing = len(every_entry) - len(rendered)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
