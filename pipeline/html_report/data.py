"""What the HTML report shows, read from the warehouse as typed rows that each carry the
report file and page they were printed on (so every number in the page can cite its source).

Every query filters reports by council through the same `COUNCIL_FILTER`, and areas through
`AREA_FILTER`, so a council dimension on the tables is one edit here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import duckdb

from pipeline.errors import UsageError

# `?` pairs: the first parameter NULL means "every council" / "every area".
COUNCIL_FILTER = "(?::VARCHAR IS NULL OR lower(r.council) = lower(?::VARCHAR))"
T = TypeVar("T")
AREA_FILTER = "(?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], {table}.service_area))"

# complaint_trends says which report year a cell comes from; the source row is that report's
# printing of it (the same tie-break as the view: lowest sha256 among equal report years).
TREND_CELLS_SQL = f"""
WITH sourced AS (
    SELECT t.directorate, t.service_area, t.period, t.stage, t.received, t.upheld_pct,
           t.escalated, t.restated, r.file_name, r.report_year, s.page,
           row_number() OVER (PARTITION BY t.council, t.directorate, t.service_area, t.period,
                                           t.stage ORDER BY r.sha256) AS pick
    FROM complaint_trends t
    JOIN stage_outcomes s
      ON s.council = t.council
     AND s.directorate = t.directorate AND s.service_area = t.service_area
     AND s.period = t.period AND s.stage = t.stage
     AND s.received IS NOT DISTINCT FROM t.received
     AND s.upheld_pct IS NOT DISTINCT FROM t.upheld_pct
     AND s.escalated IS NOT DISTINCT FROM t.escalated
    JOIN reports r ON r.report_id = s.report_id AND r.report_year = t.source_report_year
    WHERE {COUNCIL_FILTER} AND {AREA_FILTER.format(table="t")}
)
SELECT directorate, service_area, period, stage, received, upheld_pct, escalated, restated,
       file_name, report_year, page
FROM sourced WHERE pick = 1
ORDER BY directorate, service_area, stage, period
"""

# Every report's printing of every cell (a few rows per cell): the page keeps those of restated
# cells, so it can show both values. Cheaper than asking complaint_trends a second time.
PRINTINGS_SQL = f"""
SELECT s.directorate, s.service_area, s.period, s.stage, s.received, s.upheld_pct,
       s.escalated, r.file_name, r.report_year, s.page
FROM stage_outcomes s JOIN reports r USING (report_id)
WHERE {COUNCIL_FILTER} AND {AREA_FILTER.format(table="s")}
ORDER BY s.directorate, s.service_area, s.period, s.stage, r.report_year, r.file_name
"""

# The Top Ten table of the latest report that has one (this year and last year).
TOP_TEN_SQL = f"""
WITH latest AS (
    SELECT t.report_id FROM top_ten t JOIN reports r USING (report_id)
    WHERE {COUNCIL_FILTER}
    ORDER BY r.report_year DESC, r.sha256 LIMIT 1
)
SELECT t.rank, t.printed_name, t.directorate, t.service_area, t.period, t.stage, t.received,
       t.upheld_pct, r.file_name, r.report_year, t.page
FROM top_ten t JOIN reports r USING (report_id) JOIN latest USING (report_id)
ORDER BY t.rank, t.stage, t.period DESC
"""

FINDINGS_SQL = f"""
SELECT d.severity, d.check_name, d.directorate, d.service_area, d.period, d.stage, d.detail,
       r.file_name, r.report_year, d.page
FROM data_quality_issues d JOIN reports r USING (report_id)
WHERE {COUNCIL_FILTER} AND {AREA_FILTER.format(table="d")}
ORDER BY d.check_name, r.report_year, r.file_name, d.page, d.directorate, d.service_area,
         d.period, d.stage, d.detail
"""

# Texts come from the latest report that printed any for the area.
_LATEST_TEXTS = """
WITH ranked AS (
    SELECT x.*, r.file_name, r.report_year,
           dense_rank() OVER (PARTITION BY x.council, x.directorate, x.service_area
                              ORDER BY r.report_year DESC, r.sha256) AS recency
    FROM {table} x JOIN reports r USING (report_id)
    WHERE {council} AND {area}
)
SELECT {columns}, file_name, report_year, page FROM ranked WHERE recency = 1
ORDER BY directorate, service_area, {order}
"""
COMMENTARY_SQL = _LATEST_TEXTS.format(
    table="commentary", council=COUNCIL_FILTER, area=AREA_FILTER.format(table="x"),
    columns="directorate, service_area, stage, key_themes, service_response, "
            "complaints_team_comment", order="stage")
COMMITMENTS_SQL = _LATEST_TEXTS.format(
    table="service_commitments", council=COUNCIL_FILTER, area=AREA_FILTER.format(table="x"),
    columns="directorate, service_area, commitment_year, item_no, commitment, progress",
    order="commitment_year, item_no")

QUARANTINE_SQL = f"""
SELECT r.file_name, r.report_year, count(q.report_id) AS quarantined
FROM reports r LEFT JOIN quarantine q USING (report_id)
WHERE {COUNCIL_FILTER}
GROUP BY ALL ORDER BY r.report_year, r.file_name
"""

COUNCILS_SQL = "SELECT DISTINCT council FROM reports ORDER BY council NULLS LAST"

REPORTS_SQL = f"""
SELECT r.file_name, r.report_year, r.page_count, r.council FROM reports r
WHERE {COUNCIL_FILTER} ORDER BY r.report_year, r.file_name
"""


@dataclass(frozen=True)
class Source:
    """Where a number was printed."""

    file_name: str
    report_year: str
    page: int | None

    def cite(self) -> str:
        where = f", p. {self.page}" if self.page is not None else ""
        return f"{self.file_name} ({self.report_year} report{where})"


@dataclass(frozen=True)
class Printing:
    """One report's printing of a cell that reports disagree on."""

    received: int | None
    upheld_pct: float | None
    escalated: int | None
    source: Source


@dataclass(frozen=True)
class TrendCell:
    """One area × period × stage of complaint_trends, with its source and, when restated,
    every report's printing of it."""

    directorate: str
    service_area: str
    period: str
    stage: int
    received: int | None
    upheld_pct: float | None
    escalated: int | None
    restated: bool
    source: Source
    printings: tuple[Printing, ...] = ()


@dataclass(frozen=True)
class TopTenRow:
    rank: int
    printed_name: str
    directorate: str
    service_area: str
    period: str
    stage: int
    received: int | None
    upheld_pct: float | None
    source: Source


@dataclass(frozen=True)
class Finding:
    severity: str
    check_name: str
    directorate: str | None
    service_area: str | None
    period: str | None
    stage: int | None
    detail: str
    source: Source


@dataclass(frozen=True)
class CommentaryRow:
    directorate: str
    service_area: str
    stage: int
    key_themes: str | None
    service_response: str | None
    complaints_team_comment: str | None
    source: Source


@dataclass(frozen=True)
class CommitmentRow:
    directorate: str
    service_area: str
    commitment_year: str
    item_no: int
    commitment: str
    progress: str | None
    source: Source


@dataclass(frozen=True)
class ReportFile:
    file_name: str
    report_year: str
    page_count: int
    council: str | None
    quarantined: int


@dataclass(frozen=True)
class WarehouseExtract:
    """Everything the page shows, for one council (or all) and some areas (or all)."""

    council: str | None
    areas: tuple[str, ...]
    reports: tuple[ReportFile, ...]
    cells: tuple[TrendCell, ...]
    top_ten: tuple[TopTenRow, ...]
    findings: tuple[Finding, ...]
    commentary: tuple[CommentaryRow, ...]
    commitments: tuple[CommitmentRow, ...]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def _source(row: tuple) -> Source:
    """The last three columns of every query are file_name, report_year, page."""
    return Source(row[-3], row[-2], row[-1])


def _record(build: Callable[..., T], row: tuple) -> T:
    """A query row as a record: its leading columns, then its source."""
    return build(*row[:-3], source=_source(row))


def _attach_printings(cells: list[TrendCell], printings: list[tuple]) -> list[TrendCell]:
    by_cell: dict[tuple, list[Printing]] = {}
    for p in printings:
        by_cell.setdefault(p[:4], []).append(Printing(p[4], p[5], p[6], _source(p)))
    return [replace(c, printings=tuple(by_cell[(c.directorate, c.service_area, c.period,
                                                 c.stage)])) if c.restated else c
            for c in cells]


def resolve_council(con: duckdb.DuckDBPyConnection, asked: str | None) -> str | None:
    """The council to report on: the one asked for (any case, or the start of its name:
    'thurrock'), else the only council named in the warehouse; None (every report) where no
    report names one. A report never mixes two councils' figures, so several named councils
    need a choice."""
    councils = [row[0] for row in con.execute(COUNCILS_SQL).fetchall()]
    named = [c for c in councils if c]
    if asked is not None:
        wanted = asked.strip().lower()
        match = [c for c in named if c.lower() == wanted] or [
            c for c in named if c.lower().startswith(wanted)]
        if len(match) > 1:
            raise UsageError(f"council {asked!r} could be any of {', '.join(match)}; give more "
                             "of its name")
        if not match:
            held = ", ".join(map(repr, named)) or "no named council"
            raise UsageError(f"no reports of council {asked!r} in the warehouse (it holds "
                             f"{held}); see `complaints reports`")
        return match[0]
    if len(named) > 1:
        raise UsageError(f"the warehouse holds reports of {len(named)} councils "
                         f"({', '.join(named)}); choose one with --council")
    return named[0] if named and len(councils) == 1 else None


def read_warehouse(con: duckdb.DuckDBPyConnection, council: str | None = None,
                   areas: tuple[str, ...] = ()) -> WarehouseExtract:
    """Run the report's queries; `areas` are canonical service-area names (empty: all)."""
    by_council = [council, council]
    area_list = list(areas) or None
    by_both = by_council + [area_list, area_list]
    quarantined = {(r[0], r[1]): r[2] for r in _rows(con, QUARANTINE_SQL, by_council)}
    reports = tuple(ReportFile(r[0], r[1], r[2], r[3], quarantined[(r[0], r[1])])
                    for r in _rows(con, REPORTS_SQL, by_council))
    cells = [_record(TrendCell, r) for r in _rows(con, TREND_CELLS_SQL, by_both)]
    cells = _attach_printings(cells, _rows(con, PRINTINGS_SQL, by_both))
    return WarehouseExtract(
        council=council, areas=areas, reports=reports, cells=tuple(cells),
        top_ten=tuple(_record(TopTenRow, r) for r in _rows(con, TOP_TEN_SQL, by_council)),
        findings=tuple(_record(Finding, r) for r in _rows(con, FINDINGS_SQL, by_both)),
        commentary=tuple(_record(CommentaryRow, r) for r in _rows(con, COMMENTARY_SQL, by_both)),
        commitments=tuple(_record(CommitmentRow, r)
                          for r in _rows(con, COMMITMENTS_SQL, by_both)),
    )
