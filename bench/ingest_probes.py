"""What runs inside the benchmark's child processes: one measured thing per process.

Each probe takes the child's argument list and returns a JSON-able dict; `bench/run.py --child
KIND -- ARGS` runs one and prints its result after `MARK`. Probes use only public names of the
pipeline (the CLI app, `pipeline.run.ingest` and the functions it calls); the phase timers wrap
those names where they are looked up, and never edit pipeline code.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.ingest_corpus import REPO, SAMPLES, bench_council

MARK = "BENCH_JSON "
OTHER = "other (Python glue, GC, page loop)"


def _rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def _naive(files: list[Path]) -> int:
    """The baseline: what a user of pdfplumber alone would write to get tables and text."""
    import pdfplumber

    pages = 0
    for path in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.extract_text()
                pages += 1
    return pages


def naive(args: list[str]) -> dict:
    started = time.perf_counter()
    pages = _naive([Path(a) for a in args])
    return {"pages": pages, "seconds": time.perf_counter() - started, "rss_mb": _rss_mb()}


def cli(args: list[str]) -> dict:
    """`complaints ingest ...` through the CLI's own Typer app, as the entry point runs it."""
    started = time.perf_counter()
    from pipeline.cli import app

    imported = time.perf_counter()
    code = 0
    try:
        app(args=args, prog_name="complaints")
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    me = resource.getrusage(resource.RUSAGE_SELF)
    pool = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"exit": code, "seconds": time.perf_counter() - started,
            "import_seconds": imported - started, "rss_mb": _rss_mb(),
            "children_rss_mb": _rss_mb(resource.RUSAGE_CHILDREN),
            "self_cpu": me.ru_utime + me.ru_stime, "pool_cpu": pool.ru_utime + pool.ru_stime}


class Phases:
    """Exclusive CPU time per wrapped function: a callee's time is not counted in its caller.
    CPU, not wall, time: the machine may be shared, and these phases are all CPU-bound."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.stack: list[list[float]] = []

    def timed(self, original: Callable, label: str) -> Callable:
        phases = self

        def timed(*args, **kwargs):
            phases.stack.append([0.0])
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.process_time() - started
                inner = phases.stack.pop()[0]
                phases.totals[label] = phases.totals.get(label, 0.0) + elapsed - inner
                if phases.stack:
                    phases.stack[-1][0] += elapsed

        return timed

    def wrap(self, owner: object, attr: str, label: str) -> None:
        """Time `owner.attr` (a method of a library class)."""
        setattr(owner, attr, self.timed(getattr(owner, attr), label))

    def wrap_everywhere(self, function: Callable, label: str) -> int:
        """Time a pipeline function in every loaded pipeline module that imported it by name
        (`from pipeline.x import f` binds f in the importer); returns how many places."""
        timed = self.timed(function, label)
        places = 0
        for name, module in list(sys.modules.items()):
            if not (name == "pipeline" or name.startswith("pipeline.")) or module is None:
                continue
            for attr, value in list(vars(module).items()):
                if value is function:
                    setattr(module, attr, timed)
                    places += 1
        return places


def _wrap_pdf_phases(phases: Phases) -> None:
    import pdfplumber
    import pdfplumber.page
    import pdfplumber.table
    from pdfminer.pdfinterp import PDFPageInterpreter

    phases.wrap(pdfplumber, "open", "open PDF (xref, catalogue)")
    phases.wrap(PDFPageInterpreter, "process_page", "pdfminer: interpret content streams")
    phases.wrap(pdfplumber.page.Page, "parse_objects", "pdfplumber: object dicts per char/line")
    phases.wrap(pdfplumber.table.TableFinder, "__init__", "table finding (edges -> cells)")
    try:  # the pipeline's own finder (same tables, its slow step done faster)
        from pipeline.extract import table_finder
    except ImportError:
        pass
    else:
        phases.wrap(table_finder._TableFinder, "__init__", "table finding (edges -> cells)")
    phases.wrap(pdfplumber.table.Table, "extract", "table cell text (Table.extract)")
    phases.wrap(pdfplumber.page.Page, "extract_text_lines", "text lines outside tables")
    phases.wrap(pdfplumber.page.Page, "extract_text", "page text (extract_text)")


# Pipeline stages, by the public names pipeline.run and pipeline.report call them through.
# Times are exclusive: "rest of read_blocks" is document.py's own work around pdfplumber's
# calls (each table's grid origins, dropping table chars from the text, ordering, evidence).
PIPELINE_PHASES = {
    "sha256 of the file": ("pipeline.run", "file_sha256"),
    "open warehouse, read what is loaded": ("pipeline.run", "loaded_reports"),
    "rest of read_blocks (cell chars, table chars out, grid origins)": ("pipeline.run",
                                                                        "read_blocks"),
    "page furniture (furniture_lines)": ("pipeline.report", "furniture_lines"),
    "stitching tables (stitch_tables)": ("pipeline.report", "stitch_tables"),
    "family detection (detect_family)": ("pipeline.families", "detect_family"),
    "header grids (column_headers)": ("pipeline.extract.header_grid", "column_headers"),
    "sections (split_sections)": ("pipeline.report", "split_sections"),
    "attribution (attribute_sections)": ("pipeline.report", "attribute_sections"),
    "checks (run_checks)": ("pipeline.report", "run_checks"),
    "rest of read_report (family readers, validation)": ("pipeline.run", "read_report"),
    # attaching the warehouse, each report's transaction, and detaching it
    "DuckDB load (ReportLoader)": ("pipeline.load", "ReportLoader.load_together"),
    "DuckDB load, letting go (ReportLoader)": ("pipeline.load", "ReportLoader.let_go"),
}


# The page source's parsing (issue 15): pdfium parsing each page into pdfplumber's char and
# path dicts, the fonts' descents read through pdfminer, cell text in one sorted sweep and
# the page's text lines in one pass (pdfplumber's text functions fused, pipeline/extract/
# cells.py). Library work reached through pipeline names, so listed with the library rows.
PAGE_SOURCE_PHASES = {
    "pdfium: parse page, char/path dicts (page_objects)": ("pipeline.extract.page_source",
                                                           "page_objects"),
    "pdfminer: fonts for pdfium pages (font_metrics)": ("pipeline.extract.page_source",
                                                        "font_metrics"),
    "cell text, one sorted sweep (cells.table_rows)": ("pipeline.extract.document",
                                                       "table_rows"),
    # called through cells.LazyTextLines, a band of lines at a time
    "text lines outside tables, one pass (cells.text_lines)": ("pipeline.extract.cells",
                                                               "text_lines"),
}


def _wrap_pipeline_phases(phases: Phases) -> list[str]:
    """Wrap every pipeline phase this version of the pipeline has; returns the labels of
    those whose name has moved (reported, rather than failing the run)."""
    missing = []
    for label, (module_name, attr) in {**PIPELINE_PHASES, **PAGE_SOURCE_PHASES}.items():
        owner_name, _, method = attr.rpartition(".")
        try:
            module = importlib.import_module(module_name)
            owner = getattr(module, owner_name) if owner_name else None
            function = getattr(owner or module, method)
        except (ImportError, AttributeError):
            missing.append(label)
            continue
        if owner is not None:  # a method ("Class.method"): the class holds it
            phases.wrap(owner, method, label)
        elif not phases.wrap_everywhere(function, label):
            missing.append(label)
    return missing


def _in_process():  # noqa: ANN202 - pipeline imported lazily, in the child
    from pipeline.extract.document import Limits

    return Limits(max_memory=0)  # --max-memory 0: extraction runs in the calling process


def phases(args: list[str]) -> dict:
    """Where the time goes, by exclusive phase: `ingest DB FILES...` or `naive FILES...`."""
    kind, rest = args[0], args[1:]
    started = time.process_time()
    timers = Phases()
    missing: list[str] = []
    if kind == "ingest":
        import pipeline.run

        imported = time.process_time()
        _wrap_pdf_phases(timers)
        missing = _wrap_pipeline_phases(timers)
        run_started = time.process_time()
        # in-process (no worker, so no memory bound): the timers see the extraction
        summary = pipeline.run.ingest([Path(p) for p in rest[1:]], Path(rest[0]), workers=1,
                                      limits=_in_process())
        pages = summary.pages
    else:
        import pdfplumber  # noqa: F401

        imported = time.process_time()
        _wrap_pdf_phases(timers)
        run_started = time.process_time()
        pages = _naive([Path(p) for p in rest])
    total = time.process_time() - run_started
    timers.totals[OTHER] = total - sum(timers.totals.values())
    return {"pages": pages, "seconds": total, "import_seconds": imported - started,
            "phases": timers.totals, "missing": missing}


def profile(args: list[str]) -> dict:
    """cProfile of `ingest DB FILE` or `naive FILE`: the top functions by own time, and the
    pipeline's own functions by cumulative time."""
    import cProfile
    import pstats

    kind, rest = args[0], args[1:]
    if kind == "ingest":
        import pipeline.run

        def target() -> None:  # in-process, so the profiler sees the extraction
            pipeline.run.ingest([Path(rest[1])], Path(rest[0]), workers=1,
                                limits=_in_process())
    else:
        import pdfplumber  # noqa: F401

        def target() -> None:
            _naive([Path(rest[0])])
    profiler = cProfile.Profile()
    profiler.enable()
    target()
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (_, calls, own, cumulative, _) in stats.stats.items():
        rows.append({"function": _short(filename, line, func), "calls": calls, "own": own,
                     "cumulative": cumulative,
                     "pipeline": filename.startswith(str(REPO / "pipeline"))})
    own_top = sorted(rows, key=lambda r: r["own"], reverse=True)[:14]
    pipeline_top = sorted((r for r in rows if r["pipeline"]), key=lambda r: r["cumulative"],
                          reverse=True)[:30]
    return {"total": stats.total_tt, "top": own_top, "pipeline_top": pipeline_top}


def _short(filename: str, line: int, func: str) -> str:
    if filename == "~":
        return func
    path = filename.split("site-packages/")[-1].replace(str(REPO) + "/", "")
    return f"{path}:{line} {func}"


def census(args: list[str]) -> dict:
    """Pages without text or without a ruled table, and what a C-level text check costs per
    page (pypdfium2, installed with pdfplumber): what skipping such pages could save."""
    import pdfplumber

    from pipeline.extract.document import TABLE_SETTINGS

    files = [Path(a) for a in args]
    pages = no_chars = no_tables = 0
    for path in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                pages += 1
                no_chars += not page.chars
                no_tables += not page.find_tables(TABLE_SETTINGS)
    check = _pdfium_check_seconds(files)
    return {"pages": pages, "pages_without_chars": no_chars, "pages_without_tables": no_tables,
            "pdfium_check_ms_per_page": None if check is None else 1000 * check / pages}


def _pdfium_check_seconds(files: list[Path]) -> float | None:
    if importlib.util.find_spec("pypdfium2") is None:
        return None
    import pypdfium2

    started = time.perf_counter()
    for path in files:
        document = pypdfium2.PdfDocument(str(path))
        for index in range(len(document)):
            page = document[index]
            text_page = page.get_textpage()
            text_page.count_chars()
            text_page.close()
            page.close()
        document.close()
    return time.perf_counter() - started


def verify(args: list[str]) -> dict:
    """Every corpus report in the warehouse equals its original with counts x k."""
    import duckdb

    import pipeline.run

    db, manifest = Path(args[0]), json.loads(Path(args[1]).read_text())
    with tempfile.TemporaryDirectory() as tmp:
        originals = Path(tmp) / "originals.duckdb"
        for n, source in enumerate(manifest["sources"]):  # one council each: no re-issues
            pipeline.run.ingest([SAMPLES / source], originals, workers=1,
                                council=f"Source {bench_council(n)}")
        con = duckdb.connect(str(db), read_only=True)
        con.execute(f"ATTACH '{originals}' AS o (READ_ONLY)")
        bad, checked, figures_wrong = [], 0, []
        for name, meta in manifest["files"].items():
            k = meta["factor"]
            ids = con.execute("SELECT report_id FROM reports WHERE file_name = ?",
                              [name]).fetchall()
            src = con.execute("SELECT report_id FROM o.reports WHERE file_name = ?",
                              [meta["source"]]).fetchall()
            checked += 1
            if len(ids) != 1 or len(src) != 1:
                bad.append(f"{name}: not loaded")
                continue
            r, s = ids[0][0], src[0][0]
            problems = []
            for table, key in (("stage_outcomes", "period, directorate, service_area, stage"),
                               ("top_ten", "period, rank, stage")):
                wrong = [f"{table}: {row}" for row in con.execute(f"""
                    SELECT count(*) FILTER (WHERE a.report_id IS NULL OR b.report_id IS NULL),
                           count(*) FILTER (WHERE a.received IS DISTINCT FROM b.received * {k}
                               OR a.escalated IS DISTINCT FROM b.escalated * {k}
                               OR a.upheld_pct IS DISTINCT FROM b.upheld_pct
                               OR a.upheld_not_upheld_prev_pct
                                  IS DISTINCT FROM b.upheld_not_upheld_prev_pct)
                    FROM (SELECT * FROM {table} WHERE report_id = '{r}') a
                    FULL JOIN (SELECT * FROM o.{table} WHERE report_id = '{s}') b
                    USING ({key})""").fetchall() if row != (0, 0)]
                if wrong:  # a figure not k x the original's: a value loaded wrong or lost
                    figures_wrong.append(name)
                problems += wrong
            # 'restatement' compares reports with each other (it depends on what else is in
            # the warehouse) and 'percent_reachable' gets rarer as counts grow (k x n admits
            # every percentage n did, and more): both are compared loosely.
            loose = "('restatement', 'percent_reachable')"
            for table in ("data_quality_issues", "quarantine", "commentary",
                          "service_commitments", "printed_differences", "report_sections"):
                group = "check_name" if table == "data_quality_issues" else "1"
                where = f"AND check_name NOT IN {loose}" if group == "check_name" else ""
                mine = con.execute(f"SELECT {group}, count(*) FROM {table} WHERE report_id = ? "
                                   f"{where} GROUP BY ALL ORDER BY ALL", [r]).fetchall()
                theirs = con.execute(f"SELECT {group}, count(*) FROM o.{table} "
                                     f"WHERE report_id = ? {where} GROUP BY ALL ORDER BY ALL",
                                     [s]).fetchall()
                if mine != theirs:
                    problems.append(f"{table}: {mine} vs {theirs}")
            reach = [con.execute(f"SELECT count(*) FROM {db_}data_quality_issues WHERE "
                                 "report_id = ? AND check_name = 'percent_reachable'",
                                 [rid]).fetchone()[0] for db_, rid in (("", r), ("o.", s))]
            if reach[0] > reach[1]:
                problems.append(f"percent_reachable {reach[0]} > original {reach[1]}")
            if problems:
                bad.append(f"{name}: " + "; ".join(problems)[:300])
        restatement_ms = _restatement_ms(con)
        per_source = con.execute("""
            SELECT r.file_name, r.report_year,
                   (SELECT count(*) FROM o.stage_outcomes s WHERE s.report_id = r.report_id),
                   (SELECT count(*) FROM o.quarantine q WHERE q.report_id = r.report_id)
            FROM o.reports r ORDER BY r.file_name""").fetchall()
        con.close()
    return {"checked": checked, "consistent": checked - len(bad), "problems": bad[:5],
            "figures_wrong": figures_wrong, **restatement_ms,
            "sources": [{"file": f, "year": y, "stage_outcomes": n, "quarantined": q}
                        for f, y, n, q in per_source]}


def _restatement_ms(con) -> dict:
    """Time of the query `load.refresh_restatements` runs (pipeline.trends.RESTATEMENTS_SQL
    without its INSERT), on this warehouse: for the council with the most reports (what a load
    of one of its reports runs) and for every council (what `complaints remove` runs)."""
    from pipeline.trends import RESTATEMENTS_SQL

    found = re.search(r"^WITH\b", RESTATEMENTS_SQL, re.MULTILINE)
    if found is None or RESTATEMENTS_SQL.count("?") != 1:
        return {"restatement_ms": None,
                "restatement_error": "RESTATEMENTS_SQL is no longer INSERT ... WITH ... with "
                                     "one parameter (the council)"}
    select = f"SELECT count(*) FROM ({RESTATEMENTS_SQL[found.start():]})"
    council, reports = con.execute("SELECT council, count(*) FROM reports GROUP BY ALL "
                                   "ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
    timings = {}
    for key, parameter in (("restatement_ms", council), ("restatement_all_ms", None)):
        con.execute(select, [parameter]).fetchone()  # warm
        started = time.perf_counter()
        con.execute(select, [parameter]).fetchone()
        timings[key] = 1000 * (time.perf_counter() - started)
    return {**timings, "restatement_council_reports": reports}


PROBES: dict[str, Callable[[list[str]], dict]] = {
    "naive": naive, "cli": cli, "phases": phases, "profile": profile, "census": census,
    "verify": verify}


def run_probe(kind: str, args: list[str]) -> None:
    """Child-process entry point: run one probe and print its result on one marked line."""
    result = PROBES[kind](args)
    sys.stdout.flush()
    print(MARK + json.dumps(result), flush=True)
