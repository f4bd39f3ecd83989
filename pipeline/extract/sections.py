"""Split a report's block stream into its parts: preamble, Top Ten table, area dashboards.

Tables that continue across a page break are joined here (with or without a repeated
header), so the table-family extractors see each printed table once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.config import area_catalogue, header_vocabulary
from pipeline.extract.document import Block, Cell, DocumentBlocks, TableBlock, TextLine
from pipeline.extract.layout import is_difference_label, looks_like_figure_rows, table_family
from pipeline.normalise import financial_year, plain_name, squash

_PAGE_FURNITURE = re.compile(r"^(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$", re.IGNORECASE)
_BULLETS = "•▪●◦‣∙·\uf0b7\uf0a7"


@dataclass
class MergedTable:
    """One printed table, possibly spread over pages; every row keeps its page."""

    family: str | None
    rows: list[tuple[Cell, ...]]
    row_pages: list[int]
    header_repeats: int = 0

    @property
    def page(self) -> int:
        return self.row_pages[0]

    @property
    def last_page(self) -> int:
        return self.row_pages[-1]

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0


@dataclass
class Section:
    """One service area's dashboard, in printed order."""

    number: int
    page: int
    directorate_heading: str | None = None
    area_heading: str | None = None
    notes: list[str] = field(default_factory=list)
    tables: list[MergedTable] = field(default_factory=list)

    def tables_of(self, family: str) -> list[MergedTable]:
        return [t for t in self.tables if t.family == family]

    @property
    def has_figures(self) -> bool:
        return any(t.family == "comparative" for t in self.tables)


@dataclass
class ReportLayout:
    preamble: list[TextLine]
    top_ten: list[MergedTable]
    sections: list[Section]
    unplaced_tables: list[MergedTable]


def is_furniture(line: TextLine) -> bool:
    return bool(_PAGE_FURNITURE.match(line.text))


def dashboard_directorate(text: str) -> str | None:
    """'Housing – Complaint Dashboard 2018/19' -> 'Housing' (printed, not yet canonical)."""
    for pattern in header_vocabulary().dashboard_heading:
        match = pattern.search(plain_name(text))
        if match:
            return plain_name(match.group("directorate")).strip(" –-")
    return None


def _same_header(a: tuple[Cell, ...], b: tuple[Cell, ...]) -> bool:
    return [squash(x) for x in a] == [squash(x) for x in b]


def _continues(previous: MergedTable, table: TableBlock, family: str | None) -> bool:
    """Is `table` the rest of `previous`, carried over a page break?"""
    if table.page <= previous.last_page or len(table.rows[0]) != previous.width:
        return False
    if family is None:
        if previous.family == "comparative":
            return looks_like_figure_rows(table.rows)
        return previous.family is not None
    if family == previous.family and _same_header(table.rows[0], previous.rows[0]):
        if family != "comparative":
            return True
        has_difference = any(is_difference_label(r[0]) for r in previous.rows)
        return not has_difference and looks_like_figure_rows(table.rows[1:])
    return False


def merge_tables(document: DocumentBlocks) -> list[Block | MergedTable]:
    """Blocks in reading order with continued tables joined; page furniture dropped."""
    merged: list[Block | MergedTable] = []
    last_table: MergedTable | None = None
    text_since_table = False
    for block in document.blocks:
        if isinstance(block, TextLine):
            if is_furniture(block):
                continue
            merged.append(block)
            text_since_table = True
            continue
        family = table_family(block.rows)
        if last_table and not text_since_table and _continues(last_table, block, family):
            rows = block.rows
            if family is not None:  # a header repeated on the new page
                rows = rows[1:]
                last_table.header_repeats += 1
            last_table.rows.extend(rows)
            last_table.row_pages.extend([block.page] * len(rows))
            continue
        last_table = MergedTable(family, list(block.rows), [block.page] * len(block.rows))
        merged.append(last_table)
        text_since_table = False
    return merged


def _is_current_commitments(table: MergedTable, report_year: str | None) -> bool:
    header = " ".join(squash(c) for c in table.rows[0])
    year = financial_year(header)
    return table.family == "commitments" and (year is None or year == report_year
                                              or "progress" in header.lower())


def split_sections(document: DocumentBlocks, report_year: str | None) -> ReportLayout:
    """Group blocks into dashboards: a heading, note or this year's commitments table opens
    a new dashboard once the current one has its figures; so does a second figures table."""
    catalogue = area_catalogue()
    layout = ReportLayout([], [], [], [])
    current: Section | None = None

    def open_section(page: int) -> Section:
        nonlocal current
        if current is None or current.has_figures:
            current = Section(len(layout.sections) + 1, page)
            layout.sections.append(current)
        return current

    for item in merge_tables(document):
        if isinstance(item, TextLine):
            text = item.text
            directorate = dashboard_directorate(text)
            if directorate:
                section = open_section(item.page)
                section.directorate_heading = text
            elif catalogue.area(text) is not None and len(text) <= 80:
                section = open_section(item.page)
                section.area_heading = text
            elif text[0] in _BULLETS:
                section = open_section(item.page)
                section.notes.append(text.lstrip(_BULLETS).strip())
            elif current is not None and current.notes and not current.tables:
                current.notes[-1] += " " + text
            elif current is None:
                layout.preamble.append(item)
            continue
        assert isinstance(item, MergedTable)  # merge_tables turns every TableBlock into one
        if item.family == "top_ten":
            layout.top_ten.append(item)
            continue
        if item.family == "comparative" or _is_current_commitments(item, report_year):
            section = open_section(item.page)
        elif current is None:
            layout.unplaced_tables.append(item)
            continue
        else:
            section = current
        section.tables.append(item)
    return layout
