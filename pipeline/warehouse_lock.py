"""Waiting for the warehouse file's lock, and the one-line reasons for a file DuckDB could
not lock, read or write: who holds the lock (by PID and command) and what to do about it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

from pipeline.errors import WarehouseBusyError, WarehouseError

LOCK_WAIT_SECONDS = 30.0
WaitCallback = Callable[[str], None]
T = TypeVar("T")


# How often a process waiting for the file's lock tries again.
RETRY_SECONDS = 0.05


def _process_command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)[:80]


def lock_holder(message: str) -> tuple[str, str]:
    """(who holds the lock, what to do) from DuckDB's lock error. DuckDB says a read-only
    open would work when the holders are readers; a writer's lock admits nobody."""
    reader = "read-only mode" in message
    kind = "a read-only connection (an analyst's session?)" if reader else "a writer"
    pid = re.search(r"\(PID (\d+)\)", message)
    command = _process_command(int(pid.group(1))) if pid else ""
    if not reader and "ingest" in command:
        kind = "another ingest"
    if pid:
        kind += f", PID {pid.group(1)}" + (f" `{command}`" if command else "")
    hint = ("A connection left open blocks writers: close it, or connect per query "
            "(README: Sharing the warehouse)." if reader else
            "Another process is writing; an ingest holds the lock only while it loads "
            "reports, never while it reads PDFs, so retry, or raise --lock-wait.")
    return kind, hint


def while_locked(path: Path, wait: float, on_wait: WaitCallback | None,
                  attempt: Callable[[], T]) -> T:
    """`attempt` (a connection, an ATTACH: both take the file's lock) retried while another
    process holds the lock, up to `wait` seconds; then the holder is named. Any other error
    is the file's."""
    deadline = time.monotonic() + wait
    announced = False
    while True:
        try:
            return attempt()
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise damaged(path, error) from error
            holder, hint = lock_holder(str(error))
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(f"warehouse is locked by {holder}",
                                         file_name=str(path), hint=hint) from error
            if on_wait and not announced:
                on_wait(f"{path}: warehouse is locked by {holder}; retrying for up to "
                        f"{wait:g}s")
                announced = True
            time.sleep(RETRY_SECONDS)
        except duckdb.Error as error:
            raise damaged(path, error) from error


def damaged(path: Path, error: duckdb.Error) -> WarehouseError:
    """A warehouse DuckDB opened but could not read (cut short, bytes flipped) or write."""
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "Could not write" in first_line or "Failed to commit" in first_line:
        return WarehouseError(f"cannot write the warehouse ({first_line})", file_name=str(path),
                              hint="Check the disk has space and the file can be written.")
    return WarehouseError(f"cannot read the warehouse ({first_line})", file_name=str(path),
                          hint="The file is damaged or was cut short: restore it from a copy, "
                               "or ingest again into a new file.")
