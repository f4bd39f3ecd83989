"""Extraction worker processes and a file's bounds: each worker has a memory bound, a file's
extraction a time limit (an alarm, and a kill past it), and no worker outlives the run that
started it (a killed `complaints ingest` must not leave workers holding its stdout open)."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import re
import resource
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import ResourceLimitError

PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCHDOG_SECONDS = 0.5
# After the time limit's SIGALRM has had this long to stop a file, its worker is killed.
HARD_DEADLINE_GRACE = 2.0
LIBRARY_LOGGERS = ("pdfminer", "pdfplumber")
MAX_LOG_LINES = 20


def extraction_pool(workers: int, max_memory: int) -> ProcessPoolExecutor:
    """A pool whose processes are forked (they share the parent's imports and settings), bound
    to `max_memory` bytes each and killed when the parent dies."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork") if "fork" in methods else None
    # What the parent holds (the imported modules' objects) goes to the permanent generation
    # before the fork: a worker's collections then skip it (about 2% of a report's
    # extraction, by instruction count on two samples), and its pages stay shared.
    gc.freeze()
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=start_worker, initargs=(os.getpid(), max_memory))


def start_worker(parent_pid: int, max_memory: int) -> None:
    """Pool initializer: die with the parent, then bound memory."""
    die_with_parent(parent_pid)
    bound_memory(max_memory)


def die_with_parent(parent_pid: int) -> None:
    """Linux sends us SIGKILL when the parent dies (PR_SET_PDEATHSIG); elsewhere, and for the
    moment before prctl took effect, a watchdog thread notices the parent is gone."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still holds
    if os.getppid() != parent_pid:  # the parent died before prctl: nobody will signal us
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                     name="parent-watchdog").start()


@contextmanager
def time_limit(seconds: float, file_name: str) -> Iterator[None]:
    """Hard wall-clock bound on one file, even inside a single slow page (POSIX alarm)."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def _expired(signum: int, frame: object) -> None:
        raise ResourceLimitError(f"took over {seconds:g}s", file_name=file_name)

    try:
        previous = signal.signal(signal.SIGALRM, _expired)
    except ValueError:  # not the main thread: rely on the per-page check
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def hard_deadline(seconds: float) -> Iterator[None]:
    """In a worker process, kill the process once `seconds` have passed. The time limit's
    SIGALRM runs its Python handler only between bytecodes, so it cannot stop a call stuck
    inside a C library (pdfium); the worker process is the unit that can always be stopped,
    and the parent reads a death after the time limit as the time limit. In the main process
    (`--max-memory 0 --workers 1`) nothing is armed: killing it would kill the run."""
    if seconds <= 0 or multiprocessing.parent_process() is None:
        yield
        return
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCHDOG_SECONDS)
    os._exit(1)


def _data_bytes() -> int:
    """This process's data segment and private anonymous mappings (what RLIMIT_DATA counts)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return 0
    found = re.search(r"^VmData:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else 0


def bound_memory(max_memory: int) -> None:
    """Let this process allocate at most `max_memory` bytes more than it inherited, so an
    allocation past it raises MemoryError here instead of taking the machine down.
    RLIMIT_DATA rather than RLIMIT_AS: the address space a forked worker inherits (duckdb's
    reserved arenas, thread stacks) is large and mostly never touched."""
    if max_memory <= 0:
        return
    limit = _data_bytes() + max_memory
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    # A platform that will not take the bound keeps the pool's crash handling only.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


class _LineCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []
        self.dropped = 0

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.lines) >= MAX_LOG_LINES:
            self.dropped += 1
            return
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a library's bad format string is still a line
            message = str(record.msg)
        self.lines.append(f"{record.name}: {message}"[:300])


@contextmanager
def library_log() -> Iterator[list[str]]:
    """What pdfminer/pdfplumber log while one file is read, kept for that file (the CLI shows
    it with --debug) instead of going unattributed to stderr."""
    collector = _LineCollector()
    loggers = [logging.getLogger(name) for name in LIBRARY_LOGGERS]
    saved = [(lg.propagate, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(collector)
        lg.propagate = False
        if lg.level == logging.NOTSET or lg.level > logging.WARNING:
            lg.setLevel(logging.WARNING)
    lines: list[str] = []
    try:
        yield lines
    finally:
        for lg, (propagate, level) in zip(loggers, saved, strict=True):
            lg.removeHandler(collector)
            lg.propagate = propagate
            lg.setLevel(level)
        lines += collector.lines
        if collector.dropped:
            lines.append(f"... and {collector.dropped} more library log line(s)")
