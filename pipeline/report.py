"""A report's blocks -> its validated records: figures attributed to service areas, checked."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import partial

from pipeline import checks
from pipeline.config import ServiceArea, area_catalogue, header_vocabulary
from pipeline.errors import NotAComplaintsReportError
from pipeline.extract.document import DocumentBlocks
from pipeline.extract.figures import RawFigureRow, RawFigureTable, read_figure_table
from pipeline.extract.layout import is_difference_label
from pipeline.extract.sections import ReportLayout, Section, dashboard_directorate, split_sections
from pipeline.normalise import (
    financial_year,
    plain_name,
    previous_financial_year,
    split_bracketed,
    squash,
)
from pipeline.validate import (
    Findings,
    build_differences,
    build_stage_records,
    parse_measure,
    stage_cells,
)
from schemas.records import (
    Attribution,
    PrintedDifference,
    ReportSection,
    StageOutcome,
    TopTenEntry,
)

_COUNCIL = re.compile(r"\b((?:[A-Z][a-z]+ ){1,3}(?:Borough |County |City |District )?Council)\b")
Figures = dict[tuple[int, str], float | None]


@dataclass
class ReportContent:
    """Everything extracted from one report's figures, before it is tied to a file."""

    report_year: str
    council: str | None
    layout: ReportLayout
    sections: list[ReportSection]
    section_areas: dict[int, ServiceArea]
    stage_outcomes: list[StageOutcome]
    top_ten: list[TopTenEntry]
    differences: list[PrintedDifference]
    findings: Findings


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
    names = Counter(m.group(1) for line in document.text_lines()
                    for m in _COUNCIL.finditer(line.text) if not m.group(1).startswith("The "))
    return names.most_common(1)[0][0] if names else None


def _stages(table: RawFigureTable) -> list[int]:
    """Stages the table prints at least one recognised column for."""
    return sorted({column[0] for column in table.columns if column})


def _parsed(cells: dict[tuple[int, str], str]) -> Figures:
    return {column: parse_measure(column[1], raw).value for column, raw in cells.items()}


def _top_ten_rows(table: RawFigureTable) -> list[RawFigureRow]:
    """Join a name that wrapped onto a row of its own back onto the row above."""
    rows: list[RawFigureRow] = []
    for row in table.rows:
        printed = [*row.cells.values(), *(raw for _, raw in row.unmapped)]
        if rows and not any(squash(v) for v in printed):
            previous = rows[-1]
            rows[-1] = RawFigureRow(f"{previous.label}\n{row.label}", previous.cells,
                                    previous.page)
        else:
            rows.append(row)
    return rows


def _figure_match(section_figures: list[Figures], candidate: list[Figures]) -> float:
    pairs = [(a.get(k), b.get(k)) for a, b in zip(section_figures, candidate, strict=False)
             for k in a]
    known = [(a, b) for a, b in pairs if a is not None or b is not None]
    return sum(a == b for a, b in known) / len(known) if known else 0.0


class _Builder:
    def __init__(self, document: DocumentBlocks, report_year: str) -> None:
        self.document = document
        self.year = report_year
        self.prior = previous_financial_year(report_year)
        self.catalogue = area_catalogue()
        self.findings = Findings()
        self.top_ten: list[TopTenEntry] = []
        self.top_ten_figures: dict[ServiceArea, list[Figures]] = {}
        self.outcomes: list[StageOutcome] = []
        self.differences: list[PrintedDifference] = []
        self.sections: list[ReportSection] = []
        self.section_areas: dict[int, ServiceArea] = {}

    def read_top_ten(self, layout: ReportLayout) -> None:
        rank = 0
        for merged in layout.top_ten:
            table = read_figure_table(merged)
            for row in _top_ten_rows(table):
                rank += 1
                printed = plain_name(row.label)
                area = self.catalogue.area(printed)
                self._unknown_columns(row, "top_ten")
                current = {c: split_bracketed(raw)[0] for c, raw in row.cells.items()}
                prior = {c: split_bracketed(raw)[1] or "" for c, raw in row.cells.items()}
                if area is None:
                    self._unplaced(row, f"unknown service area {printed!r} in the Top Ten "
                                        "table (add it to schemas/areas.toml)", "top_ten")
                    continue
                self.top_ten_figures[area] = [_parsed(current), _parsed(prior)]
                for period, cells in ((self.year, current), (self.prior, prior)):
                    model = partial(TopTenEntry, rank=rank, printed_name=printed)
                    context = dict(period=period, directorate=area.directorate,
                                   service_area=area.name, page=row.page)
                    by_stage = {s: stage_cells(cells, s) for s in _stages(table)}
                    self.top_ten += build_stage_records(model, by_stage, context, self.findings,
                                                        "top_ten")

    def _unknown_columns(self, row: RawFigureRow, table_name: str,
                         area: ServiceArea | None = None, period: str | None = None) -> None:
        """Figures under a header the vocabulary does not know: kept, never guessed."""
        for header, raw in row.unmapped:
            self.findings.quarantine_value(
                table_name=table_name, field_name=header[:80], raw=raw, page=row.page,
                reason=f"column header {header!r} not recognised (add a phrase for it to "
                       "schemas/headers.toml)",
                directorate=area.directorate if area else None,
                service_area=area.name if area else None, period=period)

    def unread_tables(self, layout: ReportLayout) -> None:
        """Tables no extractor claimed: their rows are kept in quarantine as raw text."""
        stray = [t for s in layout.sections for t in s.tables if t.family is None]
        stray += layout.unplaced_tables
        for table in stray:
            for row, page in zip(table.rows, table.row_pages, strict=True):
                text = " | ".join(squash(c) for c in row if squash(c))
                if text:
                    self.findings.quarantine_value(
                        table_name="unrecognised_table", field_name="row", raw=text, page=page,
                        reason="table not recognised by its header (see schemas/headers.toml "
                               "[tables])")

    def _unplaced(self, row: RawFigureRow, reason: str, table_name: str,
                  period: str | None = None) -> None:
        for (stage, measure), raw in row.cells.items():
            if squash(raw):
                self.findings.quarantine_value(
                    table_name=table_name, field_name=measure, raw=raw, reason=reason,
                    page=row.page, period=period, stage=stage)
        if not row.cells:
            self.findings.quarantine_value(table_name=table_name, field_name="row",
                                           raw=row.label, reason=reason, page=row.page)

    def attribute(self, section: Section, rows: dict[str, RawFigureRow]) -> tuple[
            ServiceArea | None, Attribution]:
        """Area from the section's heading; else by matching its figures to the Top Ten."""
        heading_directorate = None
        if section.directorate_heading:
            printed = dashboard_directorate(section.directorate_heading) or ""
            heading_directorate = self.catalogue.directorate(printed)
        by_heading = None
        if section.area_heading:
            by_heading = self.catalogue.area(section.area_heading, heading_directorate) or \
                self.catalogue.area(section.area_heading)
        figures = [_parsed(rows[p].cells) for p in (self.year, self.prior) if p in rows]
        scored = sorted(((_figure_match(figures, f), area.name, area)
                         for area, f in self.top_ten_figures.items()), reverse=True)
        by_figures = None
        if scored and scored[0][0] >= 0.8 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            by_figures = scored[0][2]
        if by_heading and by_figures and by_heading != by_figures:
            self.findings.issue(
                severity="warning", check_name="attribution_conflict",
                directorate=by_heading.directorate, service_area=by_heading.name,
                page=section.page, detail=f"heading says {by_heading.name}, figures match the "
                f"Top Ten row of {by_figures.name}; the heading wins")
        if by_heading:
            return by_heading, "heading+figures" if by_figures == by_heading else "heading"
        if by_figures:
            return by_figures, "figures"
        return None, "unattributed"

    def read_section(self, section: Section) -> None:
        comparative = section.tables_of("comparative")
        if not comparative:
            return
        table = read_figure_table(comparative[0])
        rows: dict[str, RawFigureRow] = {}
        difference: RawFigureRow | None = None
        for row in table.rows:
            if is_difference_label(row.label):
                difference = row
            elif (period := financial_year(row.label)) is not None:
                rows[period] = row
            else:
                self._unplaced(row, f"row label {squash(row.label)!r} is neither a year nor "
                                    "'Difference'", "stage_outcomes")
        area, how = self.attribute(section, rows)
        heading = " / ".join(h for h in (section.directorate_heading, section.area_heading) if h)
        self.sections.append(ReportSection(
            section_no=section.number, directorate=area.directorate if area else None,
            service_area=area.name if area else None, attribution=how,
            heading=heading or None, page=table.page))
        if area is None:
            reason = "service area could not be determined (no heading, no matching Top Ten row)"
            self.findings.issue(severity="error", check_name="section_unattributed",
                                page=table.page, detail=f"dashboard {section.number}: {reason}")
            for period, row in rows.items():
                self._unplaced(row, reason, "stage_outcomes", period)
            if difference:
                self._unplaced(difference, reason, "printed_differences")
            return
        self.section_areas[section.number] = area
        for period, row in rows.items():
            self._unknown_columns(row, "stage_outcomes", area, period)
            context = dict(period=period, directorate=area.directorate, service_area=area.name,
                           page=row.page)
            by_stage = {s: stage_cells(row.cells, s) for s in _stages(table)}
            self.outcomes += build_stage_records(StageOutcome, by_stage, context, self.findings,
                                                 "stage_outcomes")
        if difference:
            self.differences += build_differences(difference, area.directorate, area.name,
                                                  self.findings)

    def run_checks(self) -> None:
        issues = self.findings.issues
        issues += checks.check_differences(self.outcomes, self.differences, self.year,
                                           self.prior)
        issues += checks.check_top_ten_agrees(self.top_ten, self.outcomes)
        issues += checks.check_percentages(self.outcomes)
        issues += checks.check_escalations(self.outcomes)
        seen = {(r.directorate, r.service_area) for r in self.outcomes}
        for area in self.top_ten_figures:
            if (area.directorate, area.name) not in seen:
                issues.append(checks.DataQualityIssue(
                    severity="warning", check_name="top_ten_area_without_dashboard",
                    directorate=area.directorate, service_area=area.name, period=self.year,
                    detail="area is in the Top Ten table but no dashboard was attributed to it"))


def read_report(document: DocumentBlocks) -> ReportContent:
    """Figures of one report: Top Ten, each dashboard's Comparative Data, and the checks."""
    report_year = detect_report_year(document)
    layout = split_sections(document, report_year)
    has_figures = any(s.has_figures for s in layout.sections)
    if not layout.top_ten and not has_figures:
        raise NotAComplaintsReportError(
            "not a complaints report (no Top Ten or Comparative Data table found)",
            file_name=document.file_name)
    if report_year is None:
        for section in layout.sections:
            for table in section.tables_of("comparative"):
                for row in read_figure_table(table).rows:
                    report_year = report_year or financial_year(row.label)
    if report_year is None:
        raise NotAComplaintsReportError("no report year found in its title or tables",
                                        file_name=document.file_name)
    builder = _Builder(document, report_year)
    builder.read_top_ten(layout)
    for section in layout.sections:
        builder.read_section(section)
    builder.unread_tables(layout)
    builder.run_checks()
    return ReportContent(report_year, detect_council(document), layout, builder.sections,
                         builder.section_areas, builder.outcomes, builder.top_ten,
                         builder.differences, builder.findings)
