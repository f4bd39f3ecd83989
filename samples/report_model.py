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
    # The keys below are what the layout fuzzer (samples/fuzz.py) varies; the defaults draw
    # the samples exactly as before.
    "margins_mm": 15.0,  # every side; table widths scale to the text width
    # {family: [mm, ...]}: column widths instead of the family's default (scaled to margins)
    "column_widths": None,
    "text_font_size": 9.0,  # Analysis and commitments cells, header included
    "figure_cell_padding_pt": None,  # left/right cell padding of figure tables (None: default)
    # Figure tables ("top_ten", "comparative") whose header is two rows: "Stage 1 | Stage 2 |
    # Stage 3" in merged cells above `grouped_measure_headers` (stage-free measure names).
    "grouped_header": [],
    "grouped_measure_headers": None,
    # {"service_area", "table": "current" | "next", "after_row", "repeat_header"}
    "commitments_split": None,
    # numbered | blank (number column printed empty) | none (no number column)
    "commitment_numbers": "numbered",
    "dashboard_table_order": ["commitments_current", "comparative", "analysis",
                              "commitments_next"],
    # none | after-header (text tables) | trailing (text tables) | before-difference
    "spacer_rows": "none",
    "note_bullet": "• ",  # printed before a dashboard's note
    # golden (a page break before each directorate heading) | none | every (each dashboard)
    "dashboard_page_breaks": "golden",
    # [[place, align, template], ...]: running header/footer lines, place top | bottom, align
    # left | centre | right, template with {page} and {pages} (see PageSetup.furniture)
    "furniture": None,
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
    # A row above the header: (text, number of columns it spans) left to right. The first
    # entry sits above a blank header cell and is merged with it (one cell, two rows high).
    group_header: tuple[tuple[str, int], ...] | None = None
    # With split_after_row n: row n itself is cut, this share of each cell's words printed
    # before the break and the rest after it (a row broken mid-cell by the page foot).
    split_cut_fraction: float | None = None
    spacer_rows: str = "none"  # see DEFAULT_LAYOUT["spacer_rows"]
    cell_padding_pt: float | None = None  # left/right; None: the producer's default

    @property
    def header_rows(self) -> tuple[tuple[str, ...], ...]:
        """The header as printed: one row, or the group row (spans expanded) and the header."""
        if self.group_header is None:
            return (self.header,)
        group: list[str] = []
        for text, span in self.group_header:
            group += [text] + [""] * (span - 1)
        return (tuple(group), self.header)


Block = Heading | Paragraph | PageBreak | Table


def cut_text(text: str, fraction: float) -> tuple[str, str]:
    """Split text at the word boundary nearest `fraction` of its length (a page foot)."""
    spaces = [m.start() for m in re.finditer(r"\s+", text.strip())]
    text = text.strip()
    if not spaces:
        return (text, "") if fraction >= 0.5 else ("", text)
    at = min(spaces, key=lambda i: abs(i - fraction * len(text)))
    return text[:at].rstrip(), text[at:].lstrip()


def _spacer(table: Table) -> tuple[str, ...]:
    return ("",) * len(table.widths_mm)


def row_parts(table: Table) -> list[list[tuple[str, ...]]]:
    """The body rows as printed, one list per page segment: two when the table has a forced
    page break (the second printed after the break), spacer rows included."""
    rows = [tuple(row) for row in table.rows]
    blank = _spacer(table)
    if table.spacer_rows == "before-difference" and len(rows) >= 2:
        rows.insert(len(rows) - 1, blank)
        split = table.split_after_row
        if split is not None and split >= len(rows) - 1:
            split += 1
    else:
        split = table.split_after_row
    if table.spacer_rows == "after-header":
        rows.insert(0, blank)
        split = None if split is None else split + 1
    if table.spacer_rows == "trailing":
        rows.append(blank)
    if split is None:
        return [rows]
    if table.split_cut_fraction is None:
        return [rows[:split], rows[split:]]
    cut = [cut_text(cell, table.split_cut_fraction) for cell in rows[split]]
    head = tuple(part[0] for part in cut)
    tail = tuple(part[1] for part in cut)
    return [rows[:split] + [head], [tail] + rows[split + 1:]]


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


def figure_count(golden: Golden) -> int:
    """How many figure columns the report prints: 10 for three stages, 7 for two."""
    return len(golden.get("figure_columns") or FIGURE_WIDTHS[1:])


def _figure_default(default: tuple[float, ...], count: int) -> tuple[float, ...]:
    """The figure family's widths for `count` figure columns: with fewer columns than three
    stages print (a two-stage report), the label column takes half as much again for the
    wrapped Top Ten names, and the figure columns share the rest equally."""
    if count == len(default) - 1:
        return default
    total = sum(default)
    label = 1.5 * default[0]
    return (label,) + (round((total - label) / count, 2),) * count


def widths(golden: Golden, family: str) -> tuple[float, ...]:
    layout = layout_of(golden)
    portrait = layout["orientation"] == "portrait"
    default = (PORTRAIT_WIDTHS if portrait else LANDSCAPE_WIDTHS)[family]
    if family == "figure":
        default = _figure_default(default, figure_count(golden))
    text_width = (210.0 if portrait else 297.0) - 2 * layout["margins_mm"]
    given = (layout["column_widths"] or {}).get(family)
    if given is None and layout["margins_mm"] == DEFAULT_LAYOUT["margins_mm"]:
        return default
    chosen = tuple(given) if given is not None else default
    scale = text_width / sum(chosen)
    return tuple(round(w * scale, 2) for w in chosen)


def stage_groups(golden: Golden, first: str) -> tuple[tuple[str, int], ...]:
    """("first", 1), ("Stage 1", 3), ...: the stages of the figure columns, run by run."""
    groups: list[tuple[str, int]] = [(first, 1)]
    for column in golden["figure_columns"]:
        label = f"Stage {column[1]}"  # s1_received -> Stage 1
        if groups[-1][0] == label and len(groups) > 1:
            groups[-1] = (label, groups[-1][1] + 1)
        else:
            groups.append((label, 1))
    return tuple(groups)


def figure_header(golden: Golden, kind: str, first: str,
                  headers: list[str]) -> tuple[tuple[str, ...], tuple | None]:
    """The header row (and group row) of a figure table, flat or grouped by stage."""
    layout = layout_of(golden)
    if kind not in layout["grouped_header"]:
        return (first, *headers), None
    measures = list(layout["grouped_measure_headers"])
    if headers[0] == "":  # the blank 'S1 rec'd' cell stays blank under its stage
        measures[0] = ""
    return ("", *measures), stage_groups(golden, first)


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
    header, group = figure_header(golden, "top_ten", layout["top_ten_first_header"],
                                  list(golden["printed_headers"]))
    return Table(
        kind="top_ten",
        service_area=None,
        header=header,
        group_header=group,
        rows=tuple(rows),
        widths_mm=widths(golden, "figure"),
        centred_columns=frozenset(range(1, figure_count(golden) + 1)),
        split_after_row=split.get("after_row"),
        split_repeats_header=bool(split.get("repeat_header")),
        font_size=layout["figure_font_size"],
        cell_padding_pt=layout["figure_cell_padding_pt"],
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
    header, group = figure_header(golden, "comparative",
                                  _text(golden, layout["comparative_title"]), headers)
    return Table(
        kind="comparative",
        service_area=dashboard["service_area"],
        header=header,
        group_header=group,
        rows=rows,
        widths_mm=widths(golden, "figure"),
        centred_columns=frozenset(range(1, figure_count(golden) + 1)),
        split_after_row=split.get("after_row"),
        split_repeats_header=bool(split.get("repeat_header")),
        font_size=layout["figure_font_size"],
        cell_padding_pt=layout["figure_cell_padding_pt"],
        spacer_rows="before-difference" if layout["spacer_rows"] == "before-difference"
        else "none",
    )


def _commitments_split(golden: Golden, dashboard: Golden, which: str) -> dict:
    split = layout_of(golden)["commitments_split"] or {}
    if split.get("service_area") != dashboard["service_area"] or split.get("table") != which:
        return {}
    return split


def _text_spacers(golden: Golden) -> str:
    spacers = layout_of(golden)["spacer_rows"]
    return spacers if spacers in ("after-header", "trailing") else "none"


def _numbered(golden: Golden, family: str, header: tuple[str, ...],
              rows: list[tuple[str, ...]]) -> tuple[tuple, tuple, tuple[float, ...]]:
    """A commitments table's header, rows and widths as the layout numbers them: in a number
    column, with that column printed empty, or without it (its width to the text)."""
    numbers = layout_of(golden)["commitment_numbers"]
    column_widths = widths(golden, family)
    if numbers == "numbered":
        return header, tuple(rows), column_widths
    rows = [row for row in rows if any(cell for cell in row[1:])]  # no empty numbered rows
    if numbers == "blank":
        return header, tuple(("", *row[1:]) for row in rows), column_widths
    total, rest = sum(column_widths), column_widths[1:]
    scaled = tuple(round(w * total / sum(rest), 2) for w in rest)
    return header[1:], tuple(row[1:] for row in rows), scaled


def commitments_current_table(golden: Golden, dashboard: Golden) -> Table:
    layout = layout_of(golden)
    rows = [
        (
            "" if item["item_no"] is None else str(item["item_no"]),
            item["commitment"],
            item["progress"] or "",
        )
        for item in dashboard["commitments_current"]
    ]
    header, printed, column_widths = _numbered(
        golden, "commitments_current",
        ("", _text(golden, layout["commitments_current_header"]), layout["progress_header"]),
        rows)
    split = _commitments_split(golden, dashboard, "current")
    return Table(
        kind="commitments_current",
        service_area=dashboard["service_area"],
        header=header,
        rows=printed,
        widths_mm=column_widths,
        centred_columns=frozenset({0}) if len(header) == 3 else frozenset(),
        split_after_row=split.get("after_row"),
        split_repeats_header=bool(split.get("repeat_header")),
        font_size=layout["text_font_size"],
        spacer_rows=_text_spacers(golden),
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
        split_cut_fraction=split.get("cut_fraction"),
        font_size=layout_of(golden)["text_font_size"],
        spacer_rows=_text_spacers(golden),
    )


def commitments_next_table(golden: Golden, dashboard: Golden) -> Table:
    numbered = {item["item_no"]: item["commitment"] for item in dashboard["commitments_next"]}
    for number in dashboard.get("empty_numbered_rows", []):
        numbered.setdefault(number, "")
    rows = [(str(number), numbered[number]) for number in sorted(numbered)]
    header, printed, column_widths = _numbered(
        golden, "commitments_next",
        ("", _text(golden, layout_of(golden)["commitments_next_header"])), rows)
    split = _commitments_split(golden, dashboard, "next")
    return Table(
        kind="commitments_next",
        service_area=dashboard["service_area"],
        header=header,
        rows=printed,
        widths_mm=column_widths,
        centred_columns=frozenset({0}) if len(header) == 2 else frozenset(),
        split_after_row=split.get("after_row"),
        split_repeats_header=bool(split.get("repeat_header")),
        font_size=layout_of(golden)["text_font_size"],
        spacer_rows=_text_spacers(golden),
    )


def dashboard_blocks(
    golden: Golden, dashboard: Golden, comparative_split: dict | None
) -> list[Block]:
    layout = layout_of(golden)
    blocks: list[Block] = []
    # A dashboard may say where pages break ("page_break_before"); by default a directorate
    # heading starts a page.
    breaks = layout["dashboard_page_breaks"]
    page_break = dashboard.get("page_break_before", bool(dashboard["directorate_heading"]))
    if breaks != "golden":
        page_break = breaks == "every"
    if page_break:
        blocks.append(PageBreak())
    if dashboard["directorate_heading"]:
        blocks.append(Heading(dashboard["directorate_heading"], 1))
    if dashboard["area_heading"]:
        blocks.append(Heading(dashboard["area_heading"], 2))
    if dashboard.get("note"):
        blocks.append(Paragraph(f"{layout['note_bullet']}{dashboard['note']}"))
    tables = {
        "commitments_current": lambda: commitments_current_table(golden, dashboard)
        if dashboard.get("commitments_current") else None,
        "comparative": lambda: comparative_table(golden, dashboard, comparative_split),
        "analysis": lambda: analysis_table(golden, dashboard)
        if dashboard.get("analysis") else None,
        "commitments_next": lambda: commitments_next_table(golden, dashboard)
        if dashboard.get("commitments_next") or dashboard.get("empty_numbered_rows") else None,
    }
    for kind in layout["dashboard_table_order"]:
        table = tables[kind]()
        if table is not None:
            blocks.append(table)
    return blocks


def report_blocks(golden: Golden) -> list[Block]:
    """Every block of the report in print order.

    One Comparative Data table gets a forced page break and continues without its header: the
    layout's `comparative_split` area, or else the first dashboard without a heading of its
    own (Housing Solutions in 2018/19), between its first and second rows as in the seed.
    """
    chosen = layout_of(golden)["comparative_split"]  # False: no forced break at all
    blocks: list[Block] = [Heading(golden["title"], 0)]
    if golden.get("top_ten_heading"):
        blocks.append(Heading(golden["top_ten_heading"], 2))
    if golden.get("intro"):
        blocks.append(Paragraph(golden["intro"]))
    blocks.append(top_ten_table(golden))
    split_done = False
    for dashboard in golden["dashboards"]:
        split = None
        if chosen is False:
            pass
        elif chosen is not None:
            if dashboard["service_area"] == chosen["service_area"]:
                split = chosen
        elif not split_done and not dashboard["directorate_heading"]:
            split, split_done = {"after_row": 1, "repeat_header": False}, True
        blocks += dashboard_blocks(golden, dashboard, split)
    return blocks


@dataclass(frozen=True)
class FurnitureLine:
    """A running header or footer line, printed in the top or bottom margin of every page."""

    place: str  # top | bottom
    align: str  # left | centre | right
    template: str  # "Page {page} of {pages}": {page} and {pages} become page-number fields


@dataclass(frozen=True)
class PageSetup:
    orientation: str  # landscape | portrait
    font: str  # a key of the writers' font tables
    margins_mm: float = 15.0
    furniture: tuple[FurnitureLine, ...] = ()


DEFAULT_SETUP = PageSetup("landscape", "sans")  # 2018/19


def page_setup(golden: Golden) -> PageSetup:
    layout = layout_of(golden)
    furniture = tuple(FurnitureLine(*line) for line in layout["furniture"] or ())
    return PageSetup(layout["orientation"], layout["font"], float(layout["margins_mm"]),
                     furniture)


def furniture_parts(template: str) -> list[str]:
    """'Page {page} of {pages}' -> ['Page ', '{page}', ' of ', '{pages}'] (fields kept apart)."""
    return [part for part in re.split(r"(\{page\}|\{pages\})", template) if part]


def tables(blocks: list[Block]) -> list[Table]:
    return [block for block in blocks if isinstance(block, Table)]
