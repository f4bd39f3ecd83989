"""Every data-quality check, in one registry: its name, severity and what it catches.

Each finding is a `data_quality_issues` row; the figures themselves always stay as printed.
Some checks run here over a report's validated records (`run`); the others are raised where
the evidence is read (a value that fails validation, a dashboard that cannot be placed) or
across reports in the warehouse (restatements). All are declared here, and only here, so the
README's list is tested against this registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.records import (
    DataQualityIssue,
    PrintedDifference,
    Record,
    Severity,
    StageOutcome,
    TopTenEntry,
)

LABELS = {
    (1, "received"): "S1 rec'd", (1, "upheld_pct"): "S1 % upheld", (1, "escalated"): "S1 escalated",
    (2, "received"): "S2 rec'd", (2, "upheld_pct"): "S2 % upheld",
    (2, "upheld_not_upheld_prev_pct"): "% of S2 upheld not upheld at S1",
    (2, "escalated"): "S2 escalated", (3, "received"): "S3 rec'd", (3, "upheld_pct"): "S3 % upheld",
    (3, "upheld_not_upheld_prev_pct"): "% of S3 upheld not upheld at S2",
}
PERCENT = ("upheld_pct", "upheld_not_upheld_prev_pct")
Key = tuple[str, str, str, int]  # directorate, service_area, period, stage


def _finding(check_name: str, **fields: Any) -> DataQualityIssue:
    return DataQualityIssue(severity=CHECKS[check_name].severity, check_name=check_name,
                            **fields)


def _fmt(value: float | None, measure: str) -> str:
    if value is None:
        return "N/A"
    text = f"{value:g}"
    return f"{text}%" if measure in PERCENT else text


def _by_key(records: Iterable[StageOutcome]) -> dict[Key, StageOutcome]:
    return {(r.directorate, r.service_area, r.period, r.stage): r for r in records}


def check_differences(outcomes: list[StageOutcome], differences: list[PrintedDifference],
                      period: str, prior: str) -> list[DataQualityIssue]:
    """The Difference row should equal this year minus last year, column by column."""
    found = []
    by_key = _by_key(outcomes)
    for diff in differences:
        now = by_key.get((diff.directorate, diff.service_area, period, diff.stage))
        then = by_key.get((diff.directorate, diff.service_area, prior, diff.stage))
        a = getattr(now, diff.measure, None) if now else None
        b = getattr(then, diff.measure, None) if then else None
        label = LABELS[(diff.stage, diff.measure)]
        common: dict[str, Any] = dict(directorate=diff.directorate,
                                      service_area=diff.service_area, period=period,
                                      stage=diff.stage, page=diff.page)
        if a is None or b is None:
            continue
        expected = a - b
        if diff.printed_value is None:
            found.append(_finding(
                "difference_not_printed", **common,
                detail=f"{label}: Difference printed as {diff.raw_text!r} although both years "
                       f"print a figure ({_fmt(a, diff.measure)} and {_fmt(b, diff.measure)})"))
        elif not math.isclose(diff.printed_value, expected, abs_tol=1e-9):
            found.append(_finding(
                "difference_arithmetic", **common,
                detail=f"{label}: Difference printed {diff.raw_text}, but {_fmt(a, diff.measure)}"
                       f" − {_fmt(b, diff.measure)} = {_fmt(expected, diff.measure)}"))
    return found


def check_top_ten_agrees(top_ten: list[TopTenEntry],
                         outcomes: list[StageOutcome]) -> list[DataQualityIssue]:
    """The Top Ten summary and the area's own Comparative Data table should print the same."""
    found = []
    by_key = _by_key(outcomes)
    for entry in top_ten:
        dashboard = by_key.get((entry.directorate, entry.service_area, entry.period, entry.stage))
        if dashboard is None:
            continue
        for measure in ("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct"):
            a, b = getattr(entry, measure), getattr(dashboard, measure)
            if a != b:
                found.append(_finding(
                "top_ten_matches_comparative",
                    directorate=entry.directorate, service_area=entry.service_area,
                    period=entry.period, stage=entry.stage, page=dashboard.page,
                    detail=f"{LABELS[(entry.stage, measure)]}: Top Ten prints "
                           f"{_fmt(a, measure)} (page {entry.page}), Comparative Data prints "
                           f"{_fmt(b, measure)} (page {dashboard.page})"))
    return found


def percent_reachable(percent: float, count: int) -> bool:
    """Could k of `count` complaints print as `percent`, rounded or truncated?"""
    if count == 0:
        return percent == 0
    for k in range(count + 1):
        exact = 100 * k / count
        if math.floor(exact + 1e-9) == percent or math.floor(exact + 0.5) == percent:
            return True
    return False


def check_percentages(outcomes: list[StageOutcome]) -> list[DataQualityIssue]:
    found = []
    for r in outcomes:
        for measure in PERCENT:
            pct = getattr(r, measure)
            if pct is None or r.received is None or r.received > 100_000:
                continue
            if not percent_reachable(pct, r.received):
                found.append(_finding(
                "percent_reachable",
                    directorate=r.directorate, service_area=r.service_area, period=r.period,
                    stage=r.stage, page=r.page,
                    detail=f"{LABELS[(r.stage, measure)]} {_fmt(pct, measure)} cannot be k of "
                           f"{r.received} received for any whole k (rounded or truncated)"))
    return found


def check_escalations(outcomes: list[StageOutcome]) -> list[DataQualityIssue]:
    """Complaints escalated from stage 2 are the ones stage 3 receives."""
    found = []
    by_key = _by_key(outcomes)
    for (directorate, area, period, stage), r in by_key.items():
        if stage != 2 or r.escalated is None:
            continue
        s3 = by_key.get((directorate, area, period, 3))
        if s3 is None or s3.received is None or s3.received == r.escalated:
            continue
        found.append(_finding(
                "s2_escalated_vs_s3_received",
            directorate=directorate, service_area=area, period=period, stage=3, page=s3.page,
            detail=f"S2 escalated {r.escalated} but S3 rec'd {s3.received}"))
    return found


Records = Mapping[str, Sequence[Record]]


@dataclass(frozen=True)
class Check:
    name: str
    severity: Severity
    catches: str
    # Over one report's records (table name -> records); None: raised where its evidence is
    # read (see `where`).
    run: Callable[[Records, str], list[DataQualityIssue]] | None = None
    where: str = "report"


def _typed(records: Records, table: str, kind: type) -> list:
    return [r for r in records.get(table, ()) if isinstance(r, kind)]


def _differences(records: Records, year: str) -> list[DataQualityIssue]:
    from pipeline.normalise import previous_financial_year

    return check_differences(_typed(records, "stage_outcomes", StageOutcome),
                             _typed(records, "printed_differences", PrintedDifference),
                             year, previous_financial_year(year))


def _top_ten(records: Records, year: str) -> list[DataQualityIssue]:
    return check_top_ten_agrees(_typed(records, "top_ten", TopTenEntry),
                                _typed(records, "stage_outcomes", StageOutcome))


def _percentages(records: Records, year: str) -> list[DataQualityIssue]:
    return check_percentages(_typed(records, "stage_outcomes", StageOutcome))


def _escalations(records: Records, year: str) -> list[DataQualityIssue]:
    return check_escalations(_typed(records, "stage_outcomes", StageOutcome))


def _summary_without_dashboard(records: Records, year: str) -> list[DataQualityIssue]:
    seen = {(r.directorate, r.service_area) for r in _typed(records, "stage_outcomes",
                                                              StageOutcome)}
    found, reported = [], set()
    for entry in _typed(records, "top_ten", TopTenEntry):
        key = (entry.directorate, entry.service_area)
        if key in seen or key in reported:
            continue
        reported.add(key)
        found.append(_finding(
            "top_ten_area_without_dashboard", directorate=entry.directorate,
            service_area=entry.service_area, period=year, page=entry.page,
            detail="area is in the Top Ten table but no dashboard was attributed to it"))
    return found


CHECKS: dict[str, Check] = {c.name: c for c in (
    Check("value_quarantined", "error",
          "a printed value that failed validation (unparseable, out of range, under an "
          "unrecognised header, or in a table or dashboard that could not be placed): loaded "
          "as NULL or not at all, and kept in `quarantine` with its raw text and reason",
          where="validation"),
    Check("difference_arithmetic", "warning",
          "the printed Difference is not this year − last year (the values stay as printed)",
          _differences),
    Check("difference_not_printed", "info",
          "the Difference row prints N/A although both years print a figure",
          where="the difference_arithmetic run"),
    Check("top_ten_matches_comparative", "error",
          "the Top Ten table and the area's own Comparative Data table print different figures",
          _top_ten),
    Check("percent_reachable", "warning",
          "a printed percentage cannot be k of the printed count for any whole k, rounded or "
          "truncated (66% for 2 of 3 is accepted)", _percentages),
    Check("s2_escalated_vs_s3_received", "warning",
          "stage 2 escalations differ from stage 3 receipts", _escalations),
    Check("top_ten_area_without_dashboard", "error",
          "the report is incomplete: an area its own Top Ten table names has no dashboard with "
          "figures attributed to it", _summary_without_dashboard),
    Check("dashboard_without_figures", "error",
          "the report is incomplete: a dashboard (heading, note or tables) has no Comparative "
          "Data table, so its texts cannot be placed", where="sections"),
    Check("new_service_area", "warning",
          "an area schemas/areas.toml does not know, printed in the Top Ten and as a dashboard "
          "heading: loaded as a new area; alias it if it is a rename", where="report"),
    Check("section_unattributed", "error",
          "a dashboard whose service area no evidence decides (no heading, no matching Top Ten "
          "row, no elimination); its values are quarantined, never guessed", where="sections"),
    Check("attribution_conflict", "warning",
          "a dashboard's heading names one area and its figures match another's Top Ten row "
          "(the heading wins)", where="sections"),
    Check("directorate_differs_from_catalogue", "warning",
          "an area printed under another directorate than schemas/areas.toml gives (a "
          "reorganisation); the catalogue's directorate is kept so the series stays one",
          where="sections"),
    Check("restatement", "warning",
          "two reports print different figures for the same area, period and stage",
          where="warehouse"),
    Check("ocr_verified", "info",
          "a figure read by OCR (a scanned report) and confirmed by the report's own "
          "redundancy: the detail names the reading and every relation that confirms it (Top "
          "Ten, Difference row, commentary); a figure nothing confirms is quarantined instead",
          where="verify_ocr"),
)}


def run_checks(context: Any) -> list[DataQualityIssue]:
    """Every record-level check over one report's records."""
    found: list[DataQualityIssue] = []
    for check in CHECKS.values():
        if check.run is not None:
            found += check.run(context.records, context.report_year)
    return found
