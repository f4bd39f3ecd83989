"""An ingest's extracted files into the warehouse: each file's checks before it is loaded
(--strict, a report of no figures, a warehouse found busy), then the reports that are ready
together loaded in one transaction (`LoadGroups`). A report's DuckDB statements cost about the
same whatever their size, so two reports loaded together cost the ingest's process about 60%
of two alone, CPU the extraction workers get back. With one worker each report is loaded
alone, as it arrives."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import EmptyReportError, PipelineError, StrictModeError, WarehouseBusyError
from pipeline.ingest_log import FileOutcome, RunInfo
from pipeline.load import LoadResult, ReportLoad, ReportLoader
from pipeline.names import storable_name
from pipeline.warehouse import LOCK_WAIT_SECONDS

if TYPE_CHECKING:
    from schemas.records import ReportRecords

# What one extraction gives: the records or the one-line reason it failed, and the lines the
# PDF libraries logged meanwhile.
Extracted = tuple["ReportRecords | str", tuple[str, ...]]
FIGURES = ("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct")
MOST_TOGETHER = 4  # reports in one transaction at most (a failure retries each alone)
# Files kept back are loaded while this much of the loader's hold is left, so their load does
# not outlast the hold (which would let the warehouse go and attach it again).
LOAD_MARGIN = 0.1
# With the warehouse let go, files are kept back this long for others to load with (about one
# extraction): the lock is not held meanwhile.
GROUP_WAIT = 0.5


@dataclass(frozen=True)
class IngestOptions:
    force: bool = False
    strict: bool = False
    reextract: bool = False
    replace: bool = False
    council: str | None = None
    lock_wait: float = LOCK_WAIT_SECONDS
    parser: str | None = None


@dataclass(frozen=True)
class _Ready:
    """A file that passed its checks, waiting to be loaded (the `index`-th of its group)."""
    index: int
    records: ReportRecords
    outcome: FileOutcome  # its outcome if the load fails; the load fills in the rest
    run_row: dict


class LoadGroups:
    """Extracted files in, outcomes out (`on_outcome`, in the order the files came): files are
    kept back until `size` have come (`add`), or until the ingest would wait for the next
    extraction past the loader's hold (`hold_left`, `flush`), then loaded together. After the
    warehouse stayed locked past --lock-wait once, the files left fail at once with the same
    reason (`busy`) instead of each waiting again."""

    def __init__(self, loader: ReportLoader, options: IngestOptions, run: RunInfo, size: int,
                 on_outcome: Callable[[Path, FileOutcome], None]) -> None:
        self.loader, self.options, self.run, self.on_outcome = loader, options, run, on_outcome
        self.size = max(1, min(size, MOST_TOGETHER))
        self.busy: str | None = None
        self._pending: list[tuple[Path, str, Extracted]] = []
        self._pending_since = 0.0

    def add(self, path: Path, source_path: str, extracted: Extracted) -> None:
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append((path, source_path, extracted))
        if len(self._pending) >= self.size:
            self.flush()

    def hold_left(self) -> float:
        """How long the ingest may wait for the next extraction before it lets the warehouse
        go (`ReportLoader.hold_left`). Files kept back are loaded first when the warehouse is
        not attached (which attaches it), and otherwise the wait ends in time to load them
        within the hold."""
        if self._pending:
            left = (self.loader.hold_left() - LOAD_MARGIN if self.loader.attached
                    else GROUP_WAIT - (time.monotonic() - self._pending_since))
            if left > 0:
                return left
            self.flush()
        return self.loader.hold_left()

    def flush(self) -> None:
        """Load the files kept back, and give each its outcome."""
        pending, self._pending = self._pending, []
        outcomes: list[FileOutcome] = []
        ready: list[_Ready] = []
        for index, (path, source_path, (extracted, _)) in enumerate(pending):
            checked = self._checked(index, path, source_path, extracted)
            outcomes.append(checked if isinstance(checked, FileOutcome) else checked.outcome)
            if isinstance(checked, _Ready):
                ready.append(checked)
        for one, loaded in zip(ready, self._load(ready), strict=True):
            outcomes[one.index] = (
                replace(one.outcome, error=loaded.one_line())
                if isinstance(loaded, PipelineError) else
                replace(one.outcome, status=loaded, records=one.records.record_count,
                        issues=len(one.records.issues),
                        quarantined=len(one.records.quarantine)))
        for (path, _, (_, log)), outcome in zip(pending, outcomes, strict=True):
            self.on_outcome(path, replace(outcome, library_log=log))

    def _load(self, ready: list[_Ready]) -> list[LoadResult]:
        if not ready:
            return []
        options = self.options
        try:
            return self.loader.load_together([
                ReportLoad(one.records, options.replace, options.force, one.run_row)
                for one in ready])
        except WarehouseBusyError as error:
            self.busy = error.one_line()
            return [error] * len(ready)
        except PipelineError as error:  # the warehouse could not be attached
            return [error] * len(ready)

    def _checked(self, index: int, path: Path, source_path: str,
                 result: ReportRecords | str) -> FileOutcome | _Ready:
        """The file's outcome if it is not to be loaded, else the file ready to load."""
        name = storable_name(path.name)
        if isinstance(result, str):
            return FileOutcome(name, "failed", source_path=source_path, error=result)
        records = result.model_copy(update={"report": result.report.model_copy(
            update={"source_path": source_path})})
        report = records.report
        failed = FileOutcome(name, "failed", source_path=source_path, council=report.council,
                             report_year=report.report_year, pages=report.page_count)
        errors = [i for i in records.issues if i.severity == "error"]
        if self.options.strict and errors:
            error: PipelineError = StrictModeError(
                f"{len(errors)} error finding(s), first: {errors[0].detail}", file_name=name)
            return replace(failed, error=error.one_line())
        if not _has_figures(records):
            error = EmptyReportError(f"no figures read ({_no_figures_reason(records)})",
                                     file_name=name)
            return replace(failed, error=error.one_line())
        if self.busy:
            return replace(failed, error=self.busy)
        row = self.run.row(replace(failed, status="loaded"), report.sha256, report.report_id)
        return _Ready(index, records, failed, row)


def _has_figures(records: ReportRecords) -> bool:
    """Whether the report yielded any printed figure (a measure value, in whichever table
    family holds them): a report of none is refused, never 'loaded'. Only the measures a
    row's model has are asked for (pydantic answers a missing attribute slowly)."""
    measures: dict[type, list[str]] = {}
    for rows in records.tables.values():
        for row in rows:
            kind = type(row)
            if kind not in measures:
                measures[kind] = [m for m in FIGURES if m in kind.model_fields]
            if any(getattr(row, measure) is not None for measure in measures[kind]):
                return True
    return False


def _no_figures_reason(records: ReportRecords) -> str:
    """What the user can act on: the first quarantine reason names the unknown wording."""
    if records.quarantine:
        first = records.quarantine[0]
        return (f"{len(records.quarantine)} value(s) quarantined, first on page {first.page}: "
                f"{first.reason}")
    return "every figure cell empty"
