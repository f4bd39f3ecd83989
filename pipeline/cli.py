"""Command line: parse arguments, call the orchestrator, render. Nothing else lives here."""

from __future__ import annotations

import csv
import json
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.config import area_catalogue
from pipeline.errors import ExportError, PipelineError, UsageError, WarehouseError
from pipeline.extract.document import MB, Limits
from pipeline.html_report import build_report
from pipeline.load import report_tables, warehouse
from pipeline.names import printable
from pipeline.run import FileOutcome, IngestSummary, discover, ingest
from pipeline.trends import sparkline

DEFAULT_DB = Path("warehouse/complaints.duckdb")
app = typer.Typer(
    help="Turn council Annual Complaints Report PDFs into a validated DuckDB warehouse.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True)
T = TypeVar("T")

DbOption = Annotated[Path, typer.Option(
    "--db", envvar="COMPLAINTS_DB", help="Warehouse file (env COMPLAINTS_DB).")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show the traceback on errors.")]


def _error_line(text: str) -> None:
    """One red line, whatever the text holds: markup in a file name is shown, not obeyed;
    control characters (an escape sequence, a newline) are shown as escapes."""
    err.print(f"[red]Error: {escape(printable(text))}[/red]", highlight=False, soft_wrap=True)


def _guarded(debug: bool, action: Callable[[], T]) -> T:
    """Run an action; the project's own errors become one red line and exit code 1. What
    the world can still throw at a command (a damaged warehouse, a full disk, the memory
    bound) is one line too: the traceback is for --debug."""
    try:
        return action()
    except PipelineError as error:
        if debug:
            traceback.print_exc()
        _error_line(error.one_line())
        raise typer.Exit(2 if error.stage == "cli" else 1) from None
    except (duckdb.Error, OSError, MemoryError) as error:
        if debug:
            traceback.print_exc()
        _error_line(_unexpected(error))
        raise typer.Exit(1) from None


def _unexpected(error: BaseException) -> str:
    if isinstance(error, MemoryError):
        return "out of memory"
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or type(error).__name__}"
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"warehouse error ({first_line})"


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="PDF files or folders of them (default: raw_reports/).")] = None,
    db: DbOption = DEFAULT_DB,
    force: Annotated[bool, typer.Option(
        "--force", help="Re-process files even if unchanged since they were loaded.")] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Refuse a report that has any error-severity finding.")] = False,
    reextract: Annotated[bool, typer.Option(
        "--reextract", help="Re-process reports loaded by an older extractor version.")] = False,
    workers: Annotated[int, typer.Option(
        "--workers", min=0, help="Extraction processes (0, the default: one per core).")] = 0,
    max_pages: Annotated[int, typer.Option(
        "--max-pages", min=1, help="Refuse files with more pages than this.")] = 300,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=1, help="Seconds one file may take before it is abandoned.")] = 120.0,
    max_memory: Annotated[int, typer.Option(
        "--max-memory", min=0, metavar="MB",
        help="Memory (MB) one file's extraction may allocate; 0: unbounded.")] = 1536,
    lock_wait: Annotated[float, typer.Option(
        "--lock-wait", min=0, envvar="COMPLAINTS_LOCK_WAIT",
        help="Seconds to wait for another ingest to release the warehouse.")] = 30.0,
    debug: DebugOption = False,
) -> None:
    """Extract, validate and load reports; unchanged files are skipped.

    Exit 0 when every file loaded or was unchanged, 1 when any file failed.
    """
    targets = paths or [Path("raw_reports")]
    limits = Limits(max_pages=max_pages, max_seconds=timeout, max_memory=max_memory * MB)
    total = len(_guarded(debug, lambda: discover(targets)))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[pages]} pages"), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("Ingesting", total=total, pages=0)

        def on_file(outcome: FileOutcome) -> None:
            done_pages = progress.tasks[0].fields["pages"] + outcome.pages
            progress.update(task, advance=1, pages=done_pages,
                            description=f"Ingesting {outcome.file_name[:40]}")
            if outcome.error:
                _error_line(outcome.error)
            if debug:
                for line in outcome.library_log:
                    err.print(f"[dim]{escape(printable(f'{outcome.file_name}: {line}'))}[/dim]",
                              highlight=False, soft_wrap=True)

        summary = _guarded(debug, lambda: ingest(
            targets, db, force=force, strict=strict, reextract=reextract,
            workers=workers or _default_workers(), limits=limits, lock_wait=lock_wait,
            on_file=on_file))
    _print_summary(summary)
    raise typer.Exit(1 if summary.failed else 0)


def _print_summary(summary: IngestSummary) -> None:
    table = Table(title=f"Ingest: {len(summary.outcomes)} file(s), {summary.pages} page(s), "
                        f"{summary.seconds:.1f}s")
    for name in ("file", "status", "year", "pages", "records", "issues", "quarantined"):
        table.add_column(name, overflow="fold", justify="right" if name in {
            "pages", "records", "issues", "quarantined"} else "left")
    for o in summary.outcomes:
        colour = {"failed": "red", "unchanged": "dim"}.get(o.status, "green")
        table.add_row(escape(printable(o.file_name)), f"[{colour}]{o.status}[/{colour}]",
                      o.report_year or "",
                      str(o.pages or ""), str(o.records or ""), str(o.issues or ""),
                      str(o.quarantined or ""))
    out.print(table)


def _render(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        sys.stdout.write(json.dumps([dict(zip(columns, r, strict=True)) for r in rows],
                                    default=str, ensure_ascii=False, indent=1) + "\n")
    else:
        table = Table()
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("" if v is None else escape(printable(str(v))) for v in row))
        out.print(table)


Format = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]


def _query(db: Path, sql: str, params: list[Any] | None = None) -> tuple[list[str], list]:
    with warehouse(db, read_only=True) as con:
        try:
            cursor = con.execute(sql, params or [])
        except duckdb.Error as error:
            message = str(error).splitlines()[0]
            raise WarehouseError(f"query failed: {message}", hint="") from error
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()


@app.command("query")
def query_command(
    sql: Annotated[str, typer.Argument(help="SQL to run against the warehouse (read-only).")],
    db: DbOption = DEFAULT_DB,
    fmt: Format = "table",
    debug: DebugOption = False,
) -> None:
    """Run SQL against the warehouse, opened read-only."""
    if fmt not in {"table", "csv", "json"}:
        err.print(f"[red]Error: unknown format {fmt!r}; use table, csv or json[/red]")
        raise typer.Exit(2)
    columns, rows = _guarded(debug, lambda: _query(db, sql))
    _render(columns, rows, fmt)


REPORTS_SQL = """
SELECT r.file_name, r.report_year, r.council, r.page_count AS pages,
       (SELECT count(*) FROM stage_outcomes s WHERE s.report_id = r.report_id) AS stage_outcomes,
       (SELECT count(*) FROM commentary c WHERE c.report_id = r.report_id) AS commentary,
       (SELECT count(*) FROM service_commitments c WHERE c.report_id = r.report_id) AS commitments,
       (SELECT count(*) FROM data_quality_issues d WHERE d.report_id = r.report_id) AS issues,
       (SELECT count(*) FROM quarantine q WHERE q.report_id = r.report_id) AS quarantined,
       r.extractor_version, r.ingested_at
FROM reports r ORDER BY r.report_year, r.file_name
"""


@app.command("reports")
def reports_command(db: DbOption = DEFAULT_DB, fmt: Format = "table",
                    debug: DebugOption = False) -> None:
    """List ingested reports with their record, issue and quarantine counts."""
    columns, rows = _guarded(debug, lambda: _query(db, REPORTS_SQL))
    _render(columns, rows, fmt)


CHECK_SQL = """
SELECT r.report_year, d.severity, d.check_name, d.directorate, d.service_area, d.period,
       d.stage, d.detail, d.page, r.file_name
FROM data_quality_issues d JOIN reports r USING (report_id)
WHERE (? IS NULL OR d.severity = ?)
ORDER BY r.report_year, r.file_name,
         CASE d.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, d.page, d.detail
"""


@app.command("check")
def check_command(
    db: DbOption = DEFAULT_DB,
    severity: Annotated[str | None, typer.Option(
        "--severity", help="Only show findings of this severity (error, warning, info).")] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit 1 if any error-severity finding exists.")] = False,
    fmt: Format = "table",
    debug: DebugOption = False,
) -> None:
    """Show data-quality findings (arithmetic slips, mismatches, quarantined values)."""
    columns, rows = _guarded(debug, lambda: _query(db, CHECK_SQL, [severity, severity]))
    _render(columns, rows, fmt)
    errors = _guarded(debug, lambda: _query(
        db, "SELECT count(*) FROM data_quality_issues WHERE severity = 'error'"))[1][0][0]
    if strict and errors:
        err.print(f"[red]Error: {errors} error-severity finding(s)[/red]")
        raise typer.Exit(1)


@app.command("trends")
def trends_command(
    area: Annotated[str, typer.Argument(help="Service area, as printed or canonical.")],
    db: DbOption = DEFAULT_DB,
    debug: DebugOption = False,
) -> None:
    """Print an area's received and upheld figures per year, with a sparkline per stage."""
    def load() -> tuple[list[str], list]:
        found = area_catalogue().area(area)
        name = found.name if found else area
        columns, rows = _query(db, "SELECT period, stage, received, upheld_pct, restated "
                                   "FROM complaint_trends WHERE lower(service_area) = lower(?) "
                                   "ORDER BY period, stage", [name])
        if not rows:
            raise UsageError(f"no figures for service area {area!r}; see `complaints query "
                             "\"SELECT DISTINCT service_area FROM stage_outcomes\"`")
        return [name], rows

    (name,), rows = _guarded(debug, load)
    periods = sorted({r[0] for r in rows})
    cells = {(r[0], r[1]): r for r in rows}
    table = Table(title=f"{name}: complaints received (upheld %) by year")
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
    if any(r[4] for r in rows):
        out.print("* restated: another report printed a different figure "
                  "(`complaints check` lists them)")


@app.command("export")
def export_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet or csv.")] = "parquet",
    db: DbOption = DEFAULT_DB,
    debug: DebugOption = False,
) -> None:
    """Export every warehouse table; Parquet is partitioned by period where a table has one."""
    if fmt not in {"parquet", "csv"}:
        err.print(f"[red]Error: unknown format {fmt!r}; use parquet or csv[/red]")
        raise typer.Exit(2)

    def export() -> list[tuple[str, int]]:
        written = []
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ExportError(f"cannot create the folder ({error.strerror})",
                              file_name=str(out_dir)) from error
        with warehouse(db, read_only=True, writable=out_dir) as con:
            for table in ("complaint_trends", *report_tables()):
                columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
                count = len(con.execute(f"SELECT 1 FROM {table}").fetchall())
                target = out_dir / (table if fmt == "parquet" else f"{table}.csv")
                select = f"SELECT * FROM {table}"
                if fmt == "parquet" and "period" in columns:
                    # Hive folders cannot hold '/', so 2018/19 is filed as period_key=2018-19.
                    select = f"SELECT *, replace(period, '/', '-') AS period_key FROM {table}"
                    options = "FORMAT parquet, PARTITION_BY (period_key), OVERWRITE_OR_IGNORE"
                elif fmt == "parquet":
                    target.mkdir(exist_ok=True)
                    target = target / "data.parquet"
                    options = "FORMAT parquet"
                else:
                    options = "FORMAT csv, HEADER"
                escaped = str(target.resolve()).replace("'", "''")
                try:
                    con.execute(f"COPY ({select}) TO '{escaped}' ({options})")
                except duckdb.Error as error:
                    raise ExportError(f"cannot write {table} ({str(error).splitlines()[0]})",
                                      file_name=str(out_dir)) from error
                written.append((table, count))
        return written

    written = _guarded(debug, export)
    _render(["table", "rows"], written, "table")



class _SlowJobProgress:
    """A progress bar that appears only once a job has run for `after` seconds."""

    def __init__(self, after: float = 2.0) -> None:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=err, transient=True,
                            disable=not err.is_terminal)
        self.task = self.bar.add_task("Starting", total=None)
        self.timer = threading.Timer(after, self.bar.start)

    def step(self, label: str, done: int, total: int) -> None:
        self.bar.update(self.task, description=label, completed=done, total=total)

    def __enter__(self) -> _SlowJobProgress:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        self.timer.join()
        self.bar.stop()


@app.command("report")
def report_command(
    out_file: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    council: Annotated[str | None, typer.Option(
        "--council", help="Only this council's reports (as `complaints reports` names it).")] \
        = None,
    area: Annotated[list[str] | None, typer.Option(
        "--area", help="Only this service area, as printed or canonical (repeatable).")] = None,
    db: DbOption = DEFAULT_DB,
    debug: DebugOption = False,
) -> None:
    """Write one self-contained, offline HTML report: trends, findings, commentary."""
    with _SlowJobProgress() as progress:
        summary = _guarded(debug, lambda: build_report(
            db, out_file, council=council, areas=area or [], on_step=progress.step))
    out.print(f"Wrote {summary.out} ({summary.size_bytes / 1e6:.1f} MB): {summary.areas} "
              f"area(s), {len(summary.periods)} year(s), {summary.findings} finding(s), "
              f"{summary.seconds:.1f}s", highlight=False, soft_wrap=True)
