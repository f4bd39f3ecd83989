"""The HTML page: panels as escaped markup, figures and data as embedded JSON, plotly.js
inlined so the file opens with no network. Every number carries its source in a title."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields, is_dataclass
from html import escape
from importlib import resources
from typing import Any

from pipeline.html_report.data import (
    CommentaryRow,
    CommitmentRow,
    Finding,
    Source,
    TrendCell,
    WarehouseExtract,
)
from pipeline.html_report.figures import (
    STAGES,
    Figure,
    area_slug,
    cell_hover,
    cite_many,
    is_restated,
)


def _asset(name: str) -> str:
    return resources.files("pipeline.html_report").joinpath(name).read_text(encoding="utf-8")


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _title(text: str) -> str:
    """Hover text of a chart point, as a title attribute (line breaks kept)."""
    plain = text.replace("<br>", "\n").replace("<b>", "").replace("</b>", "")
    return escape(plain, quote=True)


def _chart(key: str, label: str) -> str:
    return f'<div class="chart" data-figure="{escape(key)}" role="img" ' \
           f'aria-label="{escape(label)}"></div>'


def figures_table(cells: Sequence[TrendCell], periods: Sequence[str]) -> str:
    """The area's figures as numbers: received (upheld %) per stage and year; * = restated."""
    by_key = {(c.period, c.stage): c for c in cells}
    head = "".join(f"<th>{escape(p)}</th>" for p in periods)
    rows = []
    for stage in STAGES:
        tds = []
        for period in periods:
            cell = by_key.get((period, stage))
            if cell is None or cell.received is None and cell.upheld_pct is None:
                tds.append("<td></td>")
                continue
            restated = any(is_restated(cell, m) for m in ("received", "upheld_pct",
                                                         "escalated"))
            pct = f" ({cell.upheld_pct:g}%)" if cell.upheld_pct is not None else ""
            received = "N/A" if cell.received is None else f"{cell.received:,}"
            hover = "\n".join(_title(cell_hover(cell, m, u)) for m, u in (
                ("received", ""), ("upheld_pct", "%")))
            mark = '<span class="restated">*</span>' if restated else ""
            tds.append(f'<td class="num{" is-restated" if restated else ""}" title="{hover}">'
                       f"{received}{pct}{mark}</td>")
        rows.append(f"<tr><th>Stage {stage}</th>{''.join(tds)}</tr>")
    return (f'<table class="figures"><caption>Received (upheld %) — hover a figure for its '
            f'report and page; <span class="restated">*</span> restated</caption>'
            f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _finding_item(finding: Finding, link_area: bool) -> str:
    where = " ".join(x for x in (finding.period or "", f"S{finding.stage}" if finding.stage
                                 else "") if x)
    area = ""
    if link_area and finding.service_area and finding.directorate:
        slug = area_slug(finding.directorate, finding.service_area)
        area = f'<a href="#{slug}">{escape(finding.service_area)}</a> '
    return (f'<li class="sev-{escape(finding.severity)}" title="{_title(finding.source.cite())}">'
            f'<span class="sev">{escape(finding.severity)}</span> '
            f'{"" if link_area else "<code>" + escape(finding.check_name) + "</code> "}'
            f"{area}{escape(where)} — {escape(finding.detail)} "
            f'<span class="src">{escape(finding.source.cite())}</span></li>')


def findings_list(findings: Iterable[Finding], link_area: bool = False) -> str:
    items = [_finding_item(f, link_area) for f in findings]
    if not items:
        return '<p class="none">No data-quality findings.</p>'
    return f'<ul class="findings">{"".join(items)}</ul>'


def commentary_block(rows: Sequence[CommentaryRow]) -> str:
    if not rows:
        return '<p class="none">No commentary printed.</p>'
    source = rows[0].source
    parts = [f'<p class="src">From {escape(source.file_name)} ({escape(source.report_year)} '
             "report)</p><table class=\"texts\"><thead><tr><th>Stage</th><th>Key themes</th>"
             "<th>Service response</th><th>Complaints team comment</th></tr></thead><tbody>"]
    for row in rows:
        texts = "".join(f"<td>{escape(t or '')}</td>" for t in (
            row.key_themes, row.service_response, row.complaints_team_comment))
        parts.append(f'<tr title="{_title(row.source.cite())}"><th>S{row.stage}</th>{texts}</tr>')
    return "".join(parts) + "</tbody></table>"


def commitments_block(rows: Sequence[CommitmentRow]) -> str:
    if not rows:
        return '<p class="none">No commitments printed.</p>'
    parts = ['<table class="texts commitments"><thead><tr><th>Year</th><th>#</th>'
             "<th>Commitment</th><th>Progress</th></tr></thead><tbody>"]
    for row in rows:
        progress = escape(row.progress) if row.progress else '<span class="none">none printed'\
                                                           "</span>"
        parts.append(f'<tr title="{_title(row.source.cite())}"><td>{escape(row.commitment_year)}'
                     f"</td><td>{row.item_no}</td><td>{escape(row.commitment)}</td>"
                     f"<td>{progress}</td></tr>")
    return "".join(parts) + "</tbody></table>"


def area_panel(directorate: str, service_area: str, cells: Sequence[TrendCell],
               periods: Sequence[str], findings: Sequence[Finding],
               commentary: Sequence[CommentaryRow], commitments: Sequence[CommitmentRow]) -> str:
    slug = area_slug(directorate, service_area)
    return (
        f'<section class="panel area" id="{slug}"><h2><span class="dir">{escape(directorate)}'
        f"</span> {escape(service_area)}</h2>"
        f"{_chart(slug, f'{service_area}: received, upheld and escalated per stage')}"
        f"{figures_table(cells, periods)}"
        f"<h3>Data-quality findings ({len(findings)})</h3>{findings_list(findings)}"
        f"<h3>Latest commentary</h3>{commentary_block(commentary)}"
        f"<h3>Commitments and progress</h3>{commitments_block(commitments)}</section>")


def data_quality_panel(extract: WarehouseExtract) -> str:
    groups = []
    for check in sorted({f.check_name for f in extract.findings}):
        found = [f for f in extract.findings if f.check_name == check]
        groups.append(f"<details><summary><code>{escape(check)}</code> — {len(found)} "
                      f"finding(s)</summary>{findings_list(found, link_area=True)}</details>")
    quarantine = "".join(
        f'<tr><td>{escape(r.file_name)}</td><td>{escape(r.report_year)}</td>'
        f'<td class="num" title="{r.quarantined} value(s) quarantined in '
        f'{_title(Source(r.file_name, r.report_year, None).cite())}">{r.quarantined}</td></tr>'
        for r in extract.reports)
    return (
        '<section class="panel" id="data-quality"><h2>Data quality</h2>'
        f"{_chart('data-quality', 'findings per check and severity')}"
        f"<h3>Findings by check ({len(extract.findings)})</h3>"
        f"{''.join(groups) or findings_list([])}"
        "<h3>Quarantined values per report</h3><table class=\"figures\"><thead><tr>"
        "<th>Report</th><th>Year</th><th>Quarantined</th></tr></thead>"
        f"<tbody>{quarantine}</tbody></table></section>")


def overview_panel(extract: WarehouseExtract) -> str:
    latest = sorted({r.period for r in extract.top_ten}, reverse=True)
    printed_in = cite_many([r.source for r in extract.top_ten])
    top_ten = (f"<h3>Top Ten areas, {escape(' against '.join(latest))}</h3>"
               f'<p class="src">As printed in {escape(printed_in)}</p>'
               f"{_chart('top-ten', 'Top Ten areas, this year against last')}"
               if extract.top_ten else '<p class="none">No Top Ten table loaded.</p>')
    return ('<section class="panel" id="overview"><h2>Overview</h2>'
            f"{_chart('overview', 'complaints received and upheld rate per stage and year')}"
            '<p class="note">Totals add up the areas shown; the upheld rate is upheld ÷ '
            "received over areas that print both. Hover a bar or point for its sources.</p>"
            f"{top_ten}</section>")


def reports_list(extract: WarehouseExtract) -> str:
    items = "".join(f"<li>{escape(r.file_name)} — {escape(r.report_year)}, {r.page_count} "
                    "pages</li>" for r in extract.reports)
    return f'<details class="reports"><summary>{len(extract.reports)} report(s) loaded' \
           f"</summary><ul>{items}</ul></details>"


def render_page(*, title: str, subtitle: str, extract: WarehouseExtract, panels: Sequence[str],
                nav: Sequence[tuple[str, str]], figures: dict[str, Figure],
                embedded: dict[str, Any], plotly_js: str) -> str:
    """The whole self-contained document."""
    links = "".join(f'<a href="#{escape(slug)}">{escape(label)}</a>' for slug, label in nav)
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{_asset('report.css')}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p>{reports_list(extract)}"
        f"<nav>{links}</nav></header><main>{''.join(panels)}</main>"
        f'<script type="application/json" id="report-data">{script_json(embedded)}</script>'
        f'<script type="application/json" id="figures">{script_json(figures)}</script>'
        f"<script>{plotly_js}</script><script>{_asset('report.js')}</script></body></html>")


def plain(value: Any) -> Any:
    """Records as JSON-ready dicts and lists (dataclasses.asdict deep-copies, 5x slower)."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    return value


def embedded_data(extract: WarehouseExtract, totals: Sequence[Any]) -> dict[str, Any]:
    """The numbers behind the page, machine-readable (tests read them back)."""
    return {
        "council": extract.council, "areas": list(extract.areas),
        "reports": plain(extract.reports), "stage_totals": plain(totals),
        "cells": plain(extract.cells), "top_ten": plain(extract.top_ten),
        "findings": plain(extract.findings),
    }
