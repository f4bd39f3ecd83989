"""OCR bench: the committed scans of the sample reports ingested end to end, scored against
the hand-made truth, timed against plain text extraction of the same reports in the same run.

Per resolution (100, 150, 300 dpi), per year and over the years: figures recovered (loaded and
equal to the golden value, over every printed figure cell of the Comparative Data and Top Ten
tables), values loaded wrong (figures that differ from the golden value: the target is 0),
loaded figures without an `ocr_verified` finding (target 0), commentary similarity (difflib
ratio per analysis cell, as samples/truth.py scores it), and seconds per page, against the
baseline: the ruled Word rendering the scan was made from, ingested with its text layer.

    .venv/bin/python bench/ocr.py                          # every committed scan
    .venv/bin/python bench/ocr.py --years 2018-19 --dpi 100 150
    .venv/bin/python bench/ocr.py --write                  # and write bench/RESULTS-ocr.md
    .venv/bin/python bench/ocr.py --sandwiches             # and each scan's OCR'd copy

`--sandwiches` also measures each scan as another tool's OCR hands it on: Tesseract's own PDF
of it (samples/sandwich.py: the same images, its words drawn invisibly over them), made into
bench/corpus.sandwich/ when not there already (Debian's tesseract-ocr). The pipeline leaves
the invisible words out and reads the images as it reads the scan's.

The scans are the committed ones, tests/fixtures/pdfs/scanned/complaints-YYYY-YY-scanDPI.pdf
(made by samples/scan.py, seeded); nothing is re-rendered, and a scan asked for that is not
committed is an error. Heavy: ten seconds or more a page, 105 pages over the nine scans.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
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
from samples import sandwich, scan  # noqa: E402
from samples.truth import Score, loaded_rows, score  # noqa: E402

GOLDEN = ROOT / "tests" / "fixtures" / "golden"
SANDWICHES = ROOT / "bench" / "corpus.sandwich"  # git-ignored: made from the committed scans
SCAN_NAME = re.compile(r"complaints-(\d{4}-\d{2})-scan(\d+)\.pdf")
RESULTS = ROOT / "bench" / "RESULTS-ocr.md"
TARGETS = {100: 0.90, 150: 0.95, 300: 0.99}
COMMENTARY_TARGET = 0.95  # at 300 dpi
START = time.monotonic()


def commit() -> str:
    """The checked-out commit, so a results file says which code it measured."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                  "pipeline", "schemas", "bench/ocr.py"],
                                 capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} with uncommitted changes" if changed else head


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


def committed_scans() -> dict[tuple[str, int], Path]:
    """{(year, dpi): path} of the committed full scans (not the suite's page ranges)."""
    found = {}
    for path in sorted(scan.OUT.glob("complaints-*-scan*.pdf")):
        match = SCAN_NAME.fullmatch(path.name)
        if match:
            found[(match[1], int(match[2]))] = path
    return found


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


def measure(label: str, files: list[tuple[str, Path]], limits: Limits, ocr: bool,
            keep: Path | None = None) -> dict[str, Run]:
    """{year: its Run} for one reading over the years' files; with `keep`, each file's
    warehouse is kept there (named after the file) to look into what was loaded."""
    runs = {}
    for year, path in files:
        run = runs[year] = Run(label)
        golden = json.loads((GOLDEN / f"complaints-{year}.json").read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory() as folder:
            db = (keep or Path(folder)) / f"{path.stem}.duckdb"
            db.unlink(missing_ok=True)
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
    return runs


def overall(label: str, runs: dict[str, Run]) -> Run:
    total = Run(label)
    for run in runs.values():
        total.score.add(run.score)
        total.pages += run.pages
        total.seconds += run.seconds
        total.unverified += run.unverified
        total.failures += run.failures
    return total


def recovered(run: Run) -> float:
    s = run.score
    return s.figures_recalled / s.figure_cells if s.figure_cells else 0.0


def row(label: str, run: Run, baseline: Run) -> str:
    s = run.score
    similarity = s.commentary_similarity / s.commentary_cells if s.commentary_cells else 0
    ratio = run.per_page / baseline.per_page if baseline.per_page else 0.0
    verified = "–" if run.label == baseline.label else str(run.unverified)
    return (f"| {label} | {s.figures_recalled}/{s.figure_cells} ({recovered(run):.2%}) "
            f"| {s.figures_wrong} | {verified} | {similarity:.4f} | {run.pages} | "
            f"{run.per_page:.1f} | {ratio:.0f}× |")


def table(readings: list[dict[str, Run]], baseline: dict[str, Run]) -> list[str]:
    """One row per reading and year (against that year's plain text), then the reading over
    every year (against the plain text of every year)."""
    lines = ["| reading | figures recovered | values loaded wrong | loaded, not verified | "
             "commentary similarity | pages | s / page | × plain text |",
             "|---|---|---|---|---|---|---|---|"]
    plain = overall(next(iter(baseline.values())).label, baseline)
    for runs in [baseline, *readings]:
        label = next(iter(runs.values())).label
        for year, run in runs.items():
            lines.append(row(f"{label}, {year}", run, baseline[year]))
        if len(runs) > 1:
            lines.append(row(f"**{label}, all years**", overall(label, runs), plain))
    return lines


def main(argv: list[str] | None = None) -> None:
    committed = committed_scans()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", nargs="*", default=sorted({y for y, _ in committed}),
                        help="default: every year with a committed scan")
    parser.add_argument("--dpi", nargs="*", type=int, default=sorted({d for _, d in committed}),
                        help="default: every resolution with a committed scan")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep each file's warehouse in this folder")
    parser.add_argument("--sandwiches", action="store_true",
                        help="also each scan's OCR'd copy (Tesseract's PDF of it)")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    missing = [scan.scan_name(y, d) for d in args.dpi for y in args.years
               if (y, d) not in committed]
    if missing:
        parser.error(f"not committed in {scan.OUT}: {', '.join(missing)} "
                     "(samples/scan.py makes them)")
    limits = Limits(max_seconds=args.timeout)
    load = os.getloadavg()[0]
    started = datetime.now(UTC)
    baseline = measure("plain text (the -word PDF)",
                       [(y, scan.source_for(y)) for y in args.years], limits, ocr=False,
                       keep=args.keep)
    readings: list[dict[str, Run]] = []
    dpis: list[int] = []  # of each reading
    for dpi in args.dpi:
        scans = [(y, committed[(y, dpi)]) for y in args.years]
        readings.append(measure(f"OCR {dpi} dpi", scans, limits, ocr=True, keep=args.keep))
        dpis.append(dpi)
        if args.sandwiches:
            readings.append(measure(f"OCR {dpi} dpi, Tesseract's PDF of the scan",
                                    [(y, sandwich_of(path)) for y, path in scans],
                                    limits, ocr=True, keep=args.keep))
            dpis.append(dpi)
        # Written after each resolution: a run cut short still says what it measured.
        publish(readings, dpis, baseline, args, started, load,
                done=len(set(dpis)) == len(args.dpi))


def sandwich_of(path: Path) -> Path:
    """The scan's OCR'd copy in SANDWICHES, made if not there (samples/sandwich.py)."""
    SANDWICHES.mkdir(parents=True, exist_ok=True)
    made = SANDWICHES / f"{path.stem}-sandwich.pdf"
    if not made.exists():
        match = SCAN_NAME.fullmatch(path.name)
        assert match is not None
        sandwich.sandwich(path, made, int(match[2]))
    return made


def misses_of(readings: list[dict[str, Run]], dpis: list[int]) -> list[str]:
    misses = []
    for runs, dpi in zip(readings, dpis, strict=True):
        for year, run in runs.items():
            wanted = TARGETS.get(dpi)
            if wanted is not None and recovered(run) < wanted:
                misses.append(f"{run.label}, {year}: {recovered(run):.2%} of figures, "
                              f"target {wanted:.0%}")
            if run.score.figures_wrong:
                misses.append(f"{run.label}, {year}: {run.score.figures_wrong} figures loaded "
                              "wrong: " + "; ".join(run.score.wrong_examples[:5]))
            if run.unverified:
                misses.append(f"{run.label}, {year}: {run.unverified} loaded figures not verified")
            s = run.score
            similarity = s.commentary_similarity / s.commentary_cells if s.commentary_cells else 0
            if dpi == 300 and similarity < COMMENTARY_TARGET:
                misses.append(f"{run.label}, {year}: commentary similarity {similarity:.4f}, "
                              f"target {COMMENTARY_TARGET}")
            misses += run.failures
    return misses


def publish(readings: list[dict[str, Run]], dpis: list[int], baseline: dict[str, Run],
            args: argparse.Namespace, started: datetime, load: float, done: bool) -> None:
    lines = table(readings, baseline)
    misses = misses_of(readings, dpis)
    partial = "" if done else (f" PARTIAL: {len(set(dpis))} of {len(args.dpi)} resolutions "
                               "measured so far.")
    header = (f"Run {started:%Y-%m-%d %H:%M} UTC on commit {commit()}, years "
              f"{', '.join(args.years)}, load average {load:.1f} at the start, "
              f"{os.cpu_count()} cores; {time.monotonic() - START:.0f} s so far.{partial}")
    print(header)
    print("\n".join(lines))
    for miss in misses:
        print(f"MISSED: {miss}")
    if args.write:
        RESULTS.write_text("\n".join([
            "# OCR bench (bench/ocr.py)", "", header, "",
            "The committed scans (tests/fixtures/pdfs/scanned/, made by samples/scan.py: "
            "greyscale JPEG quality 60, slight skew, blur and noise) of the ruled Word "
            "renderings; the baseline ingests those renderings' text layer in the same run. "
            "Figures: every printed figure cell of the Comparative Data and Top Ten tables "
            "against the golden file. Targets (issue 14): 0 figures loaded wrong, every loaded "
            "figure verified; figures recovered >= 90% / 95% / 99% at 100 / 150 / 300 dpi; "
            f"commentary similarity >= {COMMENTARY_TARGET} at 300 dpi."
            + (" \"Tesseract's PDF of the scan\": the scan as another tool's OCR hands it on "
               "(samples/sandwich.py: the same images, Tesseract's words drawn invisibly over "
               "them), which the pipeline leaves out to read the images itself."
               if args.sandwiches else ""), "", *lines, "",
            *(f"- missed: {m}" for m in misses or ["nothing: every target is met"]), ""]),
            encoding="utf-8")


if __name__ == "__main__":
    main()
