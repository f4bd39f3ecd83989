"""A seeded layout fuzzer: the same golden content, printed the many ways councils print it.

    variant(golden, seed)                    -> Variant (pure: choices + the golden as printed)
    render_variant(variant, out_dir, producer) -> the PDF (producer: one of PRODUCERS)
    render_many([(variant, producer), ...], out_dir) -> PDFs, every .docx in ONE soffice call

Each variant picks, from random.Random(seed), one value on every dimension of DIMENSIONS
(documented in samples/README.md) independently of the others. The content never changes:
a variant's truth is its golden file (samples/truth.py). Where a dimension changes what the
warehouse should hold, the Variant says so (`moved_areas`, `item_numbers_inferred`).
Only wordings the shipped vocabulary (schemas/*.toml) knows are printed: this fuzzes layout,
not vocabulary (tests/test_layout_fuzz.py checks the header wordings against it).
"""

from __future__ import annotations

import copy
import json
import random
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_model import (  # noqa: E402
    DEFAULT_LAYOUT,
    Golden,
    layout_of,
    page_setup,
    report_blocks,
    widths,
)

# Who prints a variant is a dimension of its own (bench/layouts_report.py counts it as one):
# a ruled grid (LibreOffice from .docx, reportlab), read by the `ruled` table strategy, or no
# ruling lines at all (Chromium printing HTML, a Word table in a borderless style), read by
# `aligned`. Chromium and LibreOffice are needed only to render (samples/README.md).
RULED_PRODUCERS = ("word", "reportlab")
BORDERLESS_PRODUCERS = ("html", "word-borderless")
PRODUCERS = RULED_PRODUCERS + BORDERLESS_PRODUCERS
# What a producer prints whatever the layout says, pinned in the variant's choices so they
# say what was printed: a browser prints the page A4 portrait (samples/html_writer.py).
PRODUCER_PINS: dict[str, dict[str, str]] = {"html": {"orientation": "portrait"}}


@dataclass(frozen=True)
class Dimension:
    name: str
    values: tuple[str, ...]
    imitates: str  # the real report habit it copies (samples/README.md repeats it)


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("running_text", ("none", "top", "bottom"),
              "a running '<Council> – 2018/19 Annual Complaints Report' line in the page "
              "header or footer of every page"),
    Dimension("page_number", ("none", "bare", "page", "page-of", "dashes", "slash"),
              "page numbers as '4', 'Page 4', 'Page 4 of 12', '- 4 -', '4/12'"),
    Dimension("page_number_place", ("bottom-centre", "bottom-right", "top-right"),
              "where the template puts the page number (top-right shares the running header's "
              "line)"),
    Dimension("top_ten_break", ("none", "bare", "repeat"),
              "the Top Ten table broken over two pages at a random row, header row repeated "
              "or not (Word's default is not)"),
    Dimension("comparative_break", ("none", "bare", "repeat"),
              "a Comparative Data table broken after its first or second row"),
    Dimension("analysis_break", ("none", "bare", "repeat", "cut-bare", "cut-repeat"),
              "an Analysis table broken between rows, or one row cut mid-cell by the page foot "
              "(cut-*), the rest of each cell on the next page"),
    Dimension("commitments_break", ("none", "bare", "repeat"),
              "a commitments table (this year's or next year's) broken between rows"),
    Dimension("grouped_header", ("none", "top_ten", "comparative", "both"),
              "a two-row header: 'Stage 1 | Stage 2 | Stage 3' in merged cells above "
              "stage-free measure names"),
    Dimension("figure_headers", ("golden", "s-short", "stage-long", "stage-words"),
              "figure column headers worded with other synonyms schemas/headers.toml knows"),
    Dimension("heading_form", ("separate", "combined"),
              "'Directorate – Service Area' printed as one heading instead of a dashboard "
              "heading and an area heading"),
    Dimension("headings", ("golden", "every-dashboard", "directorate-only"),
              "which headings are printed: as the golden file, a heading on every dashboard, "
              "or directorate headings only (no area headings)"),
    Dimension("reorganisation", ("none", "moved"),
              "one service area printed under another directorate's dashboard heading and "
              "Top Ten prefix than the catalogue says (a restructure)"),
    Dimension("commitment_numbers", ("numbered", "blank", "none"),
              "commitments numbered, in a number column left empty, or without the column"),
    Dimension("orientation", ("landscape", "portrait"), "page orientation"),
    Dimension("margins", ("15", "12.7", "20", "25"),
              "page margins in mm (Word's 'Narrow', the samples', 'Moderate'-ish, 'Normal')"),
    Dimension("font", ("sans", "serif", "sans-narrow", "sans-condensed"),
              "the template font: Arial, Times New Roman, Arial Narrow, DejaVu Sans Condensed"),
    Dimension("font_size", ("medium", "small", "large"),
              "table font sizes (figure tables shrink further if a header word would not fit)"),
    Dimension("column_widths", ("default", "jittered", "first-wide"),
              "column widths dragged by hand: each column +-15%, or a wide first column"),
    Dimension("year_labels", ("span", "short", "dash", "slash-span", "span-spaced"),
              "year row labels 2018-2019, 2018/19, 2018-19, 2018/2019, 2018- 2019"),
    Dimension("difference_label", ("Difference", "Change", "Variance", "Movement"),
              "the Difference row's label (schemas/headers.toml difference_row)"),
    Dimension("comparative_title", ("comparative-data", "comparison", "year-on-year",
                                    "comparative-plain"),
              "the Comparative Data table's title cell"),
    Dimension("top_ten_header", ("Directorate & Area", "Directorate and Area", "Service Area",
                                 "Directorate / Area"),
              "the Top Ten table's first header cell"),
    Dimension("text_headers", ("2018/19", "2017/18", "2019/20"),
              "Analysis and commitments header wordings of the three sample years"),
    Dimension("dashboard_breaks", ("golden", "none", "every"),
              "a new page per directorate, no forced pages, or a page per dashboard"),
    Dimension("table_order", ("golden", "figures-first", "analysis-last"),
              "the order of the four tables inside a dashboard"),
    Dimension("note_bullet", ("•", "▪", "●", "none"),
              "the bullet before a dashboard's note, or a plain paragraph"),
    Dimension("spacer_rows", ("none", "after-header", "trailing", "before-difference"),
              "empty rows typed into tables: under the header or at the end of text tables, "
              "or before the Difference row"),
    Dimension("top_ten_names", ("golden", "one-line", "dash-wrap"),
              "Top Ten names wrapped as printed, on one line, or broken after the dash"),
)
DIMENSION_NAMES = tuple(d.name for d in DIMENSIONS)
# The first value of each dimension is the neutral one: the 2018/19 sample's own habit.
NEUTRAL = {d.name: d.values[0] for d in DIMENSIONS}
# A drifted value that shows only together with another dimension's drift (a page number's
# place needs a page number): the plans below print that one too.
REQUIRES = {"page_number_place": ("page_number", "page")}

# The figure columns of every golden file, in printed order (a header set below follows it).
FIGURE_COLUMNS = ("s1_received", "s1_upheld_pct", "s1_escalated", "s2_received", "s2_upheld_pct",
                  "s2_upheld_not_upheld_s1_pct", "s2_escalated", "s3_received", "s3_upheld_pct",
                  "s3_upheld_not_upheld_s2_pct")
# Flat headers (each names its stage) and grouped ones (stage-free: the group row names it).
FLAT_HEADERS: dict[str, tuple[str, ...]] = {
    "s-short": ("S1 received", "S1 % upheld", "S1 escalated", "S2 received", "S2 % upheld",
                "S2 upheld, not upheld at S1", "S2 escalated", "S3 received", "S3 % upheld",
                "S3 upheld, not upheld at S2"),
    "stage-long": ("Stage 1 rec'd", "Stage 1 upheld %", "Stage 1 escalations", "Stage 2 rec'd",
                   "Stage 2 upheld %", "Stage 2 previously not upheld", "Stage 2 escalations",
                   "Stage 3 rec'd", "Stage 3 upheld %", "Stage 3 previously not upheld"),
    "stage-words": ("Stage one complaints", "Stage one percentage upheld", "Stage one escalated",
                    "Stage two complaints", "Stage two percentage upheld",
                    "Stage two not upheld at previous stage", "Stage two escalated",
                    "Stage three complaints", "Stage three percentage upheld",
                    "Stage three not upheld at previous stage"),
}
GROUPED_HEADERS: dict[str, tuple[str, ...]] = {
    "golden": ("received", "% upheld", "escalated", "received", "% upheld",
               "% upheld not upheld at previous stage", "escalated", "received", "% upheld",
               "% upheld not upheld at previous stage"),
    "stage-long": ("rec'd", "upheld %", "escalations", "rec'd", "upheld %",
                   "previously not upheld", "escalations", "rec'd", "upheld %",
                   "previously not upheld"),
    "stage-words": ("complaints", "percentage upheld", "escalated", "complaints",
                    "percentage upheld", "not upheld at previous stage", "escalated",
                    "complaints", "percentage upheld", "not upheld at previous stage"),
}
GROUPED_HEADERS["s-short"] = GROUPED_HEADERS["golden"]

YEAR_LABELS = {
    "span": ("{current_span}", "{prior_span}"),
    "short": ("{current}", "{prior}"),
    "dash": ("{current_dash}", "{prior_dash}"),
    "slash-span": ("{current_slash_span}", "{prior_slash_span}"),
    "span-spaced": ("{current_span_spaced}", "{prior_span_spaced}"),
}
COMPARATIVE_TITLES = {
    "comparative-data": "Comparative Data: {current_span_spaced} vs. {prior_span}",
    "comparison": "Comparison: {current} vs {prior}",
    "year-on-year": "Year on year: {current_dash} v {prior_dash}",
    "comparative-plain": "Comparative Data",
}
TEXT_HEADERS: dict[str, dict[str, Any]] = {
    "2018/19": {key: DEFAULT_LAYOUT[key] for key in (
        "analysis_header", "commitments_current_header", "progress_header",
        "commitments_next_header")},
    "2017/18": {
        "analysis_header": ["Analysis – key themes", "Service response and progress going forward",
                            "Complaints Team comments"],
        "commitments_current_header": "Service commitments for the year {current_slash_span}",
        "progress_header": "Progress made during the year",
        "commitments_next_header": "Service commitments for the year {next_slash_span}",
    },
    "2019/20": {
        "analysis_header": ["Key themes / concerns", "Service response",
                            "Comment from the Complaints Team"],
        "commitments_current_header": "Service commitments agreed for {current}",
        "progress_header": "Progress update from the service",
        "commitments_next_header": "Service commitments for {next}",
    },
}
TABLE_ORDERS = {
    "golden": ["commitments_current", "comparative", "analysis", "commitments_next"],
    "figures-first": ["comparative", "analysis", "commitments_current", "commitments_next"],
    "analysis-last": ["commitments_current", "comparative", "commitments_next", "analysis"],
}
PAGE_NUMBERS = {"bare": "{page}", "page": "Page {page}", "page-of": "Page {page} of {pages}",
                "dashes": "- {page} -", "slash": "{page}/{pages}"}
RUNNING_TEXTS = ("{council} – {year} Annual Complaints Report", "Annual Complaints Report {year}",
                 "{council} Annual Complaints Report {year}")
# figure font size, text font size (pt) per orientation
FONT_SIZES = {
    "landscape": {"small": (8.0, 8.0), "medium": (9.0, 9.0), "large": (10.0, 10.5)},
    "portrait": {"small": (6.0, 8.0), "medium": (6.5, 9.0), "large": (7.5, 10.0)},
}
# A font's width against Helvetica-Bold's metrics (DejaVu Sans Condensed runs a bit wider).
FONT_WIDTH = {"sans-narrow": 0.82, "sans-condensed": 1.05}
CELL_PADDING_PT = 5.8  # LibreOffice's default cell margin per side (reportlab's is 4)
_DASHBOARD_HEADING = re.compile(r"^(?P<directorate>.+?)\s*[–—-]?\s*complaints?\s+dashboard\b",
                                re.IGNORECASE)


@dataclass(frozen=True)
class Variant:
    """One printing of a golden file: what was chosen, and the golden file as printed."""

    golden_stem: str  # complaints-2018-19
    seed: int
    choices: dict[str, str]  # dimension -> value (every dimension of DIMENSIONS)
    printed: Golden  # same content; printing fields and "layout" drifted
    # Reorganisation: areas printed under a directorate the catalogue does not give them.
    # The warehouse keeps the catalogue directorate; the printed one differs.
    moved_areas: tuple[dict[str, str], ...] = ()
    # Commitments printed without numbers: item_no must be the printed order, marked inferred.
    item_numbers_inferred: bool = False
    details: dict[str, Any] = field(default_factory=dict)  # which area/row a break hit, etc.

    @property
    def name(self) -> str:
        return f"{self.golden_stem}-fuzz{self.seed:04d}"

    def manifest_entry(self, producer: str) -> dict[str, Any]:
        return {"file": f"{self.name}-{producer}.pdf", "golden": self.golden_stem,
                "seed": self.seed, "producer": producer,
                "drifted": {k: v for k, v in self.choices.items() if NEUTRAL[k] != v},
                "choices": self.choices,
                "moved_areas": list(self.moved_areas),
                "item_numbers_inferred": self.item_numbers_inferred, "details": self.details}


def golden_stem(golden: Golden) -> str:
    return "complaints-" + golden["report_year"].replace("/", "-")


def choose(rng: random.Random) -> dict[str, str]:
    """One value per dimension, each drawn on its own (the dimensions are independent)."""
    return {d.name: rng.choice(d.values) for d in DIMENSIONS}


def variant(golden: Golden, seed: int, choices: dict[str, str] | None = None) -> Variant:
    """The golden file printed with seeded drift on every dimension (pure). `choices` may
    pin some dimensions (the rest are still drawn, so a seed always draws the same way)."""
    rng = random.Random(seed)
    chosen = {**choose(rng), **(choices or {})}
    printed = copy.deepcopy(golden)
    details: dict[str, Any] = {}
    moved = _reorganise(printed, chosen, rng, details)
    _headings(printed, chosen, moved)
    _top_ten_names(printed, chosen, moved)
    layout = _layout(printed, chosen, rng, details)
    printed["layout"] = layout
    if chosen["figure_headers"] != "golden":
        printed["printed_headers"] = list(FLAT_HEADERS[chosen["figure_headers"]])
    _fit_figure_tables(printed, chosen, details)
    return Variant(golden_stem(golden), seed, chosen, printed,
                   tuple(moved), chosen["commitment_numbers"] != "numbered", details)


# -- names and headings ---------------------------------------------------------------------

def _heading_directorate(heading: str | None) -> str | None:
    match = _DASHBOARD_HEADING.search(heading or "")
    return match.group("directorate").strip(" –-") if match else None


def _printed_directorates(golden: Golden) -> dict[str, str]:
    """Catalogue directorate -> the name this report's dashboard headings print for it."""
    names: dict[str, str] = {}
    for dashboard in golden["dashboards"]:
        printed = _heading_directorate(dashboard["directorate_heading"])
        if printed:
            names.setdefault(dashboard["directorate"], printed)
    for dashboard in golden["dashboards"]:
        names.setdefault(dashboard["directorate"], dashboard["directorate"])
    return names


def _top_ten_directorates(golden: Golden) -> dict[str, str]:
    """Catalogue directorate -> the short name the Top Ten prints before the dash."""
    names = {}
    for entry in golden["top_ten"]:
        names.setdefault(entry["directorate"], _split_top_ten_name(entry)[0])
    for dashboard in golden["dashboards"]:
        names.setdefault(dashboard["directorate"], dashboard["directorate"])
    return names


def _split_top_ten_name(entry: Golden) -> tuple[str, str]:
    """'Housing – Housing\\nSolutions' -> ('Housing', 'Housing Solutions'), homoglyphs kept."""
    full = " ".join(entry["printed_name"])
    directorate, _, area = full.partition(" – ")
    return directorate.strip(), area.strip()


def _dashboard_heading(golden: Golden, directorate: str) -> str:
    """A dashboard heading for `directorate` in this report's own heading form."""
    for dashboard in golden["dashboards"]:
        printed = _heading_directorate(dashboard["directorate_heading"])
        if printed:
            return dashboard["directorate_heading"].replace(printed, directorate, 1)
    return f"{directorate} – Complaint Dashboard {golden['report_year']}"


def _reorganise(printed: Golden, chosen: dict[str, str], rng: random.Random,
                details: dict[str, Any]) -> list[dict[str, str]]:
    """Move one area to the end of another directorate's dashboards (a restructure)."""
    if chosen["reorganisation"] != "moved":
        return []
    dashboards = printed["dashboards"]
    area = rng.choice(dashboards)
    targets = sorted({d["directorate"] for d in dashboards} - {area["directorate"]})
    target = rng.choice(targets)
    heading_names = _printed_directorates(printed)
    index = dashboards.index(area)
    # Breaks follow the original headings; the moved area flows on under its new directorate.
    for dashboard in dashboards:
        dashboard.setdefault("page_break_before", bool(dashboard["directorate_heading"]))
    follower = dashboards[index + 1] if index + 1 < len(dashboards) else None
    if (area["directorate_heading"] and follower is not None
            and follower["directorate"] == area["directorate"]
            and not follower["directorate_heading"]):
        follower["directorate_heading"] = area["directorate_heading"]
        follower["page_break_before"] = True
    dashboards.remove(area)
    area["directorate_heading"] = None
    area["page_break_before"] = False
    last = max(i for i, d in enumerate(dashboards) if d["directorate"] == target)
    dashboards.insert(last + 1, area)
    move = {"service_area": area["service_area"], "catalogue_directorate": area["directorate"],
            "printed_directorate": target,
            "printed_heading_name": heading_names[target],
            "printed_top_ten_name": _top_ten_directorates(printed)[target]}
    details["moved"] = move
    return [move]


def _headings(printed: Golden, chosen: dict[str, str], moved: list[dict[str, str]]) -> None:
    """Which headings each dashboard prints, and in which form."""
    heading_names = _printed_directorates(printed)
    moved_to = {m["service_area"]: m["printed_heading_name"] for m in moved}
    for dashboard in printed["dashboards"]:
        dashboard.setdefault("page_break_before", bool(dashboard["directorate_heading"]))
        directorate = moved_to.get(dashboard["service_area"],
                                   heading_names[dashboard["directorate"]])
        area_name = dashboard["area_heading"] or dashboard["service_area"]
        if chosen["headings"] == "every-dashboard":
            dashboard["directorate_heading"] = _dashboard_heading(printed, directorate)
            dashboard["area_heading"] = area_name
        elif chosen["headings"] == "directorate-only":
            dashboard["area_heading"] = None
        if chosen["heading_form"] == "combined":
            combined = f"{directorate} – {area_name}"
            if dashboard["directorate_heading"]:
                dashboard["directorate_heading"], dashboard["area_heading"] = combined, None
            elif dashboard["area_heading"]:
                dashboard["area_heading"] = combined


def _top_ten_names(printed: Golden, chosen: dict[str, str], moved: list[dict[str, str]]) -> None:
    moved_to = {m["service_area"]: m["printed_top_ten_name"] for m in moved}
    for entry in printed["top_ten"]:
        directorate, area = _split_top_ten_name(entry)
        form = chosen["top_ten_names"]
        if entry["service_area"] in moved_to:
            directorate = moved_to[entry["service_area"]]
            form = "dash-wrap" if form == "golden" else form
        if form == "one-line":
            entry["printed_name"] = [f"{directorate} – {area}"]
        elif form == "dash-wrap":
            entry["printed_name"] = [f"{directorate} –", area]


# -- layout ---------------------------------------------------------------------------------

def _commitment_row_counts(dashboard: Golden, numbers: str) -> dict[str, int]:
    empty = len(dashboard.get("empty_numbered_rows") or []) if numbers == "numbered" else 0
    return {"current": len(dashboard["commitments_current"]),
            "next": len(dashboard["commitments_next"]) + empty}


def _layout(printed: Golden, chosen: dict[str, str], rng: random.Random,
            details: dict[str, Any]) -> dict[str, Any]:
    """The report_model layout for the choices; the golden file's own layout is replaced."""
    orientation = chosen["orientation"]
    figure_size, text_size = FONT_SIZES[orientation][chosen["font_size"]]
    current, prior = YEAR_LABELS[chosen["year_labels"]]
    layout: dict[str, Any] = {
        "orientation": orientation,
        "font": chosen["font"],
        "figure_font_size": figure_size,
        "text_font_size": text_size,
        "figure_cell_padding_pt": None,
        "margins_mm": float(chosen["margins"]),
        "top_ten_first_header": chosen["top_ten_header"],
        "comparative_title": COMPARATIVE_TITLES[chosen["comparative_title"]],
        "row_labels": {"current": current, "prior": prior,
                       "difference": chosen["difference_label"]},
        **copy.deepcopy(TEXT_HEADERS[chosen["text_headers"]]),
        "commitment_numbers": chosen["commitment_numbers"],
        "dashboard_table_order": TABLE_ORDERS[chosen["table_order"]],
        "spacer_rows": chosen["spacer_rows"],
        "note_bullet": "" if chosen["note_bullet"] == "none" else chosen["note_bullet"] + " ",
        "dashboard_page_breaks": chosen["dashboard_breaks"],
        "grouped_header": {"none": [], "both": ["top_ten", "comparative"]}.get(
            chosen["grouped_header"], [chosen["grouped_header"]]),
        "grouped_measure_headers": list(GROUPED_HEADERS[chosen["figure_headers"]]),
        "furniture": _furniture(printed, chosen, rng),
        "producers": list(PRODUCERS),
        "copy_to_raw_reports": False,
    }
    dashboards = printed["dashboards"]
    # Forced page breaks, each family on its own draw.
    if chosen["top_ten_break"] != "none":
        rows = len(printed["top_ten"])
        layout["top_ten_split"] = {"after_row": rng.randint(2, rows - 2),
                                   "repeat_header": chosen["top_ten_break"] == "repeat"}
    layout["comparative_split"] = False
    if chosen["comparative_break"] != "none":
        layout["comparative_split"] = {
            "service_area": rng.choice(dashboards)["service_area"],
            "after_row": rng.choice([1, 2]),
            "repeat_header": chosen["comparative_break"] == "repeat"}
    if chosen["analysis_break"] != "none":
        cut = chosen["analysis_break"].startswith("cut-")
        usable = [d for d in dashboards if len(d["analysis"]) >= (1 if cut else 2)]
        dashboard = rng.choice(usable)
        rows = len(dashboard["analysis"])
        split: dict[str, Any] = {"service_area": dashboard["service_area"],
                                 "repeat_header": chosen["analysis_break"].endswith("repeat")}
        if cut:
            split["after_row"] = rng.randrange(rows)
            split["cut_fraction"] = round(rng.uniform(0.3, 0.7), 2)
        else:
            split["after_row"] = rng.randint(1, rows - 1)
        layout["analysis_split"] = split
    if chosen["commitments_break"] != "none":
        tables = [(d["service_area"], which, count) for d in dashboards
                  for which, count in _commitment_row_counts(
                      d, chosen["commitment_numbers"]).items() if count >= 2]
        area, which, count = rng.choice(tables)
        layout["commitments_split"] = {
            "service_area": area, "table": which, "after_row": rng.randint(1, count - 1),
            "repeat_header": chosen["commitments_break"] == "repeat"}
    layout["column_widths"] = _column_widths(printed, chosen, rng)
    details["splits"] = {key: layout.get(key) for key in (
        "top_ten_split", "comparative_split", "analysis_split", "commitments_split")}
    return layout


def _furniture(printed: Golden, chosen: dict[str, str],
               rng: random.Random) -> list[list[str]] | None:
    lines: list[list[str]] = []
    if chosen["running_text"] != "none":
        text = rng.choice(RUNNING_TEXTS).format(council=printed["council"],
                                                year=printed["report_year"])
        lines.append([chosen["running_text"], "left", text])
    if chosen["page_number"] != "none":
        place, align = chosen["page_number_place"].split("-")
        lines.append([place, align, PAGE_NUMBERS[chosen["page_number"]]])
    return lines or None


def _column_widths(printed: Golden, chosen: dict[str, str],
                   rng: random.Random) -> dict[str, list[float]] | None:
    if chosen["column_widths"] == "default":
        return None
    base = {family: widths({"layout": {"orientation": chosen["orientation"]}}, family)
            for family in ("figure", "commitments_current", "analysis", "commitments_next")}
    chosen_widths: dict[str, list[float]] = {}
    for family, default in base.items():
        if chosen["column_widths"] == "jittered":
            chosen_widths[family] = [round(w * rng.uniform(0.85, 1.15), 1) for w in default]
        else:  # first-wide: the label / first text column takes a third more
            grown = [w * 1.35 if i == (1 if family.startswith("commitments") else 0) else w
                     for i, w in enumerate(default)]
            chosen_widths[family] = [round(w, 1) for w in grown]
    return chosen_widths


def _word_width_pt(word: str, size: float, font: str) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth  # samples extra; only when fitting

    return stringWidth(word, "Helvetica-Bold", size) * FONT_WIDTH.get(font, 1.0)


def _figure_header_fits(printed: Golden, font: str) -> bool:
    layout = printed["layout"]
    padding = layout["figure_cell_padding_pt"] or CELL_PADDING_PT
    room = min(widths(printed, "figure")[1:]) * 72 / 25.4 - 2 * padding
    words = [w for h in printed["printed_headers"] + layout["grouped_measure_headers"]
             + ["Stage", "three"] for w in h.split()]
    return max(_word_width_pt(w, layout["figure_font_size"], font) for w in words) <= 0.95 * room


def _fit_figure_tables(printed: Golden, chosen: dict[str, str], details: dict[str, Any]) -> None:
    """Make every figure header word fit its column, as a report's author would: a smaller
    font (down to 6 pt), then narrower cell padding, then equal figure columns, then 5.5 pt.
    A word broken inside a narrow cell is a vocabulary miss, not the layout drift tested here.
    What was needed is kept in details["figure_fit"]."""
    layout = printed["layout"]
    steps = []
    while not _figure_header_fits(printed, chosen["font"]) and layout["figure_font_size"] > 6:
        layout["figure_font_size"] = round(layout["figure_font_size"] - 0.5, 1)
        steps.append("smaller")
    if not _figure_header_fits(printed, chosen["font"]):
        layout["figure_cell_padding_pt"] = 1.5
        steps.append("padding")
    if not _figure_header_fits(printed, chosen["font"]) and layout["column_widths"]:
        layout["column_widths"].pop("figure", None)
        steps.append("equal-columns")
    if not _figure_header_fits(printed, chosen["font"]):
        layout["figure_font_size"] = 5.5
        steps.append("5.5pt")
    if steps:
        details["figure_fit"] = {"steps": steps, "figure_font_size": layout["figure_font_size"]}


# -- rendering ------------------------------------------------------------------------------

def _title(printed: Golden) -> str:
    return f"{printed['council']} {printed['title'].title()}"


def build_variant_docx(variant: Variant, out_dir: Path, producer_tag: str = "word") -> Path:
    """The .docx of a word (ruled) or word-borderless variant, named for its producer."""
    from docx_writer import build_docx

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{variant.name}-{producer_tag}.docx"
    build_docx(report_blocks(variant.printed), path, _title(variant.printed),
               page_setup(variant.printed), borderless=producer_tag == "word-borderless")
    return path


def render_variant(variant: Variant, out_dir: Path, producer: str) -> Path:
    """Write <name>-<producer>.pdf into out_dir through that producer (word and
    word-borderless need soffice, html needs chromium)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = out_dir / f"{variant.name}-{producer}.pdf"
    layout_of(variant.printed)  # refuses unknown layout keys before anything is drawn
    blocks, title, setup = (report_blocks(variant.printed), _title(variant.printed),
                            page_setup(variant.printed))
    if producer == "reportlab":
        from reportlab_writer import render_reportlab_pdf

        render_reportlab_pdf(blocks, pdf, title, setup)
    elif producer in ("word", "word-borderless"):
        from docx_writer import render_word_pdf

        render_word_pdf(blocks, pdf, title, setup, borderless=producer == "word-borderless")
    elif producer == "html":
        from html_writer import render_html_pdf

        render_html_pdf(blocks, pdf, title, setup)
    else:
        raise ValueError(f"unknown producer {producer!r}: {PRODUCERS}")
    return pdf


def render_many(jobs: list[tuple[Variant, str]], out_dir: Path,
                soffice: str = "soffice", batch: int = 40) -> list[Path]:
    """Render many variants: reportlab and html ones one by one, word and word-borderless ones
    as .docx converted by one LibreOffice start per `batch` files. Returns the PDFs written
    (a failed one is absent)."""
    from docx_writer import docx_batch_to_pdf

    written: list[Path] = []
    word = [(v, producer) for v, producer in jobs if producer in ("word", "word-borderless")]
    for v, producer in jobs:
        if producer == "reportlab":
            written.append(render_variant(v, out_dir, "reportlab"))
        elif producer == "html":
            try:
                written.append(render_variant(v, out_dir, "html"))
            except (RuntimeError, OSError) as error:  # chromium failed: absent, as documented
                print(f"{v.name}-html: {error}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="fuzz-docx-") as tmp:
        for start in range(0, len(word), batch):
            docx_paths = [build_variant_docx(v, Path(tmp), producer)
                          for v, producer in word[start:start + batch]]
            written += docx_batch_to_pdf(docx_paths, out_dir, soffice,
                                         timeout_s=60 + 20 * len(docx_paths))
    return written


def write_manifest(entries: list[dict[str, Any]], path: Path) -> None:
    path.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _pinned(choices: dict[str, str] | None, producer: str) -> dict[str, str] | None:
    """The choices with what the producer prints whatever the layout says."""
    pins = PRODUCER_PINS.get(producer)
    return {**(choices or {}), **pins} if pins else choices


def plan(goldens: dict[str, Golden], count: int, first_seed: int = 0,
         producers: tuple[str, ...] = PRODUCERS) -> list[tuple[Variant, str]]:
    """`count` variants: seed s prints golden s % len(goldens) through producer
    (s // len(goldens)) % len(producers), so goldens and producers are spread evenly."""
    stems = sorted(goldens)
    jobs = []
    for seed in range(first_seed, first_seed + count):
        stem = stems[seed % len(stems)]
        producer = producers[(seed // len(stems)) % len(producers)]
        jobs.append((variant(goldens[stem], seed, _pinned(None, producer)), producer))
    return jobs


def regression_variant(goldens: dict[str, Golden], seed: int,
                       producer: str) -> tuple[Variant, str]:
    """Random-mix seed `seed` (as `plan` draws it) printed through `producer`: a variant that
    once failed, kept whatever producer the plan of the day gives its seed."""
    stems = sorted(goldens)
    return variant(goldens[stems[seed % len(stems)]], seed, _pinned(None, producer)), producer


def drifts() -> list[tuple[str, str]]:
    """Every (dimension, value) that differs from the neutral layout."""
    return [(d.name, v) for d in DIMENSIONS for v in d.values[1:]]


def sparse_plan(goldens: dict[str, Golden], size: int, seed: int = 0,
                producers: tuple[str, ...] = RULED_PRODUCERS) -> list[tuple[Variant, str]]:
    """`size` variants that together print every drifted value once or more, each variant
    drifting only a few dimensions (the rest neutral), so a failing variant points at a few
    dimension values. The values are shuffled by `seed` and dealt round-robin, never two
    values of one dimension to the same variant; goldens and `producers` alternate (the
    default keeps the committed ruled fixtures of seed 9 as they were drawn)."""
    widest = max(len(d.values) - 1 for d in DIMENSIONS)
    if size < widest:  # a dimension's values would need two in one variant
        raise ValueError(f"a sparse plan needs at least {widest} variants, not {size}")
    rng = random.Random(seed)
    pending = drifts()
    rng.shuffle(pending)
    dealt: list[dict[str, str]] = [{} for _ in range(size)]
    turn = 0
    for name, value in pending:
        while name in dealt[turn % size]:
            turn += 1
        dealt[turn % size][name] = value
        turn += 1
    stems = sorted(goldens)
    jobs = []
    for index, pinned in enumerate(dealt):
        variant_seed = seed * 1000 + index
        producer = producers[(index // len(stems)) % len(producers)]
        chosen = variant(goldens[stems[index % len(stems)]], variant_seed,
                         _pinned(_with_requirements({**NEUTRAL, **pinned}), producer))
        jobs.append((chosen, producer))
    return jobs


def isolated_plan(goldens: dict[str, Golden], first_seed: int = 0,
                  producers: tuple[str, ...] = PRODUCERS) -> list[tuple[Variant, str]]:
    """One variant per drifted value and producer, every other dimension neutral: what each
    value costs on its own. Goldens rotate; plus the all-neutral layout per golden and
    producer. (A producer's pins stay: an html variant is portrait whatever it drifts.)"""
    stems = sorted(goldens)
    jobs = []
    seed = first_seed
    for stem in stems:
        for producer in producers:
            jobs.append((variant(goldens[stem], seed, _pinned(dict(NEUTRAL), producer)),
                         producer))
            seed += 1
    for index, (name, value) in enumerate(drifts()):
        for producer in producers:
            golden = goldens[stems[index % len(stems)]]
            choices = _pinned(_with_requirements({**NEUTRAL, name: value}), producer)
            jobs.append((variant(golden, seed, choices), producer))
            seed += 1
    return jobs


def _with_requirements(choices: dict[str, str]) -> dict[str, str]:
    for name, (needed, value) in REQUIRES.items():
        if choices[name] != NEUTRAL[name] and choices[needed] == NEUTRAL[needed]:
            choices = {**choices, needed: value}
    return choices


def drifted(choices: dict[str, str]) -> dict[str, str]:
    """The dimensions a variant moves away from neutral."""
    return {name: value for name, value in choices.items() if NEUTRAL[name] != value}
