"""Orchestrator: files -> extract -> validate -> load, returning a summary (never printing)."""

from __future__ import annotations

import hashlib
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import PipelineError, ResourceLimitError, StrictModeError, UsageError
from pipeline.extract import EXTRACTOR_NAME, EXTRACTOR_VERSION
from pipeline.extract.document import Limits, read_blocks
from pipeline.load import LOCK_WAIT_SECONDS, loaded_version, open_warehouse, replace_report
from pipeline.report import read_report
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
    """PDF files named directly or found (recursively) in folders, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file()
                            and p.suffix.lower() == ".pdf")
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"no such file or folder: {path}")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return sorted(unique, key=lambda p: (p.name, str(p)))


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
        report_id=sha256[:16], file_name=path.name, sha256=sha256, council=content.council,
        report_year=content.report_year, page_count=document.page_count,
        extractor=EXTRACTOR_NAME, extractor_version=EXTRACTOR_VERSION,
        ingested_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        table_strategies=content.table_strategies)
    return ReportRecords(
        report=info, tables={name: tuple(rows) for name, rows in content.records.items()},
        issues=tuple(content.issues), quarantine=tuple(content.quarantine))


def _extract_job(path: Path, sha256: str, limits: Limits) -> ReportRecords | str:
    """Process-pool entry point: returns records, or the one-line reason it failed."""
    try:
        return extract_report(path, sha256, limits)
    except PipelineError as error:
        return error.one_line()
    except Exception as error:  # noqa: BLE001 - a hostile PDF must not stop the run
        return f"{path.name}: unexpected {type(error).__name__} while reading ({error})"[:300]


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
            try:
                sha = file_sha256(path)
            except OSError as error:  # unreadable (permissions, I/O): that file only
                reason = error.strerror or type(error).__name__
                _report(summary, on_file, FileOutcome(
                    path.name, "failed", error=f"{path.name}: cannot read the file ({reason})"))
                continue
            version = loaded_version(con, sha)
            stale = reextract and version != EXTRACTOR_VERSION
            if version is not None and not force and not stale:
                _report(summary, on_file, FileOutcome(path.name, "unchanged"))
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
                 workers: int) -> Iterator[tuple[Path, ReportRecords | str]]:
    """Extract in a process pool when asked; results come back in input order. If a worker
    process dies (killed for memory, a crash in a C library), the files it had not finished
    are retried one process each, so only the file that kills its process fails."""
    if workers <= 1 or len(todo) <= 1:
        for path, sha in todo:
            yield path, _extract_job(path, sha, limits)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
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


def _extract_alone(path: Path, sha: str, limits: Limits) -> ReportRecords | str:
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(_extract_job, path, sha, limits).result()
        except BrokenProcessPool:
            return (f"{path.name}: the extraction process died while reading it (out of "
                    "memory, or a crash in the PDF library)")


def _load_one(con, path: Path, result: ReportRecords | str, strict: bool) -> FileOutcome:
    if isinstance(result, str):
        return FileOutcome(path.name, "failed", error=result)
    records = result
    errors = [i for i in records.issues if i.severity == "error"]
    if strict and errors:
        error = StrictModeError(f"{len(errors)} error finding(s), first: {errors[0].detail}",
                                file_name=path.name)
        return FileOutcome(path.name, "failed", pages=records.report.page_count,
                           error=error.one_line())
    existed = con.execute("SELECT count(*) FROM reports WHERE file_name = ? OR report_id = ?",
                          [path.name, records.report.report_id]).fetchone()[0]
    try:
        replace_report(con, records)
    except PipelineError as error:
        return FileOutcome(path.name, "failed", error=error.one_line())
    return FileOutcome(
        path.name, "replaced" if existed else "loaded", pages=records.report.page_count,
        report_year=records.report.report_year, records=_count(records),
        issues=len(records.issues), quarantined=len(records.quarantine))
