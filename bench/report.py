"""Benchmark: `complaints report` on a synthetic warehouse of 10 report years x 11 areas.

The warehouse is made through the project's load API (records → replace_report), one report
per year, each printing its own year and the year before (with a few restated figures and
findings, as real reports have). Then, in the same run, it times end to end as a user runs
them:
- the baseline: `complaints query "SELECT 1"` (interpreter, imports, opening the warehouse);
- `complaints report --out FILE.html` on the same warehouse.
The budget is 2 s for the report command. Prints only what this run measured.

    .venv/bin/python bench/report.py [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pipeline.load import replace_report
from pipeline.warehouse import open_warehouse
from schemas.records import (
    Commentary,
    DataQualityIssue,
    ReportInfo,
    ReportRecords,
    ServiceCommitment,
    StageOutcome,
    TopTenEntry,
)

AREAS = (("Adults", "Adult Social Care"), ("Children's", "SEN"),
         ("Communications", "Contact Centre"), ("Environment", "Missed Collections"),
         ("Environment", "Non Return of Bins"), ("Finance", "Council Tax"),
         ("Housing", "Estates Services"), ("Housing", "Housing Solutions"),
         ("Housing", "Repairs"), ("Housing", "Transforming Homes"),
         ("Place", "Development Management"))
BUDGET_SECONDS = 2.0


def year(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


def figures(rng: random.Random) -> dict[int, dict]:
    """One area-period's stage figures, shaped like the samples (stage 3 escalates nowhere)."""
    s1 = rng.randint(20, 400)
    s2 = rng.randint(2, max(3, s1 // 4))
    s3 = rng.randint(0, max(1, s2 // 3))
    return {
        1: {"received": s1, "upheld_pct": float(rng.randint(10, 80)), "escalated": s2},
        2: {"received": s2, "upheld_pct": float(rng.randint(10, 80)), "escalated": s3,
            "upheld_not_upheld_prev_pct": float(rng.randint(0, 30))},
        3: {"received": s3, "upheld_pct": float(rng.randint(0, 100)),
            "upheld_not_upheld_prev_pct": float(rng.randint(0, 30))},
    }


def report_info(**identity: object) -> ReportInfo:
    """A ReportInfo from whichever of these fields the record has (the identity fields grew
    with the council dimension; the bench should run on either side of that change)."""
    return ReportInfo(**{k: v for k, v in identity.items() if k in ReportInfo.model_fields})


def synthetic_reports(years: int, seed: int = 13) -> list[ReportRecords]:
    rng = random.Random(seed)
    first = 2019 - years + 1
    truth = {(area, year(y)): figures(rng) for area in AREAS for y in range(first - 1, 2020)}
    reports = []
    for y in range(first, 2020):
        own, prior = year(y), year(y - 1)
        outcomes, top_ten, texts, commitments, issues = [], [], [], [], []
        for index, (directorate, area) in enumerate(AREAS):
            page = 3 + index
            for period in (own, prior):
                for stage, measures in truth[((directorate, area), period)].items():
                    printed = dict(measures)
                    if period == prior and rng.random() < 0.03:  # a restated figure
                        printed["received"] = printed["received"] + 1
                    outcomes.append(StageOutcome(period=period, directorate=directorate,
                                                 service_area=area, stage=stage, page=page,
                                                 **printed))
                    if index < 10:
                        top_ten.append(TopTenEntry(
                            period=period, directorate=directorate, service_area=area,
                            stage=stage, page=1, rank=index + 1,
                            printed_name=f"{directorate} – {area}", **printed))
            for stage in (1, 2, 3):
                texts.append(Commentary(
                    directorate=directorate, service_area=area, stage=stage, page=page,
                    key_themes=f"Stage {stage}: delays and communication in {own}.",
                    service_response="A named contact for each complaint.",
                    complaints_team_comment="Volumes are being monitored."))
            for item in (1, 2, 3):
                commitments.append(ServiceCommitment(
                    directorate=directorate, service_area=area, commitment_year=own,
                    item_no=item, commitment=f"Commitment {item} for {own}.",
                    progress="Done in the second half of the year.", page=page))
            issues.append(DataQualityIssue(
                severity="warning", check_name="percent_reachable", directorate=directorate,
                service_area=area, period=own, stage=2, page=page,
                detail="% upheld 33% cannot be k of 7 received"))
        sha = hashlib.sha256(f"synthetic report {own}".encode()).hexdigest()
        reports.append(ReportRecords(
            report=report_info(report_id=sha[:16], file_name=f"complaints-{y}.pdf",
                               sha256=sha, source_path=f"bench/complaints-{y}.pdf",
                               council="Synthetic Borough Council", report_year=own,
                               page_count=20, extractor="bench", extractor_version="0",
                               extractor_fingerprint="bench", ingested_at=datetime.now(UTC)),
            tables={"stage_outcomes": tuple(outcomes), "top_ten": tuple(top_ten),
                    "commentary": tuple(texts), "service_commitments": tuple(commitments)},
            issues=tuple(issues)))
    return reports


def timed(command: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user + system) seconds of each run of a command."""
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def describe(name: str, times: tuple[list[float], list[float]]) -> str:
    wall, cpu = times
    return (f"{name:<36} wall median {statistics.median(wall):5.2f}s (min {min(wall):4.2f}, "
            f"max {max(wall):4.2f}); CPU median {statistics.median(cpu):4.2f}s; "
            f"{len(wall)} runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="Write the warehouse and report here.")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    db, out = folder / "synthetic.duckdb", folder / "report.html"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    con = open_warehouse(db)
    try:
        for records in synthetic_reports(args.years):
            replace_report(con, records)
        cells = con.execute("SELECT count(*), count(DISTINCT period), "
                            "count(DISTINCT service_area), count(*) FILTER (restated) "
                            "FROM complaint_trends").fetchone()
    finally:
        con.close()
    assert cells is not None
    print(f"Synthetic warehouse: {args.years} reports, {cells[1]} periods x {cells[2]} areas, "
          f"{cells[0]} trend cells ({cells[3]} restated), loaded in "
          f"{time.perf_counter() - started:.1f}s")
    complaints = str(Path(sys.executable).with_name("complaints"))
    print("Load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} cores (other work on the machine slows both commands)")
    baseline = timed([complaints, "query", "SELECT 1", "--db", str(db)], args.runs)
    report = timed([complaints, "report", "--out", str(out), "--db", str(db)], args.runs)
    print(describe("baseline: complaints query SELECT 1", baseline))
    print(describe("complaints report", report))
    median = statistics.median(report[0])
    print(f"report minus baseline (wall medians): {median - statistics.median(baseline[0]):.2f}s; "
          f"page {out.stat().st_size / 1e6:.1f} MB")
    print("Load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    cpu = statistics.median(report[1])
    print(f"budget {BUDGET_SECONDS:.0f}s: wall median {median:.2f}s "
          f"{'met' if median < BUDGET_SECONDS else 'MISSED'}; CPU median {cpu:.2f}s "
          f"{'met' if cpu < BUDGET_SECONDS else 'MISSED'} (wall time includes waiting for a core)")


if __name__ == "__main__":
    main()
