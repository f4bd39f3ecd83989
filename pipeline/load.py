"""Load: one report's records into DuckDB in one transaction, replacing whatever that report
(same content, or an older version of the same file) had loaded before."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa
from pydantic import BaseModel

from pipeline.errors import SchemaVersionError, WarehouseBusyError, WarehouseError
from pipeline.families import WarehouseTable, family_tables
from pipeline.trends import RESTATEMENTS_SQL, TRENDS_VIEW_SQL
from schemas.records import ReportRecords, ReportSection

SCHEMA_VERSION = 2
# Each step takes a warehouse of that version to the next one.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    # v2: which table strategy read each report and each dashboard (issue 12).
    1: ("ALTER TABLE reports ADD COLUMN table_strategies VARCHAR",
        "ALTER TABLE report_sections ADD COLUMN strategy VARCHAR"),
}
# Every table holding a report's rows: the report itself, its sections, each table family's
# tables (pipeline.families registry), and its findings.
SECTIONS_TABLE = WarehouseTable("report_sections", ReportSection)


def report_tables() -> tuple[str, ...]:
    """Every table holding a report's rows, the registry's families included."""
    return ("reports", SECTIONS_TABLE.name, *(t.name for t in family_tables()),
            "data_quality_issues", "quarantine")
LOCK_WAIT_SECONDS = 30.0


def _ddl() -> str:
    return resources.files("schemas").joinpath("ddl.sql").read_text(encoding="utf-8")


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise WarehouseError(f"cannot open warehouse: {error}", file_name=str(path)) \
                    from error
            if time.monotonic() >= deadline:
                raise WarehouseBusyError("warehouse is locked by another process",
                                         file_name=str(path)) from error
            time.sleep(0.25)
        except duckdb.Error as error:
            raise WarehouseError(f"cannot open warehouse ({error})", file_name=str(path)) \
                from error


def _schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    if "warehouse_meta" not in tables:
        return 0 if tables else None
    row = con.execute("SELECT value FROM warehouse_meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _migrate(con: duckdb.DuckDBPyConnection, found: int | None, path: Path) -> None:
    if found is None:
        con.execute("BEGIN")
        con.execute(_ddl())
        con.execute("INSERT INTO warehouse_meta VALUES ('schema_version', ?)",
                    [str(SCHEMA_VERSION)])
        con.execute("COMMIT")
        _create_views(con)
        return
    if found > SCHEMA_VERSION:
        raise SchemaVersionError(f"warehouse schema v{found} is newer than this tool's "
                                 f"v{SCHEMA_VERSION}", file_name=str(path),
                                 hint="Upgrade the tool.")
    if found < SCHEMA_VERSION:
        if found not in MIGRATIONS:
            # No released schema before v1: anything older was not made by this tool.
            raise SchemaVersionError(f"warehouse schema v{found} is older than "
                                     f"v{SCHEMA_VERSION} and cannot be migrated",
                                     file_name=str(path))
        con.execute("BEGIN")
        for version in range(found, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                con.execute(statement)
        con.execute("UPDATE warehouse_meta SET value = ? WHERE key = 'schema_version'",
                    [str(SCHEMA_VERSION)])
        con.execute("COMMIT")
    _create_views(con)


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    for table in family_tables():  # a family added since: its own table (CREATE IF NOT EXISTS)
        if table.ddl:
            con.execute(table.ddl)
    con.execute(TRENDS_VIEW_SQL)


def open_warehouse(path: Path, *, read_only: bool = False,
                   wait: float = LOCK_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open (creating or checking the schema version of) the warehouse file."""
    if read_only:
        if not path.exists():
            raise WarehouseError("no warehouse here yet; run `complaints ingest` first",
                                 file_name=str(path))
        con = _connect(path, True, wait)
        found = _schema_version(con)
        if found != SCHEMA_VERSION:
            con.close()
            raise SchemaVersionError(f"warehouse schema v{found}, this tool reads "
                                     f"v{SCHEMA_VERSION}", file_name=str(path))
        return con
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, False, wait)
    try:
        _migrate(con, _schema_version(con), path)
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def warehouse(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_warehouse(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def loaded_version(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    """The extractor version that loaded this exact file, or None if it is not loaded."""
    row = con.execute("SELECT extractor_version FROM reports WHERE sha256 = ?",
                      [sha256]).fetchone()
    return row[0] if row else None


def _rows(models: Sequence[BaseModel], **extra: object) -> list[dict]:
    return [{**extra, **m.model_dump()} for m in models]


def _bulk_insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Arrow registration: one INSERT per table, not one per row."""
    if not rows:
        return
    arrow_rows = pa.Table.from_pylist(rows)
    con.register("incoming_rows", arrow_rows)
    try:
        columns = ", ".join(f'"{c}"' for c in arrow_rows.column_names)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming_rows")
    finally:
        con.unregister("incoming_rows")


def refresh_restatements(con: duckdb.DuckDBPyConnection) -> None:
    """Findings between reports are recomputed whole, so load order never matters."""
    con.execute("DELETE FROM data_quality_issues WHERE check_name = 'restatement'")
    con.execute(RESTATEMENTS_SQL)


def replace_report(con: duckdb.DuckDBPyConnection, records: ReportRecords) -> None:
    """Delete the report's old rows (by content or by file name) and insert the new, atomically."""
    report = records.report
    rid = report.report_id
    con.execute("BEGIN TRANSACTION")
    try:
        old_ids = [r[0] for r in con.execute(
            "SELECT report_id FROM reports WHERE report_id = ? OR file_name = ?",
            [rid, report.file_name]).fetchall()]
        for old in set(old_ids) | {rid}:
            for table_name in report_tables():
                con.execute(f"DELETE FROM {table_name} WHERE report_id = ?", [old])
        _bulk_insert(con, "reports", [report.model_dump()])
        report_columns = report.model_dump()
        ids = {"report_id": rid}
        for table in (SECTIONS_TABLE, *family_tables()):
            extra = {column: report_columns[column] for column in table.report_columns}
            _bulk_insert(con, table.name, _rows(records.rows(table.name), **extra))
        _bulk_insert(con, "data_quality_issues", _rows(records.issues, **ids))
        _bulk_insert(con, "quarantine", _rows(records.quarantine, **ids))
        refresh_restatements(con)
        con.execute("COMMIT")
    except (duckdb.Error, pa.ArrowException, UnicodeError) as error:
        con.execute("ROLLBACK")
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise WarehouseError(f"load failed, nothing of this report was loaded ({first_line})",
                             file_name=report.file_name) from error
    except BaseException:
        con.execute("ROLLBACK")
        raise
