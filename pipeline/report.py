"""Transform: a report's blocks -> validated records, through named stages.

    blocks --furniture, stitch--> tables --split, attribute--> sections --families--> records

Each stage is a function of the one before it (pipeline.extract.stitch, pipeline.sections,
pipeline.families); this module only chains them and runs the checks.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline.checks import run_checks
from pipeline.config import ServiceArea, area_catalogue, header_vocabulary
from pipeline.errors import NotAComplaintsReportError
from pipeline.extract.document import DocumentBlocks, TextLine
from pipeline.extract.furniture import furniture_lines
from pipeline.extract.stitch import StitchedTable, stitch_tables
from pipeline.extract.strategies import strategy_set
from pipeline.families import FAMILIES, accepts_continuation, detect_family
from pipeline.families.base import ReportContext, SectionScope
from pipeline.families.comparative import comparative_rows
from pipeline.families.top_ten import TOP_TEN, area_names
from pipeline.normalise import financial_year, fold_name, plain_name, squash
from pipeline.sections import (
    ReportLayout,
    attribute_sections,
    dashboard_directorate,
    split_sections,
)
from pipeline.validate import Findings
from schemas.records import DataQualityIssue, QuarantinedValue, Record

_COUNCIL = re.compile(r"\b((?:[A-Z][a-z]+ ){1,3}(?:Borough |County |City |District )?Council)\b")


@dataclass
class ReportContent:
    """Everything one report yields, before it is tied to a file."""

    report_year: str
    council: str | None
    records: dict[str, list[Record]]
    findings: Findings
    table_strategies: str | None = None  # the table strategies that read its tables

    @property
    def issues(self) -> list[DataQualityIssue]:
        return self.findings.issues

    @property
    def quarantine(self) -> list[QuarantinedValue]:
        return self.findings.quarantine


def detect_report_year(document: DocumentBlocks) -> str | None:
    """The year in the report's title ('2018/19 ANNUAL COMPLAINTS REPORT')."""
    for line in document.text_lines():
        for pattern in header_vocabulary().title_patterns:
            match = pattern.search(plain_name(line.text))
            if match:
                return financial_year(f"{match.group(1)}/{match.group(2)}")
    for line in document.text_lines():
        if dashboard_directorate(line.text) and (year := financial_year(line.text)):
            return year
    return None


def detect_council(document: DocumentBlocks) -> str | None:
    """The council the report names most: on its cover/title (the PDF's Title) or in its text."""
    texts = [document.title, *(line.text for line in document.text_lines())]
    names = Counter(m.group(1) for text in texts
                    for m in _COUNCIL.finditer(text) if not m.group(1).startswith("The "))
    return names.most_common(1)[0][0] if names else None


def stitched_tables(document: DocumentBlocks) -> list:
    """Blocks -> text lines and tables, page furniture removed and continued tables joined."""
    furniture = furniture_lines(document.text_lines(), document.page_heights)
    return stitch_tables(document.blocks, furniture, detect_family, accepts_continuation,
                         document.page_heights)


def _year_from_tables(layout: ReportLayout) -> str | None:
    for section in layout.sections:
        for table in section.tables_of("comparative"):
            for period in comparative_rows(table).by_period:
                return period
    return None


_UNRECOGNISED = "table not recognised by its header (see schemas/headers.toml [tables])"


def _quarantine_unread(tables: list[StitchedTable], findings: Findings,
                       reason: str = _UNRECOGNISED, skip_headers: bool = False) -> None:
    """Tables no family claimed or no dashboard placed: their rows (below the header, for a
    table whose family is known) are kept in quarantine as raw text."""
    for table in tables:
        first = table.header_rows if skip_headers else 0
        for row, page in zip(table.rows[first:], table.row_pages[first:], strict=True):
            text = " | ".join(squash(c) for c in row if squash(c))
            if text:
                findings.quarantine_value(
                    table_name="unrecognised_table", field_name="row", raw=text, page=page,
                    reason=reason)


_ITEM_NUMBER = re.compile(r"^\d{1,2}[.)]?$")


def _names_family(text: str) -> str | None:
    """The table family whose header phrase (schemas/headers.toml [tables]) opens the text."""
    folded = fold_name(text).replace(" and ", " & ")
    for family in FAMILIES.values():
        if folded.startswith(tuple(fold_name(p).replace(" and ", " & ")
                                   for p in family.phrases)):
            return family.name
    return None


def _runs(stray: list[tuple[int, TextLine]]) -> list[list[TextLine]]:
    """Lines at consecutive positions among the report's items: one run of text each."""
    runs: list[list[TextLine]] = []
    previous = None
    for position, line in stray:
        if previous is None or position != previous + 1:
            runs.append([])
        runs[-1].append(line)
        previous = position
    return runs


def unread_table_lines(stray: list[tuple[int, TextLine]]) -> list[tuple[str, TextLine, str]]:
    """(table name, line, reason) for the text a dashboard printed outside any table that
    shows a table was there but not read: a line opening with a table family's header phrase
    and the lines printed after it (up to the next table, heading or note), and a line that
    carries on a sentence (it opens in lower case: a cell's tail). Other stray text (a note
    printed without a bullet) is not table data, nor is a header printed alone (a header
    repeated on a page the table's last row did not reach: nothing under it to lose).
    `stray`: (position among the report's items, line)."""
    lost: list[tuple[str, TextLine, str]] = []
    for run in _runs(stray):
        family = None
        for index, line in enumerate(run):
            named = _names_family(line.text)
            family = named or family
            if family is None:
                if line.text[:1].islower():
                    lost.append(("unrecognised_table", line, "text carrying on a sentence "
                                 "outside any table (a table cell's cut tail?)"))
            elif not (named and index + 1 == len(run)):
                lost.append((family, line, f"printed under a '{family}' table header, but "
                                           "no table was read there"))
    return lost


def _read_table(context: ReportContext, table: StitchedTable, scope: SectionScope | None) -> None:
    """A family reads its table; a table that printed text but yielded neither a record nor a
    quarantined value is kept whole in quarantine: nothing printed is dropped unseen."""
    before = (sum(len(r) for r in context.records.values()), len(context.findings.quarantine))
    FAMILIES[table.family or ""].read(context, table, scope)
    after = (sum(len(r) for r in context.records.values()), len(context.findings.quarantine))
    printed = [row for row, _, _ in table.body()
               if any(squash(c) and not _ITEM_NUMBER.match(squash(c)) for c in row)]
    if before == after and printed:
        area = scope.area if scope else None
        for row, page, _ in table.body():
            text = " | ".join(squash(c) for c in row if squash(c))
            if text:
                context.findings.quarantine_value(
                    table_name=table.family or "unrecognised_table", field_name="row",
                    raw=text[:2000], page=page, reason=f"a {table.family} table whose rows "
                    "its reader could not place", directorate=area.directorate if area else None,
                    service_area=area.name if area else None)


def new_service_areas(items: list[TextLine | StitchedTable],
                      context: ReportContext) -> list[ServiceArea]:
    """Areas schemas/areas.toml does not know that the report itself establishes: a name its
    Top Ten prints (under a known directorate) that is also printed as a dashboard heading."""
    catalogue = context.catalogue
    candidates: dict[str, tuple[str | None, str]] = {}
    for item in items:
        if isinstance(item, StitchedTable) and item.family == TOP_TEN.name:
            for printed in area_names(item):
                if catalogue.resolve(printed)[0] is None:
                    directorate, name = catalogue.split_directorate(printed)
                    candidates[fold_name(name)] = (directorate, name)
    confirmed: dict[str, ServiceArea] = {}
    heading_directorate = None
    for item in items:
        if not isinstance(item, TextLine):
            continue
        if printed_directorate := dashboard_directorate(item.text):
            heading_directorate = catalogue.directorate(printed_directorate)
        elif (folded := fold_name(item.text)) in candidates:
            directorate, name = candidates[folded]
            if directorate or heading_directorate:
                confirmed[folded] = ServiceArea(directorate or heading_directorate or "", name)
    for area in confirmed.values():
        context.findings.issue(
            "new_service_area", directorate=area.directorate, service_area=area.name,
            detail=f"{area.name!r} ({area.directorate}) is not in schemas/areas.toml; loaded as "
                   "a new area because the report prints it in its Top Ten and as a dashboard "
                   "heading. If it is a renamed area, add the name to that area's `aliases` "
                   "(schemas/areas.toml or your COMPLAINTS_VOCABULARY overlay) and re-ingest "
                   "with --force")
    return list(confirmed.values())


def read_report(document: DocumentBlocks, council: str | None = None) -> ReportContent:
    """Every table family of one report, read into records, and the cross-checks.
    `council` overrides the one the report names; its own area aliases are used."""
    council = council or detect_council(document)
    items = stitched_tables(document)
    printed_year = detect_report_year(document)
    context = ReportContext(printed_year or "", catalogue=area_catalogue(council))
    if new_areas := new_service_areas(items, context):
        context.catalogue = context.catalogue.with_areas(new_areas)
    layout = split_sections(items, printed_year, context)
    if not layout.report_tables and not any(s.has_figures for s in layout.sections):
        raise NotAComplaintsReportError(
            "not a complaints report (no Top Ten or Comparative Data table found)",
            file_name=document.file_name)
    report_year = printed_year or _year_from_tables(layout)
    if report_year is None:
        raise NotAComplaintsReportError("no report year found in its title or tables",
                                        file_name=document.file_name)
    context.report_year = report_year
    for table in layout.report_tables:
        _read_table(context, table, None)
    for scope in attribute_sections(layout, context):
        for table in scope.tables:
            family = FAMILIES.get(table.family or "")
            if family is not None and family.scope == "section":
                _read_table(context, table, scope)
    stray = [t for s in layout.sections for t in s.tables if t.family is None]
    _quarantine_unread(stray + layout.unplaced_tables, context.findings)
    _quarantine_unread(layout.orphaned_tables, context.findings,
                       "a dashboard table printed before the next dashboard's heading, in no "
                       "dashboard with figures: its service area cannot be told",
                       skip_headers=True)
    for table_name, line, reason in unread_table_lines(
            [(position, line) for position, _, line in layout.stray_text]):
        context.findings.quarantine_value(table_name=table_name, field_name="row",
                                          raw=line.text[:2000], reason=reason, page=line.page)
    context.findings.issues.extend(run_checks(context))
    return ReportContent(report_year, council, context.records,
                         context.findings,
                         strategy_set([t.strategy for t in items if isinstance(t, StitchedTable)])
                         or None)
