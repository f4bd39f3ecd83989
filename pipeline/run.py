"""Orchestrator: files -> extract -> validate -> load, returning a summary (never printing)."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import wait as wait_for_futures
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import (
    CouncilUnknownError,
    PipelineError,
    ResourceLimitError,
)
from pipeline.extract import EXTRACTOR_NAME, EXTRACTOR_VERSION
from pipeline.extract.limits import Limits
from pipeline.ingest_loads import Extracted, IngestOptions, LoadGroups
from pipeline.ingest_log import (
    FileOutcome,
    IngestSummary,
    ProgressCallback,
    RunInfo,
    default_parser,
    extractor_fingerprint,
)
from pipeline.load import ReportLoader, record_runs
from pipeline.names import storable_name
from pipeline.sources import discover_sources, file_sha256, not_a_file
from pipeline.warehouse import LOCK_WAIT_SECONDS, WaitCallback, new_warehouse_file
from pipeline.warehouse_attach import LoadedReport, attached_warehouse, loaded_reports
from pipeline.workers import (
    HARD_DEADLINE_GRACE,
    extraction_pool,
    hard_deadline,
    library_log,
    time_limit,
)

# What reading a file needs (pdfplumber, pdfium, the table families, the record models: about
# a second of imports) is imported once a file is to be read, not with this module, so that a
# run which finds every file loaded already never pays for it. The pool's workers are forked
# after that import and inherit it. Each name is then bound here as a top-of-module import
# would bind it, so that it can be replaced here (tests, the benchmark's phase timers).
_EXTRACTION = {
    "read_blocks": "pipeline.extract.document",
    "memory_limit_error": "pipeline.extract.document",
    "read_report": "pipeline.report",
    "ocr_extractor_name": "pipeline.ocr_report",
    "read_scanned_report": "pipeline.ocr_report",
    "scanned_pages": "pipeline.ocr_report",
    "relayed": "pipeline.ocr_progress",
    "ReportInfo": "schemas.records",
    "ReportRecords": "schemas.records",
}
if TYPE_CHECKING:
    from pipeline.extract.document import memory_limit_error, read_blocks
    from pipeline.extract.ocr_pages import PageProgress
    from pipeline.ocr_progress import relayed
    from pipeline.ocr_report import ocr_extractor_name, read_scanned_report, scanned_pages
    from pipeline.report import read_report
    from schemas.records import ReportInfo, ReportRecords


def import_extraction() -> None:
    """Bind the names of `_EXTRACTION` not bound yet (a replaced one is kept)."""
    for name, module in _EXTRACTION.items():
        if name not in globals():
            globals()[name] = getattr(importlib.import_module(module), name)


def __getattr__(name: str) -> Any:
    """`pipeline.run.read_report` and the like before any file was read (PEP 562)."""
    if name in _EXTRACTION:
        import_extraction()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def extract_report(path: Path, sha256: str, limits: Limits,
                   council: str | None = None, *, parser: str | None = None) -> ReportRecords:
    """Everything one file yields, validated; raises a PipelineError if it cannot be read.
    `council` overrides the council the report names; `parser` names the page source."""
    import_extraction()
    parser = parser or default_parser()
    name = storable_name(path.name)
    # the whole file, texts included; in a worker, the process itself is the hard bound
    with time_limit(limits.max_seconds, path.name), \
            hard_deadline(limits.max_seconds + HARD_DEADLINE_GRACE if limits.max_seconds > 0
                          else 0):
        started = time.monotonic()
        document = read_blocks(path, limits, parser=parser)
        # Pages read by OCR: every figure verified by the report's arithmetic (ocr_report).
        scanned = bool(scanned_pages(document))
        content = read_scanned_report(path, document, limits, started, council).content \
            if scanned else read_report(document, council)
    if not content.council:
        raise CouncilUnknownError("no council named in the report (title, cover or text)",
                                  file_name=name)
    info = ReportInfo(
        report_id=sha256[:16], council=content.council, report_year=content.report_year,
        sha256=sha256, source_path=name, file_name=name,
        page_count=document.page_count,
        extractor=ocr_extractor_name(document) if scanned else EXTRACTOR_NAME,
        extractor_version=EXTRACTOR_VERSION,
        extractor_fingerprint=extractor_fingerprint(content.council, document.parser),
        ingested_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        table_strategies=content.table_strategies, parser=document.parser)
    return ReportRecords(
        report=info, tables={name: tuple(rows) for name, rows in content.records.items()},
        issues=tuple(content.issues), quarantine=tuple(content.quarantine))


def _extract_job(path: Path, sha256: str, limits: Limits,
                 council: str | None = None, parser: str | None = None) -> Extracted:
    """Process-pool entry point: records or the one-line reason it failed, with what the PDF
    libraries logged while reading it."""
    with library_log() as log:
        result = _extract_or_reason(path, sha256, limits, council, parser)
    return result, tuple(log)


def _extract_or_reason(path: Path, sha256: str, limits: Limits,
                       council: str | None = None,
                       parser: str | None = None) -> ReportRecords | str:
    import_extraction()
    name = storable_name(path.name)
    try:
        return extract_report(path, sha256, limits, council, parser=parser)
    except PipelineError as error:
        return error.one_line()
    except MemoryError:  # raised by the worker's memory bound; the frames go with it
        return memory_limit_error(name, limits).one_line()
    except Exception as error:  # noqa: BLE001 - a hostile PDF must not stop the run
        return f"{name}: unexpected {type(error).__name__} while reading ({error})"[:300]


def _skip_reason(known: LoadedReport | None, options: IngestOptions,
                 fingerprints: dict[str, str]) -> tuple[bool, str | None]:
    """(skip it?, note) for a file whose bytes are `known` in the warehouse (or not)."""
    if known is None or options.force:
        return False, None
    if known.council not in fingerprints:
        fingerprints[known.council] = extractor_fingerprint(known.council, options.parser)
    stale = known.extractor_fingerprint != fingerprints[known.council]
    if stale and options.reextract:
        return False, None
    note = ("extractor or vocabulary changed since it was loaded: --reextract re-reads it"
            if stale else None)
    return True, note


def ingest(paths: list[Path], db_path: Path, *, force: bool = False, strict: bool = False,
           reextract: bool = False, replace: bool = False, council: str | None = None,
           workers: int = 1, limits: Limits | None = None,
           lock_wait: float = LOCK_WAIT_SECONDS, on_file: ProgressCallback | None = None,
           on_wait: WaitCallback | None = None,
           on_ocr_page: PageProgress | None = None,
           parser: str | None = None) -> IngestSummary:
    """Ingest every PDF under `paths`. Extraction holds no lock; the warehouse is written one
    short transaction per report. Failures do not stop the run. `on_ocr_page` hears of each
    page OCR read, in whichever worker process (pipeline.ocr_progress). `parser` names the
    page source (pipeline.extract.page_source.PARSERS)."""
    started = time.monotonic()
    sources = discover_sources(paths)
    summary = IngestSummary()
    limits = limits or Limits()
    options = IngestOptions(force, strict, reextract, replace, council, lock_wait, parser)
    run = RunInfo.start(parser)
    fresh = not db_path.exists()  # nothing is loaded: its tables come with the first load
    if fresh:
        new_warehouse_file(db_path, wait=lock_wait, on_wait=on_wait)
    known = {} if fresh else loaded_reports(db_path, wait=lock_wait, on_wait=on_wait)
    fingerprints: dict[str, str] = {}
    unlogged: list[dict[str, Any]] = []
    todo: list[tuple[Path, str]] = []
    relative = {s.path: s.source_path for s in sources}
    for source in sources:
        path = source.path
        if reason := not_a_file(path):
            name = storable_name(path.name)
            outcome = FileOutcome(name, "failed", source_path=source.source_path,
                                  error=f"{name}: {reason}")
            unlogged.append(run.row(outcome, None))
            _report(summary, on_file, outcome)
            continue
        try:
            sha = file_sha256(path)
        except OSError as error:  # unreadable (permissions, I/O): that file only
            reason = error.strerror or type(error).__name__
            name = storable_name(path.name)
            outcome = FileOutcome(name, "failed", source_path=source.source_path,
                                  error=f"{name}: cannot read the file ({reason})")
            unlogged.append(run.row(outcome, None))
            _report(summary, on_file, outcome)
            continue
        skip, note = _skip_reason(known.get(sha), options, fingerprints)
        if skip:
            report = known[sha]
            outcome = FileOutcome(storable_name(path.name), "unchanged",
                                  source_path=source.source_path,
                                  council=report.council, report_year=report.report_year,
                                  note=note)
            unlogged.append(run.row(outcome, sha, report.report_id))
            _report(summary, on_file, outcome)
        else:
            todo.append((path, sha))
    busy: str | None = None
    if todo:
        import_extraction()  # before the pool forks: its workers inherit the imports
        shas = dict(todo)

        def loaded(path: Path, outcome: FileOutcome) -> None:
            if outcome.status not in ("loaded", "replaced"):  # rows of a load are in it
                unlogged.append(run.row(outcome, shas[path]))
            _report(summary, on_file, outcome)

        loader = ReportLoader(db_path, wait=lock_wait, on_wait=on_wait)
        # with one worker a report is loaded as it comes; with more, those ready together
        groups = LoadGroups(loader, options, run, workers, loaded)

        def before_wait() -> None:
            groups.flush()
            loader.let_go()

        try:
            for path, result in relayed(_extract_all(todo, limits, workers, council, parser,
                                                     before_wait=before_wait,
                                                     hold=groups.hold_left),
                                        on_ocr_page):
                groups.add(path, relative[path], result)
            groups.flush()
        finally:
            loader.let_go()
        busy = groups.busy
    if busy is None:
        record_runs(db_path, unlogged, wait=lock_wait, on_wait=on_wait)
    if fresh and busy is None and not any(o.status in ("loaded", "replaced")
                                          for o in summary.outcomes):
        # a new warehouse into which nothing was loaded still gets every table
        with attached_warehouse(db_path, wait=lock_wait, on_wait=on_wait):
            pass
    summary.seconds = time.monotonic() - started
    return summary


def _report(summary: IngestSummary, on_file: ProgressCallback | None,
            outcome: FileOutcome) -> None:
    summary.outcomes.append(outcome)
    if on_file:
        on_file(outcome)


def _extract_all(todo: list[tuple[Path, str]], limits: Limits, workers: int,
                 council: str | None = None, parser: str | None = None,
                 before_wait: Callable[[], None] = lambda: None,
                 hold: Callable[[], float] = lambda: 0.0,
                 ) -> Iterator[tuple[Path, Extracted]]:
    """Extract in worker processes (one even for --workers 1, so the memory bound never
    applies to the process holding the warehouse); results come back in input order. A
    result not ready is first waited for `hold()` seconds (what the loader may still keep the
    warehouse for), then `before_wait` is called (the loader lets go) before waiting on; in
    this process, extraction cannot be cut short, so `before_wait` comes first. If a worker
    dies (killed for memory, a crash in a C library), the files it had not finished are
    retried one process each, so only the file that kills its process fails."""
    if not todo:
        return
    if workers <= 1 and limits.max_memory <= 0:  # no bound asked for: no process needed
        for path, sha in todo:
            before_wait()
            yield path, _extract_job(path, sha, limits, council, parser)
        return
    with extraction_pool(min(max(workers, 1), len(todo)), limits.max_memory) as pool:
        futures: list[tuple[Path, str, Future]] = [
            (path, sha, pool.submit(_extract_job, path, sha, limits, council, parser))
            for path, sha in todo]
        done = 0
        try:
            for path, _, future in futures:
                if not future.done() and (keep := hold()) > 0:
                    wait_for_futures([future], timeout=keep)
                if not future.done():
                    before_wait()
                result = future.result()
                done += 1
                yield path, result
        except BrokenProcessPool:
            pass
    for path, sha, _ in futures[done:]:
        before_wait()
        yield path, _extract_alone(path, sha, limits, council, parser)


def _extract_alone(path: Path, sha: str, limits: Limits, council: str | None,
                   parser: str | None = None) -> Extracted:
    started = time.monotonic()
    with extraction_pool(1, limits.max_memory) as pool:
        try:
            return pool.submit(_extract_job, path, sha, limits, council, parser).result()
        except BrokenProcessPool:
            name = storable_name(path.name)
            if 0 < limits.max_seconds <= time.monotonic() - started:
                # killed by its own hard deadline (workers.hard_deadline): a call the time
                # limit's alarm could not interrupt, stuck in the PDF library
                return ResourceLimitError(f"took over {limits.max_seconds:g}s",
                                          file_name=name).one_line(), ()
            return (f"{name}: the extraction process died while reading "
                    "it (out of memory, or a crash in the PDF library)"), ()
