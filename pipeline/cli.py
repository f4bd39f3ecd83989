"""Command line: parse arguments, call the orchestrator, render. Nothing else lives here."""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import duckdb
import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from pipeline.cli_display import (
    OcrPageBars,
    OutputFormat,
    SlowJobProgress,
    err,
    error_line,
    out,
    print_summary,
    print_trend,
    render,
)
from pipeline.config import area_catalogue
from pipeline.errors import ExportError, PipelineError, UsageError, WarehouseError
from pipeline.export import export_warehouse
from pipeline.extract.limits import MB, Limits
from pipeline.ingest_log import FileOutcome, RunInfo
from pipeline.load import remove_reports
from pipeline.names import printable
from pipeline.queries import CHECK_SQL, REPORTS_SQL, TRENDS_SQL, run_query
from pipeline.run import ingest
from pipeline.sources import discover
from pipeline.warehouse import SCHEMA_VERSION, warehouse

if TYPE_CHECKING:  # a command imports what only it needs (pipeline.run: why)
    pass

DEFAULT_DB = Path("warehouse/complaints.duckdb")
app = typer.Typer(
    help="Turn council Annual Complaints Report PDFs into a validated DuckDB warehouse.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]})
T = TypeVar("T")

DbOption = Annotated[Path, typer.Option(
    "--db", envvar="COMPLAINTS_DB", help="Warehouse file (env COMPLAINTS_DB).")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show the traceback on errors.")]


def _guarded(debug: bool, action: Callable[[], T]) -> T:
    """Run an action; the project's own errors become one red line and exit code 1. What
    the world can still throw at a command (a damaged warehouse, a full disk, the memory
    bound) is one line too: the traceback is for --debug. What the command line imported
    and parsed lives until the process exits: it is moved out of the garbage collector's
    sight first (`gc.freeze`), so neither the command's collections nor the one at exit
    walk it again (about 50 ms of a no-change ingest's 0.8 s)."""
    gc.freeze()
    try:
        return action()
    except PipelineError as error:
        if debug:
            traceback.print_exc()
        error_line(error.one_line())
        raise typer.Exit(2 if error.stage == "cli" else 1) from None
    except (duckdb.Error, OSError, MemoryError) as error:
        if debug:
            traceback.print_exc()
        error_line(_unexpected(error))
        raise typer.Exit(1) from None


def _unexpected(error: BaseException) -> str:
    if isinstance(error, MemoryError):
        return "out of memory"
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or type(error).__name__}"
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"warehouse error ({first_line})"


class IngestFormat(StrEnum):
    table = "table"
    json = "json"


class PageParser(StrEnum):
    """The page sources (pipeline.extract.page_source)."""

    pdfium = "pdfium"
    pdfminer = "pdfminer"


class ExportFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


class SeverityChoice(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


def version_text() -> str:
    from importlib import metadata

    from pipeline.ingest_log import extractor_fingerprint

    try:
        tool = metadata.version("complaints-warehouse")
    except metadata.PackageNotFoundError:
        tool = "unknown"
    return (f"complaints {tool} (extractor {extractor_fingerprint(None)}, "
            f"warehouse schema v{SCHEMA_VERSION})")


def _print_version(value: bool) -> None:
    if value:
        out.print(version_text(), highlight=False)
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    """Turn council Annual Complaints Report PDFs into a validated DuckDB warehouse."""


def _default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="PDF files or folders of them (default: raw_reports/).")] = None,
    db: DbOption = DEFAULT_DB,
    force: Annotated[bool, typer.Option(
        "--force", help="Re-process files even if unchanged since they were loaded.")] = False,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Let a different file replace the loaded report of its council and "
                          "year (a corrected re-issue).")] = False,
    council: Annotated[str | None, typer.Option(
        "--council", help="Whose reports these are, when a report does not name its "
                          "council (or names it wrongly).")] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Refuse a report that has any error-severity finding.")] = False,
    reextract: Annotated[bool, typer.Option(
        "--reextract", help="Re-process reports loaded by another extractor version or "
                            "vocabulary.")] = False,
    workers: Annotated[int, typer.Option(
        "--workers", min=0, help="Extraction processes (0, the default: one per core).")] = 0,
    parser: Annotated[PageParser, typer.Option(
        "--parser", help="What parses each page: pdfium (fast) or pdfminer (the reference; "
                         "the same rows, about twice as slow).")] = PageParser.pdfium,
    max_pages: Annotated[int, typer.Option(
        "--max-pages", min=1, help="Refuse files with more pages than this.")] = 300,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=1, help="Seconds one file may take before it is abandoned.")] = 120.0,
    max_memory: Annotated[int, typer.Option(
        "--max-memory", min=0, metavar="MB",
        help="Memory (MB) one file's extraction may allocate; 0: unbounded.")] = 1536,
    lock_wait: Annotated[float, typer.Option(
        "--lock-wait", min=0, envvar="COMPLAINTS_LOCK_WAIT",
        help="Seconds to wait for the warehouse's write lock, per report.")] = 30.0,
    fmt: Annotated[IngestFormat, typer.Option(
        "--format", "-f", help="Summary as a table, or JSON lines (one object per file).")
    ] = IngestFormat.table,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only errors (and the JSON lines, with --format json).")
    ] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="List unchanged files in the summary too (by default they "
                                "are counted in one line).")] = False,
    debug: DebugOption = False,
) -> None:
    """Extract, validate and load reports; unchanged files are skipped.

    Exit 0 when every file loaded or was unchanged, 1 when any file failed.
    """
    targets = paths or [Path("raw_reports")]
    limits = Limits(max_pages=max_pages, max_seconds=timeout, max_memory=max_memory * MB)
    total = len(_guarded(debug, lambda: discover(targets)))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
                  console=err, transient=True,
                  disable=quiet or fmt == IngestFormat.json or not err.is_terminal) as progress:
        task = progress.add_task("Ingesting", total=total, pages=0, note="0 pages")
        ocr_bars = OcrPageBars(progress)

        def on_file(outcome: FileOutcome) -> None:
            ocr_bars.file_done(outcome.file_name)
            done_pages = progress.tasks[0].fields["pages"] + outcome.pages
            progress.update(task, advance=1, pages=done_pages, note=f"{done_pages} pages",
                            description=f"Ingesting {outcome.file_name[:40]}")
            if outcome.error:
                error_line(outcome.error)
            if debug:
                for line in outcome.library_log:
                    err.print(f"[dim]{escape(printable(f'{outcome.file_name}: {line}'))}[/dim]",
                              highlight=False, soft_wrap=True)

        def on_wait(message: str) -> None:
            if not quiet:
                progress.console.print(f"[yellow]Waiting: {message}[/yellow]", highlight=False,
                                       soft_wrap=True)

        summary = _guarded(debug, lambda: ingest(
            targets, db, force=force, strict=strict, reextract=reextract, replace=replace,
            council=council, workers=workers or _default_workers(), limits=limits,
            lock_wait=lock_wait, on_file=on_file, on_wait=on_wait, parser=parser.value,
            on_ocr_page=None if progress.disable else ocr_bars.page_read))
    if fmt == IngestFormat.json:
        for outcome in summary.outcomes:
            sys.stdout.write(json.dumps(dataclasses.asdict(outcome), ensure_ascii=False) + "\n")
    elif not quiet:
        print_summary(summary, every_file=verbose)
    raise typer.Exit(1 if summary.failed else 0)


Format = Annotated[OutputFormat, typer.Option("--format", "-f", help="table, csv or json.")]


@app.command("query")
def query_command(
    sql: Annotated[str, typer.Argument(help="SQL to run against the warehouse (read-only).")],
    db: DbOption = DEFAULT_DB,
    fmt: Format = OutputFormat.table,
    debug: DebugOption = False,
) -> None:
    """Run SQL against the warehouse, opened read-only."""
    columns, rows = _guarded(debug, lambda: run_query(db, sql))
    render(columns, rows, fmt)


@app.command("reports")
def reports_command(db: DbOption = DEFAULT_DB, fmt: Format = OutputFormat.table,
                    debug: DebugOption = False) -> None:
    """List ingested reports with their record, issue and quarantine counts."""
    columns, rows = _guarded(debug, lambda: run_query(db, REPORTS_SQL))
    render(columns, rows, fmt)


@app.command("check")
def check_command(
    db: DbOption = DEFAULT_DB,
    severity: Annotated[SeverityChoice | None, typer.Option(
        "--severity", help="Only show findings of this severity.")] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Exit 1 if any error-severity finding exists.")] = False,
    fmt: Format = OutputFormat.table,
    debug: DebugOption = False,
) -> None:
    """Show data-quality findings (arithmetic slips, mismatches, quarantined values)."""
    level = severity.value if severity else None
    columns, rows = _guarded(debug, lambda: run_query(db, CHECK_SQL, [level, level]))
    render(columns, rows, fmt)
    errors = _guarded(debug, lambda: run_query(
        db, "SELECT count(*) FROM data_quality_issues WHERE severity = 'error'"))[1][0][0]
    if strict and errors:
        err.print(f"[red]Error: {errors} error-severity finding(s)[/red]")
        raise typer.Exit(1)


@app.command("trends")
def trends_command(
    area: Annotated[str, typer.Argument(help="Service area, as printed or canonical.")],
    council: Annotated[str | None, typer.Option(
        "--council", help="Only this council (default: every council, one table each).")
    ] = None,
    db: DbOption = DEFAULT_DB,
    fmt: Format = OutputFormat.table,
    debug: DebugOption = False,
) -> None:
    """Print an area's received and upheld figures per year, with a sparkline per stage."""
    def load() -> tuple[str, list[str], list]:
        found = area_catalogue(council).area(area)
        name = found.name if found else area
        columns, rows = run_query(db, TRENDS_SQL, [name, council, council])
        if not rows:
            raise UsageError(f"no figures for service area {area!r}; see `complaints query "
                             "\"SELECT DISTINCT service_area FROM stage_outcomes\"`")
        return name, columns, rows

    name, columns, rows = _guarded(debug, load)
    if fmt != OutputFormat.table:
        render(columns, rows, fmt)
        return
    for each in sorted({r[0] for r in rows}):
        print_trend(f"{each} – {name}", [r[1:] for r in rows if r[0] == each])
    if any(r[5] for r in rows):
        out.print("* restated: another report of the same council printed a different figure "
                  "(`complaints check` lists them)")


@app.command("export")
def export_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write into.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="parquet or csv.")
                   ] = ExportFormat.parquet,
    db: DbOption = DEFAULT_DB,
    debug: DebugOption = False,
) -> None:
    """Export every warehouse table and the trends view; Parquet is partitioned by period
    where a table has one; an empty table is a zero-row file."""
    def export() -> list[tuple[str, int]]:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ExportError(f"cannot create the folder ({error.strerror})",
                              file_name=str(out_dir)) from error
        with warehouse(db, read_only=True, writable=out_dir) as con:
            return export_warehouse(con, out_dir, fmt.value)  # type: ignore[arg-type]

    written = _guarded(debug, export)
    render(["table", "rows"], written, OutputFormat.table)


@app.command("remove")
def remove_command(
    file: Annotated[str | None, typer.Argument(
        help="The report's file (its bytes are matched), or its loaded path or name.")] = None,
    council: Annotated[str | None, typer.Option("--council", help="With --year: the "
                                                "council whose report to remove.")] = None,
    year: Annotated[str | None, typer.Option("--year", help="Report year, e.g. 2018/19.")
                    ] = None,
    db: DbOption = DEFAULT_DB,
    debug: DebugOption = False,
) -> None:
    """Delete one report's rows from every table, in one transaction."""
    def remove() -> list[tuple[str, str, str]]:
        if (file is None) == (council is None or year is None):
            raise UsageError("give a FILE, or --council and --year (not both)")
        sha = _file_sha256(Path(file)) if file and Path(file).is_file() else None
        run = RunInfo.start()
        removed = remove_reports(
            db, sha256=sha, name=file, council=council, report_year=year,
            run_row=run.row(FileOutcome(file or "", "removed"), sha))
        if not removed:
            raise WarehouseError(f"no loaded report matches {file or f'{council} {year}'}",
                                 hint="`complaints reports` lists them.")
        return removed

    for each_council, each_year, path in _guarded(debug, remove):
        out.print(f"removed {each_council} {each_year} ({path})", highlight=False)


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()



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
    from pipeline.html_report import build_report

    with SlowJobProgress() as progress:
        summary = _guarded(debug, lambda: build_report(
            db, out_file, council=council, areas=area or [], on_step=progress.step))
    out.print(f"Wrote {summary.out} ({summary.size_bytes / 1e6:.1f} MB): {summary.areas} "
              f"area(s), {len(summary.periods)} year(s), {summary.findings} finding(s), "
              f"{summary.seconds:.1f}s", highlight=False, soft_wrap=True)
