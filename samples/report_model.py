"""Golden truth -> the blocks of a sample report, in print order (pure: no I/O, no renderer).

Both writers (docx_writer, reportlab_writer) draw exactly these blocks, so the two sample PDFs
of a golden file carry the same words and figures and differ only in how they are typeset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

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
# The same families on portrait A4: 180 mm between 15 mm margins.
PORTRAIT_WIDTHS = {
    "figure": (25.0,) + (15.5,) * 10,
    "commitments_current": (10.0, 85.0, 85.0),
    "analysis": (55.0, 70.0, 55.0),
    "commitments_next": (10.0, 170.0),
}
LANDSCAPE_WIDTHS = {
    "figure": FIGURE_WIDTHS,
    "commitments_current": COMMITMENTS_CURRENT_WIDTHS,
    "analysis": ANALYSIS_WIDTHS,
    "commitments_next": COMMITMENTS_NEXT_WIDTHS,
}

# What a golden file's optional top-level "layout" object may change (samples/README.md).
# A golden file without one (2018/19) is drawn exactly as these defaults say. Text templates
# take the year names of year_names(), e.g. {current_span} -> 2018-2019.
DEFAULT_LAYOUT: dict[str, Any] = {
    "orientation": "landscape",  # landscape | portrait
    "font": "sans",  # sans | serif | sans-narrow | sans-condensed (see the writers)
    "figure_font_size": 9.0,  # Top Ten and Comparative Data cells, header included
    "top_ten_first_header": "Directorate & Area",
    "comparative_title": "Comparative Data: {current_span_spaced} vs. {prior_span}",
    "row_labels": {"current": "{current_span}", "prior": "{prior_span}",
                   "difference": "Difference"},
    "analysis_header": list(ANALYSIS_HEADER),
    "commitments_current_header":
        "Service commitments submitted by the service for the year {current_slash_span}",
    "progress_header": PROGRESS_HEADER,
    "commitments_next_header":
        "Service commitments submitted by the service for the year {next_slash_span}",
    # {"after_row": n, "repeat_header": bool}: force a page break inside the Top Ten table.
    "top_ten_split": None,
    # {"service_area": name, "after_row": n, "repeat_header": bool}. None: the first dashboard
    # without a directorate heading breaks after its first row, without the header (2018/19).
    "comparative_split": None,
    # {"service_area": name, "after_row": n, "repeat_header": bool}: force a page break between
    # two rows of that dashboard's Analysis table (2018/19 has none: its breaks are natural).
    "analysis_split": None,
    "producers": ["word", "reportlab"],
    "copy_to_raw_reports": True,
}


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
    font_size: float = 9.0


Block = Heading | Paragraph | PageBreak | Table


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


def layout_of(golden: Golden) -> dict[str, Any]:
    """The golden file's "layout" over the defaults (unknown keys are refused)."""
    given = golden.get("layout") or {}
    unknown = set(given) - set(DEFAULT_LAYOUT)
    if unknown:
        raise ValueError(f"unknown layout keys: {sorted(unknown)}")
    layout = {**DEFAULT_LAYOUT, **given}
    layout["row_labels"] = {**DEFAULT_LAYOUT["row_labels"], **given.get("row_labels", {})}
    if layout["orientation"] not in ("landscape", "portrait"):
        raise ValueError(f"orientation must be landscape or portrait: {layout['orientation']!r}")
    return layout


def year_names(golden: Golden) -> dict[str, str]:
    """Every spelling of the three years a report prints: current, prior and next."""
    names = {}
    for key, year in (("current", golden["report_year"]), ("prior", golden["prior_year"]),
                      ("next", next_year(golden["report_year"]))):
        names[key] = year  # 2018/19
        names[f"{key}_dash"] = year.replace("/", "-")  # 2018-19
        names[f"{key}_span"] = year_span(year, "-")  # 2018-2019
        names[f"{key}_span_spaced"] = year_span(year, "- ")  # 2018- 2019
        names[f"{key}_slash_span"] = year_span(year, "/")  # 2018/2019
    return names


def widths(golden: Golden, family: str) -> tuple[float, ...]:
    portrait = layout_of(golden)["orientation"] == "portrait"
    return (PORTRAIT_WIDTHS if portrait else LANDSCAPE_WIDTHS)[family]


def _text(golden: Golden, template: str) -> str:
    return template.format(**year_names(golden))


def top_ten_table(golden: Golden) -> Table:
    layout = layout_of(golden)
    pct = [is_pct_column(c) for c in golden["figure_columns"]]
    rows = []
    for entry in golden["top_ten"]:
        cells = [
            f"{format_figure(cur, p)}\n({format_figure(pri, p)})"
            for cur, pri, p in zip(entry["current"], entry["prior"], pct, strict=True)
        ]
        rows.append(("\n".join(entry["printed_name"]), *cells))
    split = layout["top_ten_split"] or {}
    return Table(
        kind="top_ten",
        service_area=None,
        header=(layout["top_ten_first_header"], *golden["printed_headers"]),
        rows=tuple(rows),
        widths_mm=widths(golden, "figure"),
        centred_columns=frozenset(range(1, 11)),
        split_after_row=split.get("after_row"),
        split_repeats_header=bool(split.get("repeat_header")),
        font_size=layout["figure_font_size"],
    )


def comparative_table(golden: Golden, dashboard: Golden, split: dict | None) -> Table:
    layout = layout_of(golden)
    labels = {key: _text(golden, text) for key, text in layout["row_labels"].items()}
    pct = [is_pct_column(c) for c in golden["figure_columns"]]
    figures = dashboard["comparative"]
    headers = list(golden["printed_headers"])
    if dashboard["s1_received_header_blank"]:
        headers[0] = ""
    def printed(values: list, fmt) -> tuple[str, ...]:
        return tuple(fmt(v, p) for v, p in zip(values, pct, strict=True))

    rows = (
        (labels["current"], *printed(figures["current"], format_figure)),
        (labels["prior"], *printed(figures["prior"], format_figure)),
        (labels["difference"], *printed(figures["difference"], format_difference)),
    )
    split = split or {}
    return Table(
        kind="comparative",
        service_area=dashboard["service_area"],
        header=(_text(golden, layout["comparative_title"]), *headers),
        rows=rows,
        widths_mm=widths(golden, "figure"),
        centred_columns=frozenset(range(1, 11)),
        split_after_row=split.get("after_row"),
        split_repeats_header=bool(split.get("repeat_header")),
        font_size=layout["figure_font_size"],
    )


def commitments_current_table(golden: Golden, dashboard: Golden) -> Table:
    layout = layout_of(golden)
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
        header=("", _text(golden, layout["commitments_current_header"]),
                layout["progress_header"]),
        rows=rows,
        widths_mm=widths(golden, "commitments_current"),
        centred_columns=frozenset({0}),
    )


def analysis_table(golden: Golden, dashboard: Golden) -> Table:
    split = layout_of(golden)["analysis_split"] or {}
    if split.get("service_area") != dashboard["service_area"]:
        split = {}
    rows = tuple(
        (row["key_themes"], row["service_response"], row["complaints_team_comment"] or "")
        for row in sorted(dashboard["analysis"], key=lambda r: r["stage"])
    )
    return Table(
        kind="analysis",
        service_area=dashboard["service_area"],
        header=tuple(layout_of(golden)["analysis_header"]),
        rows=rows,
        widths_mm=widths(golden, "analysis"),
        split_after_row=split.get("after_row"),
        split_repeats_header=bool(split.get("repeat_header")),
    )


def commitments_next_table(golden: Golden, dashboard: Golden) -> Table:
    numbered = {item["item_no"]: item["commitment"] for item in dashboard["commitments_next"]}
    for number in dashboard.get("empty_numbered_rows", []):
        numbered.setdefault(number, "")
    rows = tuple((str(number), numbered[number]) for number in sorted(numbered))
    return Table(
        kind="commitments_next",
        service_area=dashboard["service_area"],
        header=("", _text(golden, layout_of(golden)["commitments_next_header"])),
        rows=rows,
        widths_mm=widths(golden, "commitments_next"),
        centred_columns=frozenset({0}),
    )


def dashboard_blocks(
    golden: Golden, dashboard: Golden, comparative_split: dict | None
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
        blocks.append(analysis_table(golden, dashboard))
    if dashboard.get("commitments_next") or dashboard.get("empty_numbered_rows"):
        blocks.append(commitments_next_table(golden, dashboard))
    return blocks


def report_blocks(golden: Golden) -> list[Block]:
    """Every block of the report in print order.

    One Comparative Data table gets a forced page break and continues without its header: the
    layout's `comparative_split` area, or else the first dashboard without a heading of its
    own (Housing Solutions in 2018/19), between its first and second rows as in the seed.
    """
    chosen = layout_of(golden)["comparative_split"]
    blocks: list[Block] = [Heading(golden["title"], 0)]
    if golden.get("top_ten_heading"):
        blocks.append(Heading(golden["top_ten_heading"], 2))
    if golden.get("intro"):
        blocks.append(Paragraph(golden["intro"]))
    blocks.append(top_ten_table(golden))
    split_done = False
    for dashboard in golden["dashboards"]:
        split = None
        if chosen is not None:
            if dashboard["service_area"] == chosen["service_area"]:
                split = chosen
        elif not split_done and not dashboard["directorate_heading"]:
            split, split_done = {"after_row": 1, "repeat_header": False}, True
        blocks += dashboard_blocks(golden, dashboard, split)
    return blocks


@dataclass(frozen=True)
class PageSetup:
    orientation: str  # landscape | portrait
    font: str  # a key of the writers' font tables


DEFAULT_SETUP = PageSetup("landscape", "sans")  # 2018/19


def page_setup(golden: Golden) -> PageSetup:
    layout = layout_of(golden)
    return PageSetup(layout["orientation"], layout["font"])


def tables(blocks: list[Block]) -> list[Table]:
    return [block for block in blocks if isinstance(block, Table)]
