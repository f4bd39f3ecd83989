"""Load: a report's records into DuckDB in one short transaction, whole or not at all (reports
ready together can share one, each loaded as it would be alone). A report is identified by
(council, report year); its sha256 is the content version. The write lock is held only while
reports ready to load are loaded (`ReportLoader`), so readers are blocked for a moment, not for
a whole run."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import duckdb

from pipeline.errors import PipelineError, ReportConflictError, WarehouseError
from pipeline.trends import RESTATEMENTS_SQL
from pipeline.warehouse import (
    LOCK_WAIT_SECONDS,
    SECTIONS_TABLE_NAME,
    WaitCallback,
    report_tables,
    warehouse,
)
from pipeline.warehouse_attach import attached_warehouse
from pipeline.warehouse_lock import RETRY_SECONDS

if TYPE_CHECKING:  # records and the family registry are imported by what loads a report
    from pydantic import BaseModel

    from pipeline.families import WarehouseTable
    from schemas.records import IngestStatus, ReportRecords


def _rows(models: Sequence[BaseModel], **extra: object) -> list[dict]:
    return [{**extra, **m.model_dump()} for m in models]


def _bulk_insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """One INSERT per table, not one per row."""
    _insert_batches(con, [(table, rows)])


def _insert_batches(con: duckdb.DuckDBPyConnection,
                    batches: Sequence[tuple[str, list[dict]]]) -> None:
    """Each (table, rows) as one INSERT whose columns arrive as list parameters, unnested
    side by side. A report fills about ten tables with a few dozen rows each: DuckDB scanning
    a registered Arrow table cost about 2.5 ms per statement whatever its size, and building
    the Arrow tables more; with lists bound as parameters a report's inserts take about two
    thirds of the time (40 corpus reports: 1.7 -> 1.1 s), and the loading process need not
    import pyarrow. Columns are the first row's keys (all rows of a table
    come from one model); DuckDB casts each list to the column's type as it did Arrow's."""
    for table, rows in batches:
        if not rows:
            continue
        columns = list(rows[0])
        names = ", ".join(f'"{c}"' for c in columns)
        unnested = ", ".join(f"unnest(${n})" for n in range(1, len(columns) + 1))
        con.execute(f"INSERT INTO {table} ({names}) SELECT {unnested}",
                    [[row.get(c) for row in rows] for c in columns])


def refresh_restatements(con: duckdb.DuckDBPyConnection, council: str | None = None) -> None:
    """Findings between reports are recomputed whole, so load order never matters: for one
    council (a figure is only ever compared with its own council's reports), or for all."""
    if council is None:
        con.execute("DELETE FROM data_quality_issues WHERE check_name = 'restatement'")
    else:
        con.execute("DELETE FROM data_quality_issues WHERE check_name = 'restatement' "
                    "AND council = ?", [council])
    con.execute(RESTATEMENTS_SQL, [council])


def _delete_reports(con: duckdb.DuckDBPyConnection, report_ids: Iterable[str]) -> None:
    for old in report_ids:
        for table in reversed(report_tables()):  # children first, `reports` (the key) last
            con.execute(f"DELETE FROM {table} WHERE report_id = ?", [old])


def _record_tables() -> tuple[WarehouseTable, ...]:
    """The report's sections and every registered family's tables (imported when a report
    is loaded: a run that loads nothing needs neither the registry nor the record models)."""
    from pipeline.families import WarehouseTable, family_tables
    from schemas.records import ReportSection

    return (WarehouseTable(SECTIONS_TABLE_NAME, ReportSection), *family_tables())


@dataclass(frozen=True)
class ReportLoad:
    """One report to load: its records, how (`replace`, `force`: see `replace_report`) and its
    `ingest_runs` row (its status is filled in)."""
    records: ReportRecords
    replace: bool = False
    force: bool = False
    run_row: dict[str, Any] | None = None


LoadResult = Union["IngestStatus", PipelineError]


def replace_report(con: duckdb.DuckDBPyConnection, records: ReportRecords, *,
                   replace: bool = False, force: bool = False,
                   run_row: dict[str, Any] | None = None) -> IngestStatus:
    """Load one report in one transaction: "loaded", "replaced" (same identity, or the same
    bytes re-read) or "unchanged" (a concurrent ingest loaded these bytes meanwhile). Another
    file for a council-year already loaded is refused unless `replace`."""
    result = replace_reports(con, [ReportLoad(records, replace, force, run_row)])[0]
    if isinstance(result, PipelineError):
        raise result
    return result


def replace_reports(con: duckdb.DuckDBPyConnection,
                    loads: Sequence[ReportLoad]) -> list[LoadResult]:
    """Load reports in one transaction, each as `replace_report` would alone: its status, or
    the error that refused it (another file's council-year, a failed load). A report refused or
    unchanged leaves the others to load. A report's statements cost about the same whatever
    their size, so reports loaded together cost about 60% of each alone (two corpus reports);
    if the shared transaction fails, each is loaded again in its own, so only a report that
    fails alone fails. Reports that would see each other (the same bytes, the same
    council-year) are loaded one after the other (together, the warehouse's keys would refuse
    the pair, and each would be loaded alone after a failed transaction)."""
    if len(loads) > 1 and _independent(loads):
        try:
            return _load_together(con, loads)
        except WarehouseError:
            pass  # each alone, below: the one at fault fails, the others load
    results: list[LoadResult] = []
    for one in loads:
        try:
            results += _load_together(con, [one])
        except WarehouseError as error:
            results.append(error)
    return results


def _independent(loads: Sequence[ReportLoad]) -> bool:
    reports = [one.records.report for one in loads]
    return (len({r.sha256 for r in reports}) == len({(r.council, r.report_year)
                                                       for r in reports}) == len(reports))


def _load_together(con: duckdb.DuckDBPyConnection,
                   loads: Sequence[ReportLoad]) -> list[LoadResult]:
    """One transaction for `loads` (independent of each other); raises WarehouseError, with
    nothing loaded, if it fails."""
    con.execute("BEGIN TRANSACTION")
    try:
        results: list[LoadResult] = []
        old_ids: list[str] = []
        batches: dict[str, list[dict]] = {}
        refresh: set[str] = set()
        loaded_councils: list[str] = []
        for one in loads:
            result = _plan(con, one, old_ids, batches, refresh)
            results.append(result)
            if not isinstance(result, PipelineError) and result != "unchanged":
                loaded_councils.append(one.records.report.council)
        if not loaded_councils:
            con.execute("ROLLBACK")
            return results
        # two of a council's reports in one transaction restate each other
        refresh |= {c for c in loaded_councils if loaded_councils.count(c) > 1}
        _delete_reports(con, old_ids)
        _insert_batches(con, list(batches.items()))
        for council in sorted(refresh):
            refresh_restatements(con, council)
        con.execute("COMMIT")
        return results
    except (duckdb.Error, UnicodeError) as error:
        _rollback(con)
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise WarehouseError(f"load failed, nothing of this report was loaded ({first_line})",
                             file_name=loads[0].records.report.source_path) from error
    except BaseException:
        _rollback(con)
        raise


def _plan(con: duckdb.DuckDBPyConnection, one: ReportLoad, old_ids: list[str],
          batches: dict[str, list[dict]], refresh: set[str]) -> LoadResult:
    """What loading `one` takes: its status or the error refusing it; the reports it replaces
    go to `old_ids`, its rows to `batches` (by table), the councils whose restatements it
    changes to `refresh`."""
    report = one.records.report
    # one query for the questions: these bytes loaded? this council-year? by whom? and
    # does the council have other reports (whose restatements this one can change)?
    council_reports = con.execute(
        "SELECT report_id, sha256, extractor_fingerprint, source_path, "
        "report_year = ? AS this_year, council FROM reports WHERE sha256 = ? OR council = ?",
        [report.report_year, report.sha256, report.council]).fetchall()
    found = [r for r in council_reports if r[1] == report.sha256 or r[4]]
    same = next((r for r in found if r[1] == report.sha256), None)
    if same and not one.force and same[2] == report.extractor_fingerprint:
        return "unchanged"
    rival = next((r for r in found if r[1] != report.sha256), None)
    if rival and not one.replace:
        return ReportConflictError(
            f"{report.council} {report.report_year} is already loaded from {rival[3]} "
            "(different bytes); nothing of this file was loaded", file_name=report.source_path)
    old_ids.extend(r[0] for r in found)
    status: IngestStatus = "replaced" if found else "loaded"
    report_columns = report.model_dump()
    rows: list[tuple[str, list[dict]]] = [("reports", [report_columns])]
    for table in _record_tables():
        extra = {column: report_columns[column] for column in table.report_columns}
        rows.append((table.name, _rows(one.records.rows(table.name), **extra)))
    identity = {"report_id": report.report_id, "council": report.council,
                "report_year": report.report_year}
    rows.append(("data_quality_issues", _rows(one.records.issues, **identity)))
    rows.append(("quarantine", _rows(one.records.quarantine, **identity)))
    if one.run_row is not None:
        rows.append(("ingest_runs", [{**one.run_row, "status": status}]))
    for table_name, table_rows in rows:
        batches.setdefault(table_name, []).extend(table_rows)
    # A council's only report restates nothing and nothing of it is restated; the same
    # bytes loaded before under another council (--council) leave that one's to redo.
    refresh.update({r[5] for r in found} - {report.council})
    if len(council_reports) > len(found):  # the council has other reports
        refresh.add(report.council)
    return status


class ReportLoader:
    """Loads an ingest's reports (each alone, or a group in one transaction) through one
    attachment of the warehouse for as long as reports keep arriving: the ingest keeps the file
    while it waits for the next extraction only until `HOLD_SECONDS` have passed since the
    attachment (`hold_left`), then lets go (`let_go`). So reports that arrive within a second of
    each other share one ATTACH and one DETACH (DETACH's checkpoint and the file checks cost
    about 35 ms of CPU each time on the samples), and a reader waiting on the lock gets the file
    at least every `HOLD_SECONDS` (plus the one load under way): once let go, the file is not
    attached again for `READERS_TURN`, so a reader retrying for the lock gets its turn even when
    the next report is ready at once. Any failure lets go at once."""

    HOLD_SECONDS = 1.0  # a reader waiting on the lock (`complaints query`) waits no longer
    READERS_TURN = 2 * RETRY_SECONDS  # two of a waiting reader's tries

    def __init__(self, path: Path, *, wait: float = LOCK_WAIT_SECONDS,
                 on_wait: WaitCallback | None = None) -> None:
        self.path, self.wait, self.on_wait = path, wait, on_wait
        self._attached = ExitStack()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._since = 0.0
        self._let_go_at = -math.inf

    def load_together(self, loads: Sequence[ReportLoad]) -> list[LoadResult]:
        """Reports ready at the same time, in one transaction (`replace_reports`)."""
        try:
            if self._con is not None and time.monotonic() - self._since >= self.HOLD_SECONDS:
                self.let_go()
            if self._con is None:
                _give_readers_their_turn(self.READERS_TURN - (time.monotonic() - self._let_go_at))
                self._con = self._attached.enter_context(attached_warehouse(
                    self.path, wait=self.wait, on_wait=self.on_wait))
                self._since = time.monotonic()
            results = replace_reports(self._con, loads)
        except BaseException:
            self.let_go()
            raise
        if any(isinstance(result, PipelineError) for result in results):
            self.let_go()  # a refusal too: any failure lets go at once
        return results

    @property
    def attached(self) -> bool:
        return self._con is not None

    def hold_left(self) -> float:
        """Seconds the warehouse may still be kept attached while nothing is loaded (0 when
        it is not attached)."""
        if self._con is None:
            return 0.0
        return max(0.0, self.HOLD_SECONDS - (time.monotonic() - self._since))

    def let_go(self) -> None:
        """Detach the warehouse (its lock goes with it), if attached."""
        if self._con is not None:
            self._let_go_at = time.monotonic()
        self._con = None
        self._attached.close()


def _give_readers_their_turn(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def record_runs(path: Path, rows: list[dict[str, Any]], *, wait: float = LOCK_WAIT_SECONDS,
                on_wait: WaitCallback | None = None) -> None:
    """The `ingest_runs` rows of files that were not loaded (unchanged, failed): one write."""
    if rows:
        with attached_warehouse(path, wait=wait, on_wait=on_wait, families=False) as con:
            _bulk_insert(con, "ingest_runs", rows)


REPORT_MATCH_SQL = """
SELECT report_id, council, report_year, source_path FROM reports
WHERE sha256 = ? OR source_path = ? OR file_name = ? OR (council = ? AND report_year = ?)
"""


def remove_reports(path: Path, *, sha256: str | None = None, name: str | None = None,
                   council: str | None = None, report_year: str | None = None,
                   run_row: dict[str, Any] | None = None,
                   wait: float = LOCK_WAIT_SECONDS) -> list[tuple[str, str, str]]:
    """Delete the matching reports' rows in one transaction: [(council, year, source_path)]."""
    with warehouse(path, wait=wait) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            found = con.execute(REPORT_MATCH_SQL,
                                [sha256, name, name, council, report_year]).fetchall()
            _delete_reports(con, [r[0] for r in found])
            if run_row is not None:
                _bulk_insert(con, "ingest_runs", [
                    {**run_row, "status": "removed", "report_id": rid, "council": c,
                     "report_year": y, "source_path": p} for rid, c, y, p in found])
            refresh_restatements(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return [(c, y, p) for _, c, y, p in found]


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """A failed COMMIT (disk full) has already ended the transaction: nothing to roll back."""
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")
