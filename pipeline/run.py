"""Orchestrator: files -> extract -> validate -> load, returning a summary (never printing)."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import stat
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import (
    EmptyReportError,
    PipelineError,
    ResourceLimitError,
    StrictModeError,
    UsageError,
)
from pipeline.extract import EXTRACTOR_NAME, EXTRACTOR_VERSION
from pipeline.extract.document import Limits, memory_limit_error, read_blocks
from pipeline.load import LOCK_WAIT_SECONDS, loaded_version, open_warehouse, replace_report
from pipeline.names import printable, storable_name
from pipeline.report import read_report
from pipeline.workers import extraction_pool, library_log
from schemas.records import ReportInfo, ReportRecords


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file: loaded, replaced, unchanged or failed (with the reason)."""

    file_name: str
    status: str
    pages: int = 0
    report_year: str | None = None
    records: int = 0
    issues: int = 0
    quarantined: int = 0
    error: str | None = None
    seconds: float = 0.0
    library_log: tuple[str, ...] = ()  # what pdfminer/pdfplumber logged while reading it


@dataclass
class IngestSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def pages(self) -> int:
        return sum(o.pages for o in self.outcomes)


ProgressCallback = Callable[[FileOutcome], None]


def discover(paths: list[Path]) -> list[Path]:
    """PDF files named directly or found (recursively) in folders, in a stable order. Entries
    named *.pdf that are not files (a FIFO, a dangling or looping link) are kept, so that
    ingest can say why it skips them."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf"
                            and not p.is_dir())
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {printable(str(path))}")
    unique = list(dict.fromkeys(_absolute(p) for p in found))
    return sorted(unique, key=lambda p: (p.name, str(p)))


def _absolute(path: Path) -> Path:
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling or looping link: named as it was found
        return Path(os.path.abspath(path))


_FILE_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def not_a_file(path: Path) -> str | None:
    """Why `path` cannot be read as a file (without opening it: a FIFO would block), or None."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
        if path.is_symlink():
            return "broken symbolic link (its target does not exist)"
        return f"cannot read the file ({error.strerror or type(error).__name__})"
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a file")
    return f"not a regular file ({kind})"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _time_limit(seconds: float, file_name: str) -> Iterator[None]:
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


def extract_report(path: Path, sha256: str, limits: Limits) -> ReportRecords:
    """Everything one file yields, validated; raises a PipelineError if it cannot be read."""
    with _time_limit(limits.max_seconds, path.name):  # the whole file, texts included
        document = read_blocks(path, limits)
        content = read_report(document)
    info = ReportInfo(
        report_id=sha256[:16], file_name=storable_name(path.name), sha256=sha256,
        council=content.council,
        report_year=content.report_year, page_count=document.page_count,
        extractor=EXTRACTOR_NAME, extractor_version=EXTRACTOR_VERSION,
        ingested_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        table_strategies=content.table_strategies)
    return ReportRecords(
        report=info, tables={name: tuple(rows) for name, rows in content.records.items()},
        issues=tuple(content.issues), quarantine=tuple(content.quarantine))


Extracted = tuple[ReportRecords | str, tuple[str, ...]]


def _extract_job(path: Path, sha256: str, limits: Limits) -> Extracted:
    """Process-pool entry point: records or the one-line reason it failed, with what the PDF
    libraries logged while reading it."""
    with library_log() as log:
        result = _extract_or_reason(path, sha256, limits)
    return result, tuple(log)


def _extract_or_reason(path: Path, sha256: str, limits: Limits) -> ReportRecords | str:
    name = storable_name(path.name)
    try:
        return extract_report(path, sha256, limits)
    except PipelineError as error:
        return error.one_line()
    except MemoryError:  # raised by the worker's memory bound; the frames go with it
        return memory_limit_error(name, limits).one_line()
    except Exception as error:  # noqa: BLE001 - a hostile PDF must not stop the run
        return f"{name}: unexpected {type(error).__name__} while reading ({error})"[:300]


FIGURES = ("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct")


def _figure_count(records: ReportRecords) -> int:
    """Printed figures (measure values, in whichever table family holds them) the report
    yielded: a report of none is refused, never 'loaded'."""
    return sum(getattr(row, measure, None) is not None for rows in records.tables.values()
               for row in rows for measure in FIGURES)


def _no_figures_reason(records: ReportRecords) -> str:
    """What the user can act on: the first quarantine reason names the unknown wording."""
    if records.quarantine:
        first = records.quarantine[0]
        return (f"{len(records.quarantine)} value(s) quarantined, first on page {first.page}: "
                f"{first.reason}")
    return "every figure cell empty"


def _count(records: ReportRecords) -> int:
    return records.record_count


def ingest(paths: list[Path], db_path: Path, *, force: bool = False, strict: bool = False,
           reextract: bool = False, workers: int = 1, limits: Limits | None = None,
           lock_wait: float = LOCK_WAIT_SECONDS,
           on_file: ProgressCallback | None = None) -> IngestSummary:
    """Ingest every PDF under `paths`; one transaction per report; failures do not stop it."""
    started = time.monotonic()
    files = discover(paths)
    summary = IngestSummary()
    limits = limits or Limits()
    con = open_warehouse(db_path, wait=lock_wait)
    try:
        todo: list[tuple[Path, str]] = []
        for path in files:
            if reason := not_a_file(path):
                name = storable_name(path.name)
                _report(summary, on_file, FileOutcome(name, "failed", error=f"{name}: {reason}"))
                continue
            try:
                sha = file_sha256(path)
            except OSError as error:  # unreadable (permissions, I/O): that file only
                reason = error.strerror or type(error).__name__
                name = storable_name(path.name)
                _report(summary, on_file, FileOutcome(
                    name, "failed", error=f"{name}: cannot read the file ({reason})"))
                continue
            version = loaded_version(con, sha)
            stale = reextract and version != EXTRACTOR_VERSION
            if version is not None and not force and not stale:
                _report(summary, on_file, FileOutcome(storable_name(path.name), "unchanged"))
            else:
                todo.append((path, sha))
        for path, result in _extract_all(todo, limits, workers):
            outcome = _load_one(con, path, result, strict)
            _report(summary, on_file, outcome)
    finally:
        con.close()
    summary.seconds = time.monotonic() - started
    return summary


def _report(summary: IngestSummary, on_file: ProgressCallback | None,
            outcome: FileOutcome) -> None:
    summary.outcomes.append(outcome)
    if on_file:
        on_file(outcome)


def _extract_all(todo: list[tuple[Path, str]], limits: Limits,
                 workers: int) -> Iterator[tuple[Path, Extracted]]:
    """Extract in worker processes (one even for --workers 1, so the memory bound never
    applies to the process holding the warehouse); results come back in input order. If a
    worker dies (killed for memory, a crash in a C library), the files it had not finished
    are retried one process each, so only the file that kills its process fails."""
    if not todo:
        return
    if workers <= 1 and limits.max_memory <= 0:  # no bound asked for: no process needed
        for path, sha in todo:
            yield path, _extract_job(path, sha, limits)
        return
    with extraction_pool(min(max(workers, 1), len(todo)), limits.max_memory) as pool:
        futures: list[tuple[Path, str, Future]] = [
            (path, sha, pool.submit(_extract_job, path, sha, limits)) for path, sha in todo]
        done = 0
        try:
            for path, _, future in futures:
                result = future.result()
                done += 1
                yield path, result
        except BrokenProcessPool:
            pass
    for path, sha, _ in futures[done:]:
        yield path, _extract_alone(path, sha, limits)


def _extract_alone(path: Path, sha: str, limits: Limits) -> Extracted:
    with extraction_pool(1, limits.max_memory) as pool:
        try:
            return pool.submit(_extract_job, path, sha, limits).result()
        except BrokenProcessPool:
            return (f"{storable_name(path.name)}: the extraction process died while reading "
                    "it (out of memory, or a crash in the PDF library)"), ()


def _load_one(con, path: Path, extracted: Extracted, strict: bool) -> FileOutcome:
    result, log = extracted
    return replace(_load_result(con, path, result, strict), library_log=log)


def _load_result(con, path: Path, result: ReportRecords | str, strict: bool) -> FileOutcome:
    name = storable_name(path.name)
    if isinstance(result, str):
        return FileOutcome(name, "failed", error=result)
    records = result
    errors = [i for i in records.issues if i.severity == "error"]
    if strict and errors:
        error = StrictModeError(f"{len(errors)} error finding(s), first: {errors[0].detail}",
                                file_name=name)
        return FileOutcome(name, "failed", pages=records.report.page_count,
                           error=error.one_line())
    if _figure_count(records) == 0:
        empty = EmptyReportError(f"no figures read ({_no_figures_reason(records)})",
                                 file_name=name)
        return FileOutcome(name, "failed", pages=records.report.page_count,
                           error=empty.one_line())
    existed = con.execute("SELECT count(*) FROM reports WHERE file_name = ? OR report_id = ?",
                          [name, records.report.report_id]).fetchone()[0]
    try:
        replace_report(con, records)
    except PipelineError as error:
        return FileOutcome(name, "failed", error=error.one_line())
    return FileOutcome(
        name, "replaced" if existed else "loaded", pages=records.report.page_count,
        report_year=records.report.report_year, records=_count(records),
        issues=len(records.issues), quarantined=len(records.quarantine))
