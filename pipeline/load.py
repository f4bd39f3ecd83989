"""Load: one report's records into DuckDB in one transaction, replacing whatever that report
(same content, or an older version of the same file) had loaded before."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
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
# No connection of ours may fetch code from the network: a file that is not a DuckDB database
# (a SQLite file given as --db) would otherwise make DuckDB download a reader for it.
NO_EXTENSIONS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def _ddl() -> str:
    return resources.files("schemas").joinpath("ddl.sql").read_text(encoding="utf-8")


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(NO_EXTENSIONS))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise _damaged(path, error) from error
            if time.monotonic() >= deadline:
                raise WarehouseBusyError("warehouse is locked by another process",
                                         file_name=str(path)) from error
            time.sleep(0.25)
        except duckdb.Error as error:
            raise _damaged(path, error) from error


def _check_is_duckdb(path: Path) -> None:
    """Refuse, before DuckDB sees it, a file that is not a DuckDB database."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return
    except OSError as error:
        raise WarehouseError(f"cannot read the warehouse file ({error.strerror})",
                             file_name=str(path)) from error
    if head and head[8:12] != DUCKDB_MAGIC:
        kind = " (a SQLite database)" if head.startswith(b"SQLite format 3") else ""
        raise WarehouseError(f"not a DuckDB warehouse file{kind}", file_name=str(path),
                             hint="Point --db at the warehouse, or at a new file name.")


def sandbox(con: duckdb.DuckDBPyConnection, writable: Path | None = None) -> None:
    """Lock a connection down for SQL we did not write: no files (but the warehouse, and
    `writable` if given), no network, no extensions, and no SET that would undo it."""
    if writable is not None:
        folder = str(writable.resolve()).replace("'", "''").rstrip("/") + "/"
        con.execute(f"SET allowed_directories = ['{folder}']")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


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


def open_warehouse(path: Path, *, read_only: bool = False, wait: float = LOCK_WAIT_SECONDS,
                   writable: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating or checking the schema version of) the warehouse file. A read-only
    connection is sandboxed (see `sandbox`): it may write only under `writable`."""
    if read_only:
        if not path.exists():
            raise WarehouseError("no warehouse here yet; run `complaints ingest` first",
                                 file_name=str(path))
        _check_is_duckdb(path)
        con = _connect(path, True, wait)
        try:
            found = _schema_version(con)
            if found != SCHEMA_VERSION:
                raise SchemaVersionError(f"warehouse schema v{found}, this tool reads "
                                         f"v{SCHEMA_VERSION}", file_name=str(path))
            sandbox(con, writable)
        except duckdb.Error as error:
            con.close()
            raise _damaged(path, error) from error
        except BaseException:
            con.close()
            raise
        return con
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WarehouseError(f"cannot create the folder {path.parent} "
                             f"({error.strerror or type(error).__name__})",
                             file_name=str(path)) from error
    _check_is_duckdb(path)
    con = _connect(path, False, wait)
    try:
        _migrate(con, _schema_version(con), path)
    except duckdb.Error as error:
        con.close()
        raise _damaged(path, error) from error
    except BaseException:
        con.close()
        raise
    return con


def _damaged(path: Path, error: duckdb.Error) -> WarehouseError:
    """A warehouse DuckDB opened but could not read (cut short, bytes flipped) or write."""
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "Could not write" in first_line or "Failed to commit" in first_line:
        return WarehouseError(f"cannot write the warehouse ({first_line})", file_name=str(path),
                              hint="Check the disk has space and the file can be written.")
    return WarehouseError(f"cannot read the warehouse ({first_line})", file_name=str(path),
                          hint="The file is damaged or was cut short: restore it from a copy, "
                               "or ingest again into a new file.")


@contextmanager
def warehouse(path: Path, *, read_only: bool = False,
              writable: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_warehouse(path, read_only=read_only, writable=writable)
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
        _rollback(con)
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise WarehouseError(f"load failed, nothing of this report was loaded ({first_line})",
                             file_name=report.file_name) from error
    except BaseException:
        _rollback(con)
        raise


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """A failed COMMIT (disk full) has already ended the transaction: nothing to roll back."""
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")
