"""Cross-checks over validated records. Each finding is a `data_quality_issues` row; the
figures themselves always stay as printed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from schemas.records import DataQualityIssue, PrintedDifference, StageOutcome, TopTenEntry

LABELS = {
    (1, "received"): "S1 rec'd", (1, "upheld_pct"): "S1 % upheld", (1, "escalated"): "S1 escalated",
    (2, "received"): "S2 rec'd", (2, "upheld_pct"): "S2 % upheld",
    (2, "upheld_not_upheld_prev_pct"): "% of S2 upheld not upheld at S1",
    (2, "escalated"): "S2 escalated", (3, "received"): "S3 rec'd", (3, "upheld_pct"): "S3 % upheld",
    (3, "upheld_not_upheld_prev_pct"): "% of S3 upheld not upheld at S2",
}
PERCENT = ("upheld_pct", "upheld_not_upheld_prev_pct")
Key = tuple[str, str, str, int]  # directorate, service_area, period, stage


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
            found.append(DataQualityIssue(
                severity="info", check_name="difference_not_printed", **common,
                detail=f"{label}: Difference printed as {diff.raw_text!r} although both years "
                       f"print a figure ({_fmt(a, diff.measure)} and {_fmt(b, diff.measure)})"))
        elif not math.isclose(diff.printed_value, expected, abs_tol=1e-9):
            found.append(DataQualityIssue(
                severity="warning", check_name="difference_arithmetic", **common,
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
                found.append(DataQualityIssue(
                    severity="error", check_name="top_ten_matches_comparative",
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
                found.append(DataQualityIssue(
                    severity="warning", check_name="percent_reachable",
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
        found.append(DataQualityIssue(
            severity="warning", check_name="s2_escalated_vs_s3_received",
            directorate=directorate, service_area=area, period=period, stage=3, page=s3.page,
            detail=f"S2 escalated {r.escalated} but S3 rec'd {s3.received}"))
    return found
