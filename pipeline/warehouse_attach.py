"""The warehouse file attached to one in-process DuckDB instance for an ingest's writes and
its start-of-run read, and let go after (releasing the lock exactly as closing a connection
does): an ingest pays DuckDB's start-up once, and a file it left as it is now is not checked
again (pipeline.warehouse opens and checks the file; pipeline.load writes the rows)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipeline.warehouse import (
    NO_EXTENSIONS,
    SCHEMA_VERSION,
    check_complete,
    check_is_duckdb,
    check_version,
    make_folder,
    migrate,
    open_warehouse,
    schema_version,
)
from pipeline.warehouse_lock import (
    LOCK_WAIT_SECONDS,
    WaitCallback,
    damaged,
    while_locked,
)

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
    make_folder(path)
    check_is_duckdb(path)
    host = _host()
    _attach(host, path, wait, on_wait)
    left = _LEFT_AS.get(path)
    as_left = left is not None and left[0] == _signature(path)
    families_checked = as_left and left is not None and left[1]
    checked = False  # a file that failed its checks is checked again next time
    try:
        try:
            if not as_left:
                check_complete(host, path)
            if not families_checked:
                migrate(host, path, families=families)
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
    check_is_duckdb(path)
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
        check_complete(host, path)
        found = schema_version(host)
        if found is None:
            return None
        check_version(found, path)
        rows = host.execute("SELECT sha256, report_id, council, report_year, source_path, "
                            "extractor_fingerprint FROM reports").fetchall()
        checked = found == SCHEMA_VERSION
        return rows
    except duckdb.Error as error:
        raise damaged(path, error) from error
    finally:
        # read-only, so the file is as it was: checked whole, its families' tables not yet
        _detach(host, path, remember=checked, families=False)
