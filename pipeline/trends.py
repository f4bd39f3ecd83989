"""The multi-year view: one trustworthy series per area × period × stage across reports,
restatements found between reports, and the small helpers the `trends` command prints."""

from __future__ import annotations

from collections.abc import Sequence

# One series per council: a figure is only ever compared with the same council's reports.
# The figure from the report whose own year is that period wins; otherwise the latest report.
# `restated` is true where another report printed a different figure for the same cell.
TRENDS_VIEW_SQL = """
CREATE OR REPLACE VIEW complaint_trends AS
WITH ranked AS (
    SELECT s.*, s.report_year AS source_report_year,
           row_number() OVER (
               PARTITION BY s.council, s.directorate, s.service_area, s.period, s.stage
               ORDER BY (s.period = s.report_year) DESC, s.report_year DESC, r.sha256
           ) AS preference
    FROM stage_outcomes s JOIN reports r USING (report_id)
),
spread AS (
    SELECT council, directorate, service_area, period, stage,
           count(DISTINCT coalesce(received, -1)) > 1
           OR count(DISTINCT coalesce(upheld_pct, -1)) > 1
           OR count(DISTINCT coalesce(escalated, -1)) > 1
           OR count(DISTINCT coalesce(upheld_not_upheld_prev_pct, -1)) > 1 AS restated
    FROM stage_outcomes
    GROUP BY ALL
)
SELECT ranked.council, ranked.directorate, ranked.service_area, ranked.period,
       ranked.period_start, ranked.stage,
       received, upheld_pct, escalated, upheld_not_upheld_prev_pct,
       source_report_year, spread.restated
FROM ranked JOIN spread USING (council, directorate, service_area, period, stage)
WHERE preference = 1
"""

# Every cell two reports of the same council print differently, one finding per measure,
# attached to the report that restates (the one whose own year is not the period). Recomputed
# after each load, so the result never depends on the order reports arrive in: for the one
# council given as the parameter (only its findings can change), or for all with NULL.
RESTATEMENTS_SQL = """
INSERT INTO data_quality_issues (report_id, council, report_year, severity, check_name,
                                 directorate, service_area, period, stage, detail, page)
WITH cells AS (
    SELECT s.*, r.file_name,
           unnest(['received', 'upheld_pct', 'escalated', 'upheld_not_upheld_prev_pct'])
               AS measure,
           unnest([received::DOUBLE, upheld_pct, escalated::DOUBLE,
                   upheld_not_upheld_prev_pct]) AS value
    FROM stage_outcomes s JOIN reports r USING (report_id)
    WHERE s.council = coalesce(?, s.council)
)
SELECT later.report_id, later.council, later.report_year, 'warning', 'restatement',
       later.directorate, later.service_area, later.period, later.stage,
       format('{} {}: {} ({}) prints {}, {} ({}) printed {}', later.measure,
              later.period, later.file_name, later.report_year,
              CASE WHEN later.value IS NULL THEN 'N/A' ELSE printf('%g', later.value) END,
              own.file_name, own.report_year,
              CASE WHEN own.value IS NULL THEN 'N/A' ELSE printf('%g', own.value) END),
       later.page
FROM cells later JOIN cells own
  ON own.council = later.council AND own.directorate = later.directorate
 AND own.service_area = later.service_area AND own.period = later.period
 AND own.stage = later.stage AND own.measure = later.measure
WHERE own.report_year = own.period AND later.report_year <> later.period
  AND own.value IS DISTINCT FROM later.value
"""

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None]) -> str:
    """'▁▄█' for rising values; a space where a year has no figure."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    low, high = min(known), max(known)
    span = high - low
    return "".join(" " if v is None else SPARKS[0 if span == 0 else
                                                 round((v - low) / span * (len(SPARKS) - 1))]
                   for v in values)
