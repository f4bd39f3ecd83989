"""`complaints report`: one self-contained, offline HTML file of the warehouse's trends,
findings and commentary, for people who would rather look than read SQL.

read_warehouse (data.py) → figures and totals (figures.py) → page (page.py). Plotly is only
needed for its JavaScript bundle, which is inlined: the `report` extra."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.config import area_catalogue
from pipeline.errors import MissingExtraError, UsageError
from pipeline.html_report.data import WarehouseExtract, read_warehouse, resolve_council
from pipeline.html_report.figures import (
    Figure,
    area_figure,
    area_slug,
    areas_of,
    findings_figure,
    overview_figure,
    periods_of,
    stage_totals,
    top_ten_figure,
)
from pipeline.html_report.page import (
    area_panel,
    data_quality_panel,
    embedded_data,
    overview_panel,
    render_page,
)
from pipeline.warehouse import warehouse

# (what is being done, steps done, steps in all)
ProgressCallback = Callable[[str, int, int], None]
STEPS = ("Reading the warehouse", "Shaping the charts", "Writing the page", "Written")


@dataclass(frozen=True)
class ReportSummary:
    out: Path
    size_bytes: int
    areas: int
    periods: tuple[str, ...]
    findings: int
    seconds: float


def plotly_js() -> str:
    """plotly.js, to inline; the one thing the `report` extra is for."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError as error:
        raise MissingExtraError("the HTML report needs Plotly, which is not installed",
                                hint="Install the report extra: pip install -e '.[report]'") \
            from error
    return get_plotlyjs()


def canonical_areas(names: Sequence[str]) -> tuple[str, ...]:
    """Service areas as printed or canonical → canonical names (unknown names kept as given,
    so the error names what the user typed)."""
    catalogue = area_catalogue()
    return tuple(dict.fromkeys((found.name if (found := catalogue.area(n)) else n)
                               for n in names))


def _check_request(extract: WarehouseExtract, asked_areas: Sequence[str]) -> None:
    if not extract.reports:
        raise UsageError("the warehouse holds no reports; run `complaints ingest` first")
    shown = {area for _, area in areas_of(extract.cells)}
    missing = [asked for asked, area in zip(asked_areas, extract.areas, strict=True)
               if area not in shown]
    if missing:
        raise UsageError(f"no figures for service area(s) {', '.join(map(repr, missing))}; see "
                         "`complaints query \"SELECT DISTINCT service_area FROM stage_outcomes\"`")


def build_figures(extract: WarehouseExtract) -> tuple[dict[str, Figure], list[str], list]:
    """Every chart of the page by panel id, the panel markup, and the overview totals."""
    periods = periods_of(extract.cells)
    totals = stage_totals(extract.cells)
    figures = {"overview": overview_figure(totals, periods),
               "data-quality": findings_figure(extract.findings)}
    if extract.top_ten:
        figures["top-ten"] = top_ten_figure(extract.top_ten)
    panels = [overview_panel(extract)]
    for directorate, area in areas_of(extract.cells):
        def mine(rows: Sequence, d: str = directorate, a: str = area) -> list:
            return [r for r in rows if r.directorate == d and r.service_area == a]
        cells = mine(extract.cells)
        figures[area_slug(directorate, area)] = area_figure(cells, periods)
        panels.append(area_panel(directorate, area, cells, periods, mine(extract.findings),
                                 mine(extract.commentary), mine(extract.commitments)))
    panels.append(data_quality_panel(extract))
    return figures, panels, totals


def build_report(db: Path, out: Path, *, council: str | None = None,
                 areas: Sequence[str] = (),
                 on_step: ProgressCallback | None = None) -> ReportSummary:
    """Write the report for one council (or all) and some service areas (or all) to `out`."""
    started = time.perf_counter()

    def step(done: int) -> None:
        if on_step:
            on_step(STEPS[done], done, len(STEPS) - 1)

    js = plotly_js()
    step(0)
    with warehouse(db, read_only=True) as con:
        extract = read_warehouse(con, resolve_council(con, council), canonical_areas(areas))
    _check_request(extract, areas)
    step(1)
    figures, panels, totals = build_figures(extract)
    step(2)
    periods = periods_of(extract.cells)
    subject = extract.council or "all councils"
    title = f"Complaints trends — {subject}"
    span = f"{periods[0]} to {periods[-1]}" if periods else "no figures"
    subtitle = (f"{len(extract.reports)} report(s), {span}, from {db.name}; generated "
                f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Every number names its report and "
                "page on hover.")
    nav = [("overview", "Overview"),
           *[(area_slug(d, a), a) for d, a in areas_of(extract.cells)],
           ("data-quality", "Data quality")]
    page = render_page(title=title, subtitle=subtitle, extract=extract, panels=panels, nav=nav,
                       figures=figures, embedded=embedded_data(extract, totals), plotly_js=js)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    step(3)
    return ReportSummary(out, out.stat().st_size, len(areas_of(extract.cells)), tuple(periods),
                         len(extract.findings), time.perf_counter() - started)
