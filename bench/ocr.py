"""OCR bench: the scanned sample reports ingested end to end, scored against the hand-made
truth, timed against plain text extraction of the same reports in the same run.

Per resolution (100, 150, 300 dpi): figures recovered (loaded and equal to the golden value,
over every printed figure cell of the Comparative Data and Top Ten tables), values loaded wrong
(figures that differ from the golden value: the target is 0), loaded figures without an
`ocr_verified` finding (target 0), commentary similarity (difflib ratio per analysis cell,
as samples/truth.py scores it), and seconds per page, against the baseline: the ruled Word
rendering the scan was made from, ingested with its text layer.

    .venv/bin/python bench/ocr.py                          # the committed scans
    .venv/bin/python bench/ocr.py --years 2017-18 2018-19 2019-20 --write

The scans are made by samples/scan.py into bench/corpus/ocr/ first (seeded: the same images
every run; only the suite's two-page scan is committed).
`--write` writes bench/RESULTS-ocr.md. Heavy: about a minute per page on a busy 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from pipeline.extract.document import Limits  # noqa: E402
from pipeline.run import ingest  # noqa: E402
from samples import scan  # noqa: E402
from samples.truth import Score, loaded_rows, score  # noqa: E402

GOLDEN = ROOT / "tests" / "fixtures" / "golden"
CORPUS = scan.CORPUS
RESULTS = ROOT / "bench" / "RESULTS-ocr.md"
TARGETS = {100: 0.90, 150: 0.95, 300: 0.99}


@dataclass
class Run:
    """One resolution (or the baseline) over the years."""

    label: str
    score: Score = field(default_factory=Score)
    pages: int = 0
    seconds: float = 0.0
    unverified: int = 0  # loaded figures with no ocr_verified finding
    failures: list[str] = field(default_factory=list)

    @property
    def per_page(self) -> float:
        return self.seconds / self.pages if self.pages else 0.0


def scan_file(year: str, dpi: int, seed: int) -> Path:
    committed = scan.OUT / scan.scan_name(year, dpi)
    if committed.exists():
        return committed
    target = CORPUS / scan.scan_name(year, dpi)
    if not target.exists():
        CORPUS.mkdir(parents=True, exist_ok=True)
        target.write_bytes(scan.scan_pdf(scan.source_for(year), dpi, seed + dpi))
    return target


def unverified_figures(db: Path, file_name: str) -> int:
    """Loaded (non-NULL) figures of the file with no ocr_verified finding naming them."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = 0
        for table in ("stage_outcomes", "top_ten"):
            for measure in ("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct"):
                loaded += con.execute(
                    f"SELECT count(*) FROM {table} t JOIN reports r USING (report_id) "
                    f"WHERE r.file_name = ? AND t.{measure} IS NOT NULL", [file_name]).fetchone()[0]
        verified = con.execute(
            "SELECT count(*) FROM data_quality_issues d JOIN reports r USING (report_id) "
            "WHERE r.file_name = ? AND d.check_name = 'ocr_verified' AND "
            "(d.detail LIKE 'stage_outcomes.%' OR d.detail LIKE 'top_ten.%')",
            [file_name]).fetchone()[0]
        return loaded - verified
    finally:
        con.close()


def measure(label: str, files: list[tuple[str, Path]], limits: Limits, ocr: bool) -> Run:
    run = Run(label)
    for year, path in files:
        golden = json.loads((GOLDEN / f"complaints-{year}.json").read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "w.duckdb"
            started = time.monotonic()
            summary = ingest([path], db, force=True, workers=1, limits=limits,
                             council=golden["council"])
            run.seconds += time.monotonic() - started
            outcome = summary.outcomes[0]
            run.pages += outcome.pages
            if outcome.status == "failed":
                run.failures.append(f"{path.name}: {outcome.error}")
            run.score.add(score(golden, loaded_rows(db, path.name),
                                failed=outcome.status == "failed"))
            if ocr and outcome.status != "failed":
                run.unverified += unverified_figures(db, path.name)
        print(f"  {label} {path.name}: {outcome.status}, {outcome.pages} pages, "
              f"{time.monotonic() - started:.0f} s", flush=True)
    return run


def table(runs: list[Run], baseline: Run) -> list[str]:
    lines = ["| reading | figures recovered | values loaded wrong | loaded, not verified | "
             "commentary similarity | s / page | × plain text |",
             "|---|---|---|---|---|---|---|"]
    for run in [baseline, *runs]:
        s = run.score
        recovered = s.figures_recalled / s.figure_cells if s.figure_cells else 0.0
        similarity = s.commentary_similarity / s.commentary_cells if s.commentary_cells else 0
        ratio = run.per_page / baseline.per_page if baseline.per_page else 0.0
        verified = "–" if run is baseline else str(run.unverified)
        lines.append(f"| {run.label} | {s.figures_recalled}/{s.figure_cells} ({recovered:.2%}) "
                     f"| {s.figures_wrong} | {verified} | {similarity:.4f} | "
                     f"{run.per_page:.1f} | {ratio:.0f}× |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", nargs="*", default=["2018-19"])
    parser.add_argument("--dpi", nargs="*", type=int, default=list(scan.RESOLUTIONS))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    limits = Limits(max_seconds=args.timeout)
    load = os.getloadavg()[0]
    started = datetime.now(UTC)
    baseline = measure("plain text (the -word PDF)",
                       [(y, scan.source_for(y)) for y in args.years], limits, ocr=False)
    runs = [measure(f"OCR {dpi} dpi", [(y, scan_file(y, dpi, args.seed)) for y in args.years],
                    limits, ocr=True) for dpi in args.dpi]
    lines = table(runs, baseline)
    misses = []
    for run, dpi in zip(runs, args.dpi, strict=True):
        s = run.score
        wanted = TARGETS.get(dpi)
        got = s.figures_recalled / s.figure_cells if s.figure_cells else 0.0
        if wanted is not None and got < wanted:
            misses.append(f"{run.label}: {got:.2%} of figures, target {wanted:.0%}")
        if s.figures_wrong:
            misses.append(f"{run.label}: {s.figures_wrong} figures loaded wrong: "
                          + "; ".join(s.wrong_examples[:5]))
        misses += run.failures
    header = (f"Run {started:%Y-%m-%d %H:%M} UTC, years {', '.join(args.years)}, "
              f"load average {load:.1f} at the start, {os.cpu_count()} cores.")
    print(header)
    print("\n".join(lines))
    for miss in misses:
        print(f"MISSED: {miss}")
    if args.write:
        RESULTS.write_text("\n".join([
            "# OCR bench (bench/ocr.py)", "", header, "",
            "Scans made by samples/scan.py (greyscale JPEG quality 60, slight skew, noise) from "
            "the ruled Word rendering; the baseline ingests that rendering's text layer in the "
            "same run. Figures: every printed figure cell of the Comparative Data and Top Ten "
            "tables against the golden file.", "", *lines, "",
            *(f"- missed: {m}" for m in misses), ""]), encoding="utf-8")


if __name__ == "__main__":
    main()
