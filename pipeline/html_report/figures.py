"""Data shaping for the charts: small pure functions from warehouse rows to the totals the
overview shows and to Plotly figure specs (plain JSON, drawn by plotly.js in the page).

Every point's hover text names the report file and page its number was printed on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.html_report.data import Finding, Source, TopTenRow, TrendCell

Figure = dict[str, Any]
STAGES = (1, 2, 3)
STAGE_COLOURS = {1: "#1f77b4", 2: "#e8730c", 3: "#2a9d3c"}
RESTATED_COLOUR = "#c0162b"
SEVERITY_COLOURS = {"error": "#c0162b", "warning": "#e8a10c", "info": "#7a8ca3"}
# The three small multiples of an area panel: (measure, title, unit).
TREND_MEASURES = (("received", "Received", ""), ("upheld_pct", "% upheld", "%"),
                  ("escalated", "Escalated to next stage", ""))
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12}


@dataclass(frozen=True)
class StageTotal:
    """All shown areas' figures for one period and stage, summed (received) or weighted by
    received (upheld rate), with the reports and pages they add up from."""

    period: str
    stage: int
    received: int
    upheld_pct: float | None
    areas: int
    sources: tuple[Source, ...]


def periods_of(cells: Iterable[TrendCell]) -> list[str]:
    return sorted({c.period for c in cells})


def areas_of(cells: Iterable[TrendCell]) -> list[tuple[str, str]]:
    """(directorate, service_area) in directorate then area order."""
    return sorted({(c.directorate, c.service_area) for c in cells})


def area_slug(directorate: str, service_area: str) -> str:
    """An HTML id for an area's panel: 'area-housing-repairs'."""
    words = "".join(ch if ch.isalnum() else " " for ch in f"{directorate} {service_area}")
    return "area-" + "-".join(words.lower().split())


def stage_totals(cells: Sequence[TrendCell]) -> list[StageTotal]:
    """Per period and stage: complaints received summed over areas, and the upheld rate as
    upheld complaints over received complaints (areas without both figures left out)."""
    totals = []
    for period in periods_of(cells):
        for stage in STAGES:
            group = [c for c in cells if c.period == period and c.stage == stage
                     and c.received is not None]
            if not group:
                continue
            rated = [c for c in group if c.upheld_pct is not None]
            rated_received = sum(c.received or 0 for c in rated)
            upheld = sum((c.received or 0) * (c.upheld_pct or 0) / 100 for c in rated)
            totals.append(StageTotal(
                period, stage, sum(c.received or 0 for c in group),
                round(100 * upheld / rated_received, 1) if rated_received else None,
                len(group), tuple(sorted({c.source for c in group},
                                         key=lambda s: (s.file_name, s.page or 0)))))
    return totals


def cite_many(sources: Sequence[Source]) -> str:
    """'a.pdf pp. 4–14' per file, for a figure added up from several pages."""
    by_file: dict[tuple[str, str], list[int]] = {}
    for s in sources:
        by_file.setdefault((s.file_name, s.report_year), []).append(s.page or 0)
    parts = []
    for (file_name, year), pages in by_file.items():
        low, high = min(pages), max(pages)
        where = f"p. {low}" if low == high else f"pp. {low}–{high}"
        parts.append(f"{file_name} ({year} report, {where})")
    return "; ".join(parts)


def _number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "N/A"
    return f"{value:g}{unit}" if isinstance(value, float) else f"{value:,}{unit}"


def cell_hover(cell: TrendCell, measure: str, unit: str = "") -> str:
    """'Repairs S1 2017/18: 184 — file.pdf (2017/18 report, p. 5)', plus every report's
    printing when the figure was restated."""
    value = getattr(cell, measure)
    text = (f"{cell.service_area} S{cell.stage} {cell.period}: {_number(value, unit)}"
            f"<br>source: {cell.source.cite()}")
    differing = {getattr(p, measure) for p in cell.printings}
    if len(differing) > 1:
        text += "<br><b>restated</b>, as each report printed it:" + "".join(
            f"<br>{_number(getattr(p, measure), unit)} in {p.source.cite()}"
            for p in cell.printings)
    return text


def is_restated(cell: TrendCell, measure: str) -> bool:
    return len({getattr(p, measure) for p in cell.printings}) > 1


def _axes(count: int, gap: float = 0.07) -> dict[str, Any]:
    """Side-by-side subplot axes for `count` small multiples."""
    width = (1 - gap * (count - 1)) / count
    layout: dict[str, Any] = {}
    for i in range(count):
        suffix = "" if i == 0 else str(i + 1)
        start = i * (width + gap)
        layout[f"xaxis{suffix}"] = {"domain": [start, start + width], "anchor": f"y{suffix}",
                                    "type": "category"}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "rangemode": "tozero",
                                    "gridcolor": "#e5e8ec"}
    return layout


def _base_layout(height: int, count: int, titles: Sequence[str]) -> dict[str, Any]:
    width = (1 - 0.07 * (count - 1)) / count
    return {
        **_axes(count), "height": height, "font": FONT,
        "margin": {"l": 48, "r": 16, "t": 36, "b": 40},
        "legend": {"orientation": "h", "y": -0.18}, "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "paper_bgcolor": "white", "plot_bgcolor": "white",
        "annotations": [{"text": f"<b>{t}</b>", "showarrow": False, "xref": "paper",
                         "yref": "paper", "x": i * (width + 0.07) + width / 2, "y": 1.0,
                         "yanchor": "bottom", "xanchor": "center"}
                        for i, t in enumerate(titles)],
    }


def area_figure(cells: Sequence[TrendCell], periods: Sequence[str]) -> Figure:
    """Small multiples for one area: received, % upheld and escalations, a line per stage,
    restated figures ringed in red."""
    traces: list[dict[str, Any]] = []
    for index, (measure, _title, unit) in enumerate(TREND_MEASURES):
        axis = "" if index == 0 else str(index + 1)
        for stage in STAGES:
            points = [c for c in cells if c.stage == stage and getattr(c, measure) is not None]
            if not points:
                continue
            traces.append({
                "type": "scatter", "mode": "lines+markers", "name": f"Stage {stage}",
                "legendgroup": f"s{stage}", "showlegend": index == 0,
                "x": [c.period for c in points], "y": [getattr(c, measure) for c in points],
                "text": [cell_hover(c, measure, unit) for c in points],
                "hovertemplate": "%{text}<extra></extra>",
                "line": {"color": STAGE_COLOURS[stage], "width": 2}, "marker": {"size": 7},
                "xaxis": f"x{axis}", "yaxis": f"y{axis}"})
        restated = [c for c in cells if is_restated(c, measure)]
        if restated:
            traces.append({
                "type": "scatter", "mode": "markers", "name": "restated (hover: both values)",
                "legendgroup": "restated", "showlegend": True,
                "x": [c.period for c in restated], "y": [getattr(c, measure) for c in restated],
                "text": [cell_hover(c, measure, unit) for c in restated],
                "hovertemplate": "%{text}<extra></extra>",
                "marker": {"symbol": "circle-open", "size": 16, "color": RESTATED_COLOUR,
                           "line": {"width": 2.5}},
                "xaxis": f"x{axis}", "yaxis": f"y{axis}"})
    layout = _base_layout(290, len(TREND_MEASURES), [t for _, t, _ in TREND_MEASURES])
    for index in range(len(TREND_MEASURES)):
        layout["xaxis" + ("" if index == 0 else str(index + 1))]["categoryarray"] = list(periods)
    layout["yaxis2"]["range"] = [0, 100]
    layout["yaxis2"]["ticksuffix"] = "%"
    return {"data": traces, "layout": layout}


def overview_figure(totals: Sequence[StageTotal], periods: Sequence[str]) -> Figure:
    """Complaints received per stage and the upheld rate per stage, every loaded year."""
    traces: list[dict[str, Any]] = []
    for stage in STAGES:
        points = [t for t in totals if t.stage == stage]
        hover = [f"Stage {stage} {t.period}: {{value}} ({t.areas} areas)<br>"
                 f"sources: {cite_many(t.sources)}" for t in points]
        traces.append({
            "type": "bar", "name": f"Stage {stage}", "legendgroup": f"s{stage}",
            "x": [t.period for t in points], "y": [t.received for t in points],
            "text": [h.format(value=f"{t.received:,} received") for h, t in zip(
                hover, points, strict=True)],
            "textposition": "none", "hovertemplate": "%{text}<extra></extra>",
            "marker": {"color": STAGE_COLOURS[stage]}, "xaxis": "x", "yaxis": "y"})
        rated = [(h, t) for h, t in zip(hover, points, strict=True) if t.upheld_pct is not None]
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": f"Stage {stage}",
            "legendgroup": f"s{stage}", "showlegend": False,
            "x": [t.period for _, t in rated], "y": [t.upheld_pct for _, t in rated],
            "text": [h.format(value=f"{t.upheld_pct:g}% upheld") for h, t in rated],
            "hovertemplate": "%{text}<extra></extra>",
            "line": {"color": STAGE_COLOURS[stage], "width": 2}, "xaxis": "x2", "yaxis": "y2"})
    layout = _base_layout(320, 2, ["Complaints received per stage",
                                   "% upheld per stage (upheld ÷ received)"])
    layout["barmode"] = "group"
    for axis in ("xaxis", "xaxis2"):
        layout[axis]["categoryarray"] = list(periods)
    layout["yaxis2"].update({"range": [0, 100], "ticksuffix": "%"})
    return {"data": traces, "layout": layout}


def top_ten_figure(rows: Sequence[TopTenRow]) -> Figure:
    """The latest Top Ten table: each area's complaints received per stage, this year
    against last year, in printed rank order."""
    years = sorted({r.period for r in rows}, reverse=True)
    names = [name for _, name in sorted({(r.rank, r.printed_name) for r in rows})]
    traces: list[dict[str, Any]] = []
    for index, stage in enumerate(STAGES):
        axis = "" if index == 0 else str(index + 1)
        for order, year in enumerate(years):
            points = [r for r in rows if r.stage == stage and r.period == year]
            traces.append({
                "type": "bar", "orientation": "h", "name": year, "legendgroup": year,
                "showlegend": index == 0, "y": [f"{r.rank}. {r.printed_name}" for r in points],
                "x": [r.received for r in points],
                "text": [f"#{r.rank} {r.printed_name}, S{stage} {year}: "
                         f"{_number(r.received)} received<br>source: {r.source.cite()}"
                         for r in points],
                "textposition": "none", "hovertemplate": "%{text}<extra></extra>",
                "marker": {"color": "#1f4e79" if order == 0 else "#a9c4de"},
                "xaxis": f"x{axis}", "yaxis": f"y{axis}"})
    layout = _base_layout(60 + 30 * max(len(names), 1), len(STAGES),
                          [f"Stage {s} received" for s in STAGES])
    layout["barmode"] = "group"
    layout["margin"]["l"] = 230
    for index in range(len(STAGES)):
        suffix = "" if index == 0 else str(index + 1)
        layout[f"xaxis{suffix}"]["type"] = "linear"
        layout[f"yaxis{suffix}"].update({
            "type": "category", "autorange": "reversed", "showticklabels": index == 0,
            "categoryarray": [f"{rank}. {name}" for rank, name in enumerate(names, 1)]})
    layout["legend"]["traceorder"] = "normal"
    return {"data": traces, "layout": layout}


def findings_figure(findings: Sequence[Finding]) -> Figure:
    """How many findings each check made, split by severity."""
    counts = Counter((f.check_name, f.severity) for f in findings)
    checks = sorted({f.check_name for f in findings})
    traces = []
    for severity in ("error", "warning", "info"):
        shown = [c for c in checks if counts[(c, severity)]]
        if not shown:
            continue
        traces.append({
            "type": "bar", "orientation": "h", "name": severity, "y": shown,
            "x": [counts[(c, severity)] for c in shown],
            "text": [f"{c}: {counts[(c, severity)]} {severity} finding(s) — listed below with "
                     "report and page" for c in shown],
            "textposition": "none", "hovertemplate": "%{text}<extra></extra>",
            "marker": {"color": SEVERITY_COLOURS[severity]}})
    return {"data": traces, "layout": {
        "height": 70 + 28 * max(len(checks), 1), "barmode": "stack", "font": FONT,
        "margin": {"l": 210, "r": 16, "t": 16, "b": 40}, "paper_bgcolor": "white",
        "plot_bgcolor": "white", "xaxis": {"title": {"text": "findings"},
                                           "gridcolor": "#e5e8ec"},
        "yaxis": {"type": "category", "autorange": "reversed"},
        "legend": {"orientation": "h", "y": -0.25}}}
