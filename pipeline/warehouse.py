"""The warehouse file: its schema, and opening it safely. A file is checked to be a DuckDB
database before DuckDB reads it, its schema version is checked (and created or migrated), its
file lock is waited for with a deadline and reported by holder (pipeline.warehouse_lock). An
ingest attaches it to one DuckDB instance for its writes (pipeline.warehouse_attach), and
pipeline.load writes the rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, get_args

import duckdb

from pipeline.errors import SchemaVersionError, WarehouseError
from pipeline.trends import TRENDS_VIEW_SQL
from pipeline.warehouse_lock import (
    LOCK_WAIT_SECONDS,
    WaitCallback,
    damaged,
    while_locked,
)

# v2 added table strategies; v3: report identity (council, report_year), council in every
# table, ENUMs, ingest_runs; v4: the check_name ENUM gains `ocr_verified` (scanned reports);
# v5: reports.parser (the page source, issue 15). Older warehouses are refused: they are
# re-creatable from the PDFs.
SCHEMA_VERSION = 5
# The report's sections: a table of every report, beside those of the table families.
SECTIONS_TABLE_NAME = "report_sections"

# The table family registry and the record models (pydantic) are imported where a schema is
# created or a family's tables are named, not with this module: a run that finds every file
# loaded already reads and writes the warehouse without them (about a second of imports).


def report_tables() -> tuple[str, ...]:
    """Every table holding a report's rows: the report itself, its sections, each table
    family's tables (pipeline.families registry), and its findings. Loading, removing, export
    and test snapshots loop over this one list."""
    from pipeline.families import family_tables

    return ("reports", SECTIONS_TABLE_NAME, *(t.name for t in family_tables()),
            "data_quality_issues", "quarantine")


def enum_types() -> dict[str, tuple[str, ...]]:
    """The warehouse's ENUM types, from the one home of each closed vocabulary."""
    from pipeline.checks import CHECKS
    from schemas.records import Attribution, IngestStatus, Measure, Severity

    return {"severity": get_args(Severity), "check_name": tuple(CHECKS),
            "attribution": get_args(Attribution), "measure": get_args(Measure),
            "ingest_status": get_args(IngestStatus)}


# No connection of ours may fetch code from the network: a file that is not a DuckDB database
# (a SQLite file given as --db) would otherwise make DuckDB download a reader for it.
NO_EXTENSIONS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def _ddl() -> str:
    return resources.files("schemas").joinpath("ddl.sql").read_text(encoding="utf-8")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """ENUM types from the record Literals, the tables, the views, and every comment."""
    from pipeline.catalog import comment_statements

    for name, members in enum_types().items():
        values = ", ".join("'" + v.replace("'", "''") + "'" for v in members)
        con.execute(f"CREATE TYPE {name} AS ENUM ({values})")
    con.execute(_ddl())
    con.execute(TRENDS_VIEW_SQL)
    if statements := comment_statements(con):  # one script: ~150 statements, a quarter less
        con.execute(";\n".join(statements))


def _connect(path: Path, read_only: bool, wait: float,
             on_wait: WaitCallback | None = None) -> duckdb.DuckDBPyConnection:
    return while_locked(path, wait, on_wait, lambda: duckdb.connect(
        str(path), read_only=read_only, config=dict(NO_EXTENSIONS)))


def check_is_duckdb(path: Path) -> None:
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


def check_complete(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse a file cut short. A read-only open of one can succeed and answer queries from
    the part that survived; the storage metadata says which blocks the tables' data lives in,
    and the file must reach the last of them (a read of metadata, not of the data)."""
    [(block_size,)] = con.execute("SELECT block_size FROM pragma_database_size() "
                                  "WHERE database_name = current_database()").fetchall()
    tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() "
                                        "WHERE database_name = current_database()").fetchall()]
    last_block = -1
    if tables:  # one query for every table (a third cheaper than one each)
        each = " UNION ALL ".join(
            "SELECT max(block_id) AS block FROM pragma_storage_info('{}')".format(
                t.replace("'", "''")) for t in tables)
        found = con.execute(f"SELECT max(block) FROM ({each})").fetchall()[0][0]
        last_block = found if found is not None else -1
    if path.stat().st_size < (last_block + 1) * block_size:
        raise duckdb.IOException("the file ends before the data it indexes")


def sandbox(con: duckdb.DuckDBPyConnection, writable: Path | None = None) -> None:
    """Lock a connection down for SQL we did not write: no files (but the warehouse, and
    `writable` if given), no network, no extensions, and no SET that would undo it."""
    if writable is not None:
        folder = str(writable.resolve()).replace("'", "''").rstrip("/") + "/"
        con.execute(f"SET allowed_directories = ['{folder}']")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    if "warehouse_meta" not in tables:
        return 0 if tables else None
    row = _first(con, "SELECT value FROM warehouse_meta WHERE key = 'schema_version'")
    return int(row[0]) if row else 0


def _first(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
           ) -> tuple[Any, ...] | None:
    """The first row, with the result fully consumed (DuckDB refuses a register() while a
    result is still open)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def check_version(found: int | None, path: Path) -> None:
    if found is not None and found > SCHEMA_VERSION:
        raise SchemaVersionError(f"warehouse schema v{found} is newer than this tool's "
                                 f"v{SCHEMA_VERSION}", file_name=str(path),
                                 hint="Upgrade the tool.")
    if found is not None and found < SCHEMA_VERSION:
        # The warehouse is re-creatable from the PDFs, so older schemas are not migrated.
        raise SchemaVersionError(f"warehouse schema v{found} is older than v{SCHEMA_VERSION} "
                                 "and cannot be migrated", file_name=str(path))


def migrate(con: duckdb.DuckDBPyConnection, path: Path, *, families: bool = True) -> None:
    """Create the schema in a new file, refuse another version, and (unless `families` is
    False: a write of `ingest_runs` only) add the tables of a family registered since."""
    found = schema_version(con)
    check_version(found, path)
    if found is None:
        con.execute("BEGIN")
        create_schema(con)
        con.execute("INSERT INTO warehouse_meta VALUES ('schema_version', ?)",
                    [str(SCHEMA_VERSION)])
        con.execute("COMMIT")
    if not families:
        return
    from pipeline.families import family_tables

    for table in family_tables():  # a family added since: its own table (CREATE IF NOT EXISTS)
        if table.ddl:
            con.execute(table.ddl)


def open_warehouse(path: Path, *, read_only: bool = False, wait: float = LOCK_WAIT_SECONDS,
                   writable: Path | None = None,
                   on_wait: WaitCallback | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating or checking the schema version of) the warehouse file. A read-only
    connection is sandboxed (see `sandbox`): it may write only under `writable`."""
    if read_only:
        if not path.exists():
            raise WarehouseError("no warehouse here yet; run `complaints ingest` first",
                                 file_name=str(path))
        check_is_duckdb(path)
        con = _connect(path, True, wait, on_wait)
        with _closed_on_failure(con, path):
            check_complete(con, path)
            found = schema_version(con)
            if found is None:  # created by an ingest that has not loaded its first report
                raise WarehouseError("the warehouse has no tables yet; an ingest creating it "
                                     "adds them with its first report", file_name=str(path))
            if found != SCHEMA_VERSION:
                check_version(found, path)
                raise SchemaVersionError(f"warehouse schema v{found}, this tool reads "
                                         f"v{SCHEMA_VERSION}", file_name=str(path))
            sandbox(con, writable)
        return con
    make_folder(path)
    check_is_duckdb(path)
    con = _connect(path, False, wait, on_wait)
    with _closed_on_failure(con, path):
        check_complete(con, path)
        migrate(con, path)
    return con


def new_warehouse_file(path: Path, *, wait: float = LOCK_WAIT_SECONDS,
                       on_wait: WaitCallback | None = None) -> None:
    """Create the warehouse file without its tables, which the first load (or the run's end)
    adds (`migrate`): a first ingest claims the file at once and starts reading PDFs without
    waiting for the schema (about a quarter of a second)."""
    make_folder(path)
    _connect(path, False, wait, on_wait).close()


def make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WarehouseError(f"cannot create the folder {path.parent} "
                             f"({error.strerror or type(error).__name__})",
                             file_name=str(path)) from error


@contextmanager
def _closed_on_failure(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[None]:
    """Checks on a just-opened connection: if any fails, the connection is closed (a DuckDB
    error read as a damaged file) so no half-opened warehouse stays locked."""
    try:
        yield
    except duckdb.Error as error:
        con.close()
        raise damaged(path, error) from error
    except BaseException:
        con.close()
        raise


@contextmanager
def warehouse(path: Path, *, read_only: bool = False, wait: float = LOCK_WAIT_SECONDS,
              writable: Path | None = None,
              on_wait: WaitCallback | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_warehouse(path, read_only=read_only, wait=wait, writable=writable,
                         on_wait=on_wait)
    try:
        yield con
    finally:
        con.close()
