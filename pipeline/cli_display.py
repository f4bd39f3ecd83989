"""What the command line shows: its two consoles, tables, summaries and progress bars (rich).
The commands in pipeline.cli decide what to show; this module how."""

from __future__ import annotations

import csv
import json
import sys
import threading
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from pipeline.names import printable
from pipeline.trends import sparkline

if TYPE_CHECKING:
    from pipeline.extract.ocr_pages import OcrPageRead
    from pipeline.ingest_log import FileOutcome, IngestSummary

out = Console()
err = Console(stderr=True)


def error_line(text: str) -> None:
    """One red line, whatever the text holds: markup in a file name is shown, not obeyed;
    control characters (an escape sequence, a newline) are shown as escapes."""
    err.print(f"[red]Error: {escape(printable(text))}[/red]", highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def render(columns: list[str], rows: list[tuple[Any, ...]], fmt: OutputFormat) -> None:
    if fmt == OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == OutputFormat.json:
        sys.stdout.write(json.dumps([dict(zip(columns, r, strict=True)) for r in rows],
                                    default=str, ensure_ascii=False, indent=1) + "\n")
    else:
        table = Table()
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("" if v is None else escape(printable(str(v))) for v in row))
        out.print(table)


def print_summary(summary: IngestSummary, *, every_file: bool = False) -> None:
    """A row per file loaded, replaced or failed; files found unchanged are counted in one
    line (a nightly run over a folder of hundreds of reports lists what changed), or listed
    too with `every_file`. Notes (a reader changed since a file was loaded) always show."""
    title = (f"Ingest: {len(summary.outcomes)} file(s), {summary.pages} page(s), "
             f"{summary.seconds:.1f}s")
    shown = [o for o in summary.outcomes if every_file or o.status != "unchanged"]
    if shown:
        out.print(_summary_table(title, shown))
    else:
        out.print(title, highlight=False)
    if unchanged := len(summary.outcomes) - len(shown):
        out.print(f"{unchanged} file(s) unchanged, already in the warehouse: not listed "
                  "(--verbose lists them)", style="dim", highlight=False)
    for o in summary.outcomes:
        if o.note:
            out.print(f"{o.source_path or o.file_name}: {o.note}", highlight=False,
                      soft_wrap=True)


def _summary_table(title: str, outcomes: list[FileOutcome]) -> Table:
    table = Table(title=title)
    for name in ("file", "status", "council", "year", "pages", "records", "issues",
                 "quarantined"):
        table.add_column(name, overflow="fold", no_wrap=name in {"status", "year"},
                         justify="right" if name in {
                             "pages", "records", "issues", "quarantined"} else "left")
    for o in outcomes:
        colour = {"failed": "red", "unchanged": "dim"}.get(o.status, "green")
        table.add_row(escape(printable(o.source_path or o.file_name)),
                      f"[{colour}]{o.status}[/{colour}]", escape(o.council or ""),
                      o.report_year or "", str(o.pages or ""), str(o.records or ""),
                      str(o.issues or ""), str(o.quarantined or ""))
    return table


def print_trend(title: str, rows: list[tuple]) -> None:
    """One council's series: a column per period, a row and a sparkline per stage."""
    periods = sorted({r[0] for r in rows})
    cells = {(r[0], r[1]): r for r in rows}
    table = Table(title=f"{title}: complaints received (upheld %) by year")
    table.add_column("stage")
    for period in periods:
        table.add_column(period, justify="right")
    table.add_column("trend")
    for stage in (1, 2, 3):
        values = []
        row = [f"S{stage}"]
        for period in periods:
            cell = cells.get((period, stage))
            received = cell[2] if cell else None
            values.append(received)
            pct = f" ({cell[3]:g}%)" if cell and cell[3] is not None else ""
            mark = "*" if cell and cell[4] else ""
            row.append("" if received is None else f"{received}{pct}{mark}")
        table.add_row(*row, sparkline(values))
    out.print(table)


class OcrPageBars:
    """A bar per file being OCR'd, page by page, under the files' bar; gone when the file
    is done. Pages are reported from a relay thread (pipeline.ocr_progress)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.bars: dict[str, TaskID] = {}
        self.done: set[str] = set()
        self.lock = threading.Lock()

    def page_read(self, page: OcrPageRead) -> None:
        label = f"  OCR{' again' if page.again else ''} {page.file_name[:36]}"
        note = f"{page.seconds:.0f} s a page"
        with self.lock:
            if page.file_name in self.done:  # a late report of a file already finished
                return
            if page.file_name not in self.bars:
                self.bars[page.file_name] = self.progress.add_task(
                    label, total=page.total, completed=page.done, pages=0, note=note)
            self.progress.update(self.bars[page.file_name], description=label,
                                 completed=page.done, total=page.total, note=note)

    def file_done(self, file_name: str) -> None:
        with self.lock:
            self.done.add(file_name)
            if (bar := self.bars.pop(file_name, None)) is not None:
                self.progress.remove_task(bar)


class SlowJobProgress:
    """A progress bar that appears only once a job has run for `after` seconds."""

    def __init__(self, after: float = 2.0) -> None:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=err, transient=True,
                            disable=not err.is_terminal)
        self.task = self.bar.add_task("Starting", total=None)
        self.timer = threading.Timer(after, self.bar.start)

    def step(self, label: str, done: int, total: int) -> None:
        self.bar.update(self.task, description=label, completed=done, total=total)

    def __enter__(self) -> SlowJobProgress:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        self.timer.join()
        self.bar.stop()
