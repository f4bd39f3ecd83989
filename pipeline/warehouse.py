"""The warehouse file: its schema, and opening it safely. A file is checked to be a DuckDB
database before DuckDB reads it, its schema version is checked (and created or migrated), its
file lock is waited for with a deadline and reported by holder, and a loading run attaches it
for each report's transaction (pipeline.load writes the rows)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
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


def _check_complete(con: duckdb.DuckDBPyConnection, path: Path) -> None:
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


def _schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
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


def _check_version(found: int | None, path: Path) -> None:
    if found is not None and found > SCHEMA_VERSION:
        raise SchemaVersionError(f"warehouse schema v{found} is newer than this tool's "
                                 f"v{SCHEMA_VERSION}", file_name=str(path),
                                 hint="Upgrade the tool.")
    if found is not None and found < SCHEMA_VERSION:
        # The warehouse is re-creatable from the PDFs, so older schemas are not migrated.
        raise SchemaVersionError(f"warehouse schema v{found} is older than v{SCHEMA_VERSION} "
                                 "and cannot be migrated", file_name=str(path))


def _migrate(con: duckdb.DuckDBPyConnection, path: Path, *, families: bool = True) -> None:
    """Create the schema in a new file, refuse another version, and (unless `families` is
    False: a write of `ingest_runs` only) add the tables of a family registered since."""
    found = _schema_version(con)
    _check_version(found, path)
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
        _check_is_duckdb(path)
        con = _connect(path, True, wait, on_wait)
        with _closed_on_failure(con, path):
            _check_complete(con, path)
            found = _schema_version(con)
            if found is None:  # created by an ingest that has not loaded its first report
                raise WarehouseError("the warehouse has no tables yet; an ingest creating it "
                                     "adds them with its first report", file_name=str(path))
            if found != SCHEMA_VERSION:
                _check_version(found, path)
                raise SchemaVersionError(f"warehouse schema v{found}, this tool reads "
                                         f"v{SCHEMA_VERSION}", file_name=str(path))
            sandbox(con, writable)
        return con
    _make_folder(path)
    _check_is_duckdb(path)
    con = _connect(path, False, wait, on_wait)
    with _closed_on_failure(con, path):
        _check_complete(con, path)
        _migrate(con, path)
    return con


def new_warehouse_file(path: Path, *, wait: float = LOCK_WAIT_SECONDS,
                       on_wait: WaitCallback | None = None) -> None:
    """Create the warehouse file without its tables, which the first load (or the run's end)
    adds (`_migrate`): a first ingest claims the file at once and starts reading PDFs without
    waiting for the schema (about a quarter of a second)."""
    _make_folder(path)
    _connect(path, False, wait, on_wait).close()


def _make_folder(path: Path) -> None:
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


# The one in-process DuckDB instance an ingest writes through (see `attached_warehouse`), and
# each warehouse file's (device, inode, size, mtime) when this process last let go of it,
# checked whole, with whether the tables of every registered family were looked for then too.
_HOST: list[duckdb.DuckDBPyConnection] = []
_LEFT_AS: dict[Path, tuple[tuple[int, int, int, int], bool]] = {}
ATTACHED_AS = "warehouse"


def _host() -> duckdb.DuckDBPyConnection:
    if not _HOST:
        # one thread: a report's load is a few small statements, and the ingest's extraction
        # workers want the cores (DuckDB's default, a thread per core, only adds hand-offs)
        _HOST.append(duckdb.connect(":memory:", config={**NO_EXTENSIONS, "threads": 1}))
    return _HOST[0]


def _signature(path: Path) -> tuple[int, int, int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


def _attach(host: duckdb.DuckDBPyConnection, path: Path, wait: float,
            on_wait: WaitCallback | None) -> None:
    """ATTACH takes the same file lock as a connection, and fails the same way on it."""
    def attach() -> None:
        host.execute(f"ATTACH ? AS {ATTACHED_AS}", [str(path)])
        host.execute(f"USE {ATTACHED_AS}")
    while_locked(path, wait, on_wait, attach)


def _detach(host: duckdb.DuckDBPyConnection, path: Path, remember: bool = True,
            families: bool = True) -> None:
    """Let go of the file and its lock. Like closing a connection, this never raises: what was
    committed is in the write-ahead log even when the checkpoint that DETACH runs fails (a
    full disk); a host that could not detach is closed, which lets go of everything.
    `remember`: the file was checked whole and is of this tool's schema, its families' tables
    looked for too if `families` (see `attached_warehouse`)."""
    try:
        host.execute("USE memory")
        host.execute(f"DETACH {ATTACHED_AS}")
    except duckdb.Error:
        _HOST.clear()
        _LEFT_AS.pop(path, None)
        with suppress(duckdb.Error):
            host.close()
        return
    if not remember:
        _LEFT_AS.pop(path, None)
    elif (left := _signature(path)) is not None:
        _LEFT_AS[path] = (left, families)


@contextmanager
def attached_warehouse(path: Path, *, wait: float = LOCK_WAIT_SECONDS,
                       on_wait: WaitCallback | None = None, families: bool = True
                       ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write connection to the warehouse for one short transaction, like `warehouse`, but
    through one DuckDB instance kept for the whole process: the file is attached, and detached
    after (releasing the lock exactly as closing a connection does), so an ingest does not pay
    DuckDB's start-up (about 40 ms of CPU) for every report. A file this process left as it
    is now (same inode, size and modification time; `loaded_reports` leaves it so too) is not
    checked again. `families=False` (a write of `ingest_runs` only) does not look for tables
    of families registered since, and leaves that to the next attachment."""
    path = Path(os.path.abspath(path))
    _make_folder(path)
    _check_is_duckdb(path)
    host = _host()
    _attach(host, path, wait, on_wait)
    left = _LEFT_AS.get(path)
    as_left = left is not None and left[0] == _signature(path)
    families_checked = as_left and left is not None and left[1]
    checked = False  # a file that failed its checks is checked again next time
    try:
        try:
            if not as_left:
                _check_complete(host, path)
            if not families_checked:
                _migrate(host, path, families=families)
                families_checked = families
        except duckdb.Error as error:
            raise damaged(path, error) from error
        checked = True
        yield host
    except BaseException:
        with suppress(duckdb.Error):
            host.execute("ROLLBACK")
        raise
    finally:
        _detach(host, path, remember=checked, families=families_checked)


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


@dataclass(frozen=True)
class LoadedReport:
    report_id: str
    council: str
    report_year: str
    source_path: str
    extractor_fingerprint: str


def loaded_reports(path: Path, *, wait: float = LOCK_WAIT_SECONDS,
                   on_wait: WaitCallback | None = None) -> dict[str, LoadedReport]:
    """{sha256: report} of what is loaded, read with the file attached read-only to the
    process's DuckDB instance for the moment of one query (a run's start never blocks
    readers, nor starts a DuckDB instance of its own); creates the warehouse if there is none
    yet."""
    path = Path(os.path.abspath(path))
    if not path.exists() or path.stat().st_size == 0:
        open_warehouse(path, wait=wait, on_wait=on_wait).close()
    _check_is_duckdb(path)
    rows = _read_loaded(path, wait, on_wait)
    if rows is None:  # an empty file (another process just created it)
        open_warehouse(path, wait=wait, on_wait=on_wait).close()
        rows = _read_loaded(path, wait, on_wait) or []
    return {r[0]: LoadedReport(*r[1:]) for r in rows}


def _read_loaded(path: Path, wait: float,
                 on_wait: WaitCallback | None) -> list[tuple[Any, ...]] | None:
    """The `reports` rows `loaded_reports` needs, or None for a file with no schema yet."""
    host = _host()

    def attach() -> None:
        host.execute(f"ATTACH ? AS {ATTACHED_AS} (READ_ONLY)", [str(path)])
        host.execute(f"USE {ATTACHED_AS}")
    while_locked(path, wait, on_wait, attach)
    checked = False
    try:
        _check_complete(host, path)
        found = _schema_version(host)
        if found is None:
            return None
        _check_version(found, path)
        rows = host.execute("SELECT sha256, report_id, council, report_year, source_path, "
                            "extractor_fingerprint FROM reports").fetchall()
        checked = found == SCHEMA_VERSION
        return rows
    except duckdb.Error as error:
        raise damaged(path, error) from error
    finally:
        # read-only, so the file is as it was: checked whole, its families' tables not yet
        _detach(host, path, remember=checked, families=False)
