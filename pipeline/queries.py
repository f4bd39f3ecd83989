"""The SQL the analyst commands run (`reports`, `check`, `trends`), and running a query against
the warehouse opened read-only (`query` too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import WarehouseError
from pipeline.warehouse import warehouse


def run_query(db: Path, sql: str, params: list[Any] | None = None) -> tuple[list[str], list]:
    """`sql` against the warehouse opened read-only (sandboxed): the columns and rows; a
    failing query is one line."""
    with warehouse(db, read_only=True) as con:
        try:
            cursor = con.execute(sql, params or [])
        except duckdb.Error as error:
            message = str(error).splitlines()[0]
            raise WarehouseError(f"query failed: {message}", hint="") from error
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()


REPORTS_SQL = """
SELECT r.council, r.report_year, r.source_path, r.file_name, r.page_count AS pages,
       (SELECT count(*) FROM stage_outcomes s WHERE s.report_id = r.report_id) AS stage_outcomes,
       (SELECT count(*) FROM commentary c WHERE c.report_id = r.report_id) AS commentary,
       (SELECT count(*) FROM service_commitments c WHERE c.report_id = r.report_id) AS commitments,
       (SELECT count(*) FROM data_quality_issues d WHERE d.report_id = r.report_id) AS issues,
       (SELECT count(*) FROM quarantine q WHERE q.report_id = r.report_id) AS quarantined,
       r.extractor_fingerprint, r.ingested_at
FROM reports r ORDER BY r.council, r.report_year
"""

CHECK_SQL = """
SELECT d.council, d.report_year, d.severity, d.check_name, d.directorate, d.service_area, d.period,
       d.stage, d.detail, d.page, r.file_name
FROM data_quality_issues d JOIN reports r USING (report_id)
WHERE (? IS NULL OR d.severity = ?)
ORDER BY d.council, d.report_year,
         CASE d.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, d.page, d.detail
"""

TRENDS_SQL = """
SELECT council, period, stage, received, upheld_pct, restated FROM complaint_trends
WHERE lower(service_area) = lower(?) AND (? IS NULL OR council = ?)
ORDER BY council, period, stage
"""
