"""Golden truth -> the blocks of a sample report, in print order (pure: no I/O, no renderer).

Both writers (docx_writer, reportlab_writer) draw exactly these blocks, so the two sample PDFs
of a golden file carry the same words and figures and differ only in how they are typeset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

Golden = dict[str, Any]

ANALYSIS_HEADER = (
    "Analysis – key themes / concerns",
    "Comments to explain:\n• Provide suggested progress going forward or\n"
    "• Provide a summary of positive impact",
    "Additional commentary from the Complaints Team",
)
PROGRESS_HEADER = "Progress summary provided by the service"

# Column widths in millimetres; each family fills the 267 mm between 15 mm margins of
# landscape A4.
FIGURE_WIDTHS = (47.0,) + (22.0,) * 10
COMMITMENTS_CURRENT_WIDTHS = (10.0, 128.5, 128.5)
ANALYSIS_WIDTHS = (85.0, 100.0, 82.0)
COMMITMENTS_NEXT_WIDTHS = (10.0, 257.0)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 0 = report title, 1 = directorate dashboard, 2 = area / sub-heading


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Table:
    kind: str  # top_ten | commitments_current | comparative | analysis | commitments_next
    service_area: str | None
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths_mm: tuple[float, ...]
    centred_columns: frozenset[int] = frozenset()
    # Force a page break after this many body rows; the rest continues on the next page,
    # with the header row printed again only if split_repeats_header.
    split_after_row: int | None = None
    split_repeats_header: bool = False


Block = Union[Heading, Paragraph, PageBreak, Table]


def is_pct_column(column: str) -> bool:
    return column.endswith("_pct")


def format_figure(value: int | None, pct: bool) -> str:
    """A current or prior figure as printed: 218, 44%, N/A."""
    if value is None:
        return "N/A"
    return f"{value}%" if pct else str(value)


def format_difference(value: int | None, pct: bool) -> str:
    """A Difference-row figure as printed: 0, N/A, +32, -10%."""
    if value is None:
        return "N/A"
    if value == 0:
        return "0"
    return f"{value:+d}{'%' if pct else ''}"


def year_span(financial_year: str, separator: str) -> str:
    """'2018/19' -> '2018<separator>2019'."""
    match = re.fullmatch(r"(\d{4})/(\d{2})", financial_year)
    if not match:
        raise ValueError(f"not a financial year: {financial_year!r}")
    start = int(match.group(1))
    return f"{start}{separator}{start + 1}"


def next_year(financial_year: str) -> str:
    start = int(financial_year[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}"


def top_ten_table(golden: Golden) -> Table:
    pct = [is_pct_column(c) for c in golden["figure_columns"]]
    rows = []
    for entry in golden["top_ten"]:
        cells = [
            f"{format_figure(cur, p)}\n({format_figure(pri, p)})"
            for cur, pri, p in zip(entry["current"], entry["prior"], pct)
        ]
        rows.append(("\n".join(entry["printed_name"]), *cells))
    return Table(
        kind="top_ten",
        service_area=None,
        header=("Directorate & Area", *golden["printed_headers"]),
        rows=tuple(rows),
        widths_mm=FIGURE_WIDTHS,
        centred_columns=frozenset(range(1, 11)),
    )


def comparative_table(golden: Golden, dashboard: Golden, split_after_row: int | None) -> Table:
    pct = [is_pct_column(c) for c in golden["figure_columns"]]
    figures = dashboard["comparative"]
    current_span = year_span(golden["report_year"], "-")
    prior_span = year_span(golden["prior_year"], "-")
    headers = list(golden["printed_headers"])
    if dashboard["s1_received_header_blank"]:
        headers[0] = ""
    title = f"Comparative Data: {year_span(golden['report_year'], '- ')} vs. {prior_span}"
    rows = (
        (current_span, *(format_figure(v, p) for v, p in zip(figures["current"], pct))),
        (prior_span, *(format_figure(v, p) for v, p in zip(figures["prior"], pct))),
        ("Difference", *(format_difference(v, p) for v, p in zip(figures["difference"], pct))),
    )
    return Table(
        kind="comparative",
        service_area=dashboard["service_area"],
        header=(title, *headers),
        rows=rows,
        widths_mm=FIGURE_WIDTHS,
        centred_columns=frozenset(range(1, 11)),
        split_after_row=split_after_row,
        split_repeats_header=False,
    )


def commitments_current_table(golden: Golden, dashboard: Golden) -> Table:
    year = year_span(golden["report_year"], "/")
    rows = tuple(
        (
            "" if item["item_no"] is None else str(item["item_no"]),
            item["commitment"],
            item["progress"] or "",
        )
        for item in dashboard["commitments_current"]
    )
    return Table(
        kind="commitments_current",
        service_area=dashboard["service_area"],
        header=("", f"Service commitments submitted by the service for the year {year}",
                PROGRESS_HEADER),
        rows=rows,
        widths_mm=COMMITMENTS_CURRENT_WIDTHS,
        centred_columns=frozenset({0}),
    )


def analysis_table(dashboard: Golden) -> Table:
    rows = tuple(
        (row["key_themes"], row["service_response"], row["complaints_team_comment"] or "")
        for row in sorted(dashboard["analysis"], key=lambda r: r["stage"])
    )
    return Table(
        kind="analysis",
        service_area=dashboard["service_area"],
        header=ANALYSIS_HEADER,
        rows=rows,
        widths_mm=ANALYSIS_WIDTHS,
    )


def commitments_next_table(golden: Golden, dashboard: Golden) -> Table:
    year = year_span(next_year(golden["report_year"]), "/")
    numbered = {item["item_no"]: item["commitment"] for item in dashboard["commitments_next"]}
    for number in dashboard.get("empty_numbered_rows", []):
        numbered.setdefault(number, "")
    rows = tuple((str(number), numbered[number]) for number in sorted(numbered))
    return Table(
        kind="commitments_next",
        service_area=dashboard["service_area"],
        header=("", f"Service commitments submitted by the service for the year {year}"),
        rows=rows,
        widths_mm=COMMITMENTS_NEXT_WIDTHS,
        centred_columns=frozenset({0}),
    )


def dashboard_blocks(
    golden: Golden, dashboard: Golden, comparative_split: int | None
) -> list[Block]:
    blocks: list[Block] = []
    if dashboard["directorate_heading"]:
        blocks += [PageBreak(), Heading(dashboard["directorate_heading"], 1)]
    if dashboard["area_heading"]:
        blocks.append(Heading(dashboard["area_heading"], 2))
    if dashboard.get("note"):
        blocks.append(Paragraph(f"• {dashboard['note']}"))
    if dashboard.get("commitments_current"):
        blocks.append(commitments_current_table(golden, dashboard))
    blocks.append(comparative_table(golden, dashboard, comparative_split))
    if dashboard.get("analysis"):
        blocks.append(analysis_table(dashboard))
    if dashboard.get("commitments_next") or dashboard.get("empty_numbered_rows"):
        blocks.append(commitments_next_table(golden, dashboard))
    return blocks


def report_blocks(golden: Golden) -> list[Block]:
    """Every block of the report in print order.

    The first dashboard without a heading of its own (Housing Solutions in 2018/19) gets the
    seed's page break between the 2018-2019 and 2017-2018 rows of its Comparative Data table.
    """
    blocks: list[Block] = [Heading(golden["title"], 0)]
    if golden.get("top_ten_heading"):
        blocks.append(Heading(golden["top_ten_heading"], 2))
    if golden.get("intro"):
        blocks.append(Paragraph(golden["intro"]))
    blocks.append(top_ten_table(golden))
    split_done = False
    for dashboard in golden["dashboards"]:
        split = None
        if not split_done and not dashboard["directorate_heading"]:
            split, split_done = 1, True
        blocks += dashboard_blocks(golden, dashboard, split)
    return blocks


def tables(blocks: list[Block]) -> list[Table]:
    return [block for block in blocks if isinstance(block, Table)]
