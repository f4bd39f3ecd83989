"""Load: each report's records into DuckDB in one short transaction. A report is identified by
(council, report year); its sha256 is the content version. The write lock is held only while
reports ready to load are loaded (`ReportLoader`), so readers are blocked for a moment, not for
a whole run."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from pipeline.errors import ReportConflictError, WarehouseError
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


def replace_report(con: duckdb.DuckDBPyConnection, records: ReportRecords, *,
                   replace: bool = False, force: bool = False,
                   run_row: dict[str, Any] | None = None) -> IngestStatus:
    """Load one report in one transaction: "loaded", "replaced" (same identity, or the same
    bytes re-read) or "unchanged" (a concurrent ingest loaded these bytes meanwhile). Another
    file for a council-year already loaded is refused unless `replace`."""
    report = records.report
    rid = report.report_id
    con.execute("BEGIN TRANSACTION")
    try:
        # one query for the questions: these bytes loaded? this council-year? by whom? and
        # does the council have other reports (whose restatements this one can change)?
        council_reports = con.execute(
            "SELECT report_id, sha256, extractor_fingerprint, source_path, "
            "report_year = ? AS this_year, council FROM reports WHERE sha256 = ? OR council = ?",
            [report.report_year, report.sha256, report.council]).fetchall()
        found = [r for r in council_reports if r[1] == report.sha256 or r[4]]
        others = len(council_reports) - len(found)
        same = next((r for r in found if r[1] == report.sha256), None)
        if same and not force and same[2] == report.extractor_fingerprint:
            con.execute("ROLLBACK")
            return "unchanged"
        rival = next((r for r in found if r[1] != report.sha256), None)
        if rival and not replace:
            con.execute("ROLLBACK")
            raise ReportConflictError(
                f"{report.council} {report.report_year} is already loaded from {rival[3]} "
                "(different bytes); nothing of this file was loaded",
                file_name=report.source_path)
        old_ids = [r[0] for r in found]
        _delete_reports(con, old_ids)
        report_columns = report.model_dump()
        batches: list[tuple[str, list[dict]]] = [("reports", [report_columns])]
        for table in _record_tables():
            extra = {column: report_columns[column] for column in table.report_columns}
            batches.append((table.name, _rows(records.rows(table.name), **extra)))
        identity = {"report_id": rid, "council": report.council,
                    "report_year": report.report_year}
        batches.append(("data_quality_issues", _rows(records.issues, **identity)))
        batches.append(("quarantine", _rows(records.quarantine, **identity)))
        status: IngestStatus = "replaced" if old_ids else "loaded"
        if run_row is not None:
            batches.append(("ingest_runs", [{**run_row, "status": status}]))
        _insert_batches(con, batches)
        # A council's only report restates nothing and nothing of it is restated; the same
        # bytes loaded before under another council (--council) leave that one's to redo.
        for council in sorted({r[5] for r in found} - {report.council}):
            refresh_restatements(con, council)
        if others:
            refresh_restatements(con, report.council)
        con.execute("COMMIT")
        return status
    except (duckdb.Error, UnicodeError) as error:
        _rollback(con)
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise WarehouseError(f"load failed, nothing of this report was loaded ({first_line})",
                             file_name=report.source_path) from error
    except ReportConflictError:
        raise
    except BaseException:
        _rollback(con)
        raise


class ReportLoader:
    """Loads an ingest's reports, each in its own transaction, through one attachment of the
    warehouse for as long as reports keep arriving: the ingest keeps the file while it waits
    for the next extraction only until `HOLD_SECONDS` have passed since the attachment
    (`hold_left`), then lets go (`let_go`). So reports that arrive within a second of each
    other share one ATTACH and one DETACH (DETACH's checkpoint and the file checks cost about
    35 ms of CPU each time on the samples), and a reader waiting on the lock gets the file at
    least every `HOLD_SECONDS` (plus the one load under way): once let go, the file is not
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

    def load(self, records: ReportRecords, *, replace: bool = False, force: bool = False,
             run_row: dict[str, Any] | None = None) -> IngestStatus:
        try:
            if self._con is not None and time.monotonic() - self._since >= self.HOLD_SECONDS:
                self.let_go()
            if self._con is None:
                _give_readers_their_turn(self.READERS_TURN - (time.monotonic() - self._let_go_at))
                self._con = self._attached.enter_context(attached_warehouse(
                    self.path, wait=self.wait, on_wait=self.on_wait))
                self._since = time.monotonic()
            return replace_report(self._con, records, replace=replace, force=force,
                                  run_row=run_row)
        except BaseException:
            self.let_go()
            raise

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
