"""The multi-year view analysts query: one row per area × period × stage across reports."""

from __future__ import annotations

# The figure from the report whose own year is the period wins; otherwise the latest report.
# `restated` is true where another report printed a different figure for the same cell.
TRENDS_VIEW_SQL = """
CREATE OR REPLACE VIEW complaint_trends AS
WITH ranked AS (
    SELECT s.*, r.report_year AS source_report_year,
           row_number() OVER (
               PARTITION BY s.directorate, s.service_area, s.period, s.stage
               ORDER BY (s.period = r.report_year) DESC, r.report_year DESC, r.sha256
           ) AS preference
    FROM stage_outcomes s JOIN reports r USING (report_id)
),
spread AS (
    SELECT directorate, service_area, period, stage,
           count(DISTINCT received) > 1
           OR count(DISTINCT upheld_pct) > 1
           OR count(DISTINCT escalated) > 1
           OR count(DISTINCT upheld_not_upheld_prev_pct) > 1 AS restated
    FROM stage_outcomes
    GROUP BY ALL
)
SELECT ranked.directorate, ranked.service_area, ranked.period, ranked.stage,
       received, upheld_pct, escalated, upheld_not_upheld_prev_pct,
       source_report_year, spread.restated
FROM ranked JOIN spread USING (directorate, service_area, period, stage)
WHERE preference = 1
"""
