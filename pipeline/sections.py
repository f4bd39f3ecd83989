"""Stitched tables and text -> dashboards, each attributed to its service area, saying how.

A dashboard opens at a heading, a note, or a table whose family opens one (Comparative Data,
this year's commitments) once the current dashboard has its figures. Its area comes from
every piece of evidence the report gives: a heading naming it, its figures matching a Top Ten
row (this year and last), or elimination (the one Top Ten area no other dashboard claimed,
for the one dashboard nothing else placed, when neither side's figures can be compared).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pipeline.config import ServiceArea, header_vocabulary
from pipeline.extract.document import TextLine
from pipeline.extract.stitch import StitchedTable
from pipeline.families import FAMILIES
from pipeline.families.base import Figures, ReportContext, SectionScope
from pipeline.families.comparative import comparative_rows
from pipeline.families.figure_rows import parsed_figures
from pipeline.normalise import BULLETS, plain_name
from schemas.records import Attribution, ReportSection

# Figures of a dashboard and a Top Ten row agree on at least this share of printed cells.
FIGURE_MATCH = 0.8


@dataclass
class Section:
    """One service area's dashboard, in printed order."""

    number: int
    page: int
    directorate_heading: str | None = None
    area_heading: str | None = None
    notes: list[str] = field(default_factory=list)
    tables: list[StitchedTable] = field(default_factory=list)

    def tables_of(self, family: str) -> list[StitchedTable]:
        return [t for t in self.tables if t.family == family]

    @property
    def has_figures(self) -> bool:
        return any(t.family == "comparative" for t in self.tables)


@dataclass
class ReportLayout:
    preamble: list[TextLine]
    report_tables: list[StitchedTable]  # read once per report (the Top Ten summary)
    sections: list[Section]
    unplaced_tables: list[StitchedTable]
    # Tables a heading printed after them cut off from the dashboard they opened: a part of
    # a table that could not be joined to its start, say. No dashboard's evidence places them.
    orphaned_tables: list[StitchedTable] = field(default_factory=list)
    # Text printed inside a dashboard that is neither a heading, a note nor a table, with
    # its position among the items: where a table is printed but not read, its rows end up
    # here (pipeline.report quarantines them; nothing is dropped unseen).
    stray_text: list[tuple[int, Section, TextLine]] = field(default_factory=list)


def dashboard_directorate(text: str) -> str | None:
    """'Housing – Complaint Dashboard 2018/19' -> 'Housing' (printed, not yet canonical)."""
    for pattern in header_vocabulary().dashboard_heading:
        match = pattern.search(plain_name(text))
        if match:
            return plain_name(match.group("directorate")).strip(" –-")
    return None


def _is_heading(line: TextLine, context: ReportContext) -> bool:
    return bool(dashboard_directorate(line.text)) or line.text[0] in BULLETS or (
        len(line.text) <= 80 and context.catalogue.resolve(line.text)[0] is not None)


def dashboard_opener(items: list[TextLine | StitchedTable], report_year: str | None,
                     context: ReportContext) -> str:
    """The table family a dashboard of this report starts with, learnt from the report
    itself: the family most often printed first after a dashboard's heading or note (else
    the first dashboard table of the report). Reports differ: some print this year's
    commitments before the figures, others after the Analysis."""
    firsts: Counter[str] = Counter()
    after_heading = False
    first_table = None
    for item in items:
        if isinstance(item, TextLine):
            after_heading = after_heading or _is_heading(item, context)
            continue
        family = FAMILIES.get(item.family or "")
        if family is None or family.scope != "section" \
                or not family.opens_section(item, report_year):
            continue
        first_table = first_table or family.name
        if after_heading:
            firsts[family.name] += 1
            after_heading = False
    if firsts:
        return max(firsts, key=lambda name: (firsts[name], name == "comparative"))
    return first_table or "comparative"


def printed_after_figures(items: list[TextLine | StitchedTable],
                          report_year: str | None) -> set[str]:
    """Families this report prints straight after a dashboard's figures, learnt from the
    report itself: those whose tables never open a dashboard and more often than not follow
    a Comparative Data table (text between them aside). Such a table in a dashboard without
    figures shows the dashboard's figures were printed but not read."""
    after: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    previous = None
    for item in items:
        if not isinstance(item, StitchedTable):
            continue
        family = FAMILIES.get(item.family or "")
        if family is not None and family.scope == "section" \
                and not family.opens_section(item, report_year):
            seen[family.name] += 1
            after[family.name] += previous == "comparative"
        previous = item.family
    return {name for name in seen if after[name] * 2 > seen[name]}


def split_sections(items: list[TextLine | StitchedTable], report_year: str | None,
                   context: ReportContext) -> ReportLayout:
    catalogue = context.catalogue
    opener = dashboard_opener(items, report_year, context)
    after_figures = printed_after_figures(items, report_year)
    layout = ReportLayout([], [], [], [])
    current: Section | None = None

    def open_section(page: int, force: bool = False) -> Section:
        nonlocal current
        if current is None or current.has_figures or force:
            current = Section(len(layout.sections) + 1, page)
            layout.sections.append(current)
        return current

    def open_at_heading(page: int) -> Section:
        """A heading opens its dashboard: tables that opened a dashboard of their own since
        the last one's figures (no heading, no note, no figures) belong to no dashboard the
        report shows."""
        if current is not None and current.tables and not current.has_figures \
                and not (current.directorate_heading or current.area_heading or current.notes):
            layout.orphaned_tables.extend(current.tables)
            current.tables.clear()
            current.page = page
        return open_section(page)

    for position, item in enumerate(items):
        if isinstance(item, TextLine):
            text = item.text
            directorate = dashboard_directorate(text)
            if directorate:
                section = open_at_heading(item.page)
                section.directorate_heading = text
                if catalogue.directorate(directorate) is None and \
                        catalogue.resolve(directorate)[0] is not None:
                    section.area_heading = directorate  # 'Housing – Repairs Dashboard'
            elif len(text) <= 80 and catalogue.resolve(text)[0] is not None:
                section = open_at_heading(item.page)
                section.area_heading = text
            elif text[0] in BULLETS:
                section = open_section(item.page)
                section.notes.append(text.lstrip(BULLETS).strip())
            elif current is not None and current.notes and not current.tables:
                current.notes[-1] += " " + text
            elif current is None:
                layout.preamble.append(item)
            else:
                layout.stray_text.append((position, current, item))
            continue
        family = FAMILIES.get(item.family or "")
        if family is not None and family.scope == "report":
            layout.report_tables.append(item)
            continue
        opens = family is not None and family.opens_section(item, report_year)
        # A dashboard prints one table of each kind: a second one (this year's commitments
        # after next year's, a second Analysis table) starts the next dashboard, whatever the
        # opener learnt from the headings says, even where the dashboard's own figures could
        # not be read (its tables are not the next one's).
        second = family is not None and current is not None and (
            bool(current.tables_of(family.name)) if opens
            else any(t.family == family.name and not family.opens_section(t, report_year)
                     for t in current.tables))
        # Figures arriving in a dashboard that already holds what follows its own figures
        # (an Analysis table, say): that dashboard's figures were not read, these are the
        # next dashboard's.
        second = second or (family is not None and family.name == "comparative"
                            and current is not None and not current.has_figures
                            and any(t.family in after_figures
                                    and not FAMILIES[t.family].opens_section(t, report_year)
                                    for t in current.tables))
        if family is not None and (second or (opens and family.name in (opener, "comparative"))):
            section = open_section(item.page, force=second)
        elif current is None:
            layout.unplaced_tables.append(item)
            continue
        else:
            section = current
        section.tables.append(item)
    return layout


def _figure_match(section_figures: list[Figures], candidate: list[Figures]) -> tuple[float, int]:
    """Share of printed cells that agree, and how many could be compared."""
    pairs = [(a.get(k), b.get(k)) for a, b in zip(section_figures, candidate, strict=False)
             for k in a]
    known = [(a, b) for a, b in pairs if a is not None or b is not None]
    return (sum(a == b for a, b in known) / len(known) if known else 0.0), len(known)


@dataclass
class _Evidence:
    section: Section
    figures: list[Figures]
    printed_directorate: str | None = None
    area: ServiceArea | None = None
    how: Attribution = "unattributed"


def _section_evidence(section: Section, context: ReportContext) -> _Evidence:
    catalogue = context.catalogue
    heading_directorate = None
    if section.directorate_heading:
        printed = dashboard_directorate(section.directorate_heading) or ""
        heading_directorate = catalogue.directorate(printed) or catalogue.resolve(printed)[1]
    by_heading = None
    if section.area_heading:
        by_heading = catalogue.area(section.area_heading, heading_directorate)
        resolved, qualified_by = catalogue.resolve(section.area_heading)
        by_heading = by_heading or resolved
        heading_directorate = heading_directorate or qualified_by
    comparative = section.tables_of("comparative")
    figures: list[Figures] = []
    if comparative:
        rows = comparative_rows(comparative[0]).by_period
        figures = [parsed_figures(rows[p].cells) for p in (context.report_year,
                                                           context.prior_year) if p in rows]
    scored = sorted(((*_figure_match(figures, f), area.name, area)
                     for area, f in context.summary_figures.items()), reverse=True)
    by_figures = None
    if scored and scored[0][0] >= FIGURE_MATCH and (len(scored) == 1
                                                    or scored[1][0] < scored[0][0]):
        by_figures = scored[0][3]
    evidence = _Evidence(section, figures, heading_directorate)
    if by_heading and by_figures and by_heading != by_figures:
        context.findings.issue(
                "attribution_conflict",
            directorate=by_heading.directorate, service_area=by_heading.name,
            page=section.page, detail=f"heading says {by_heading.name}, figures match the "
            f"Top Ten row of {by_figures.name}; the heading wins")
    if by_heading:
        evidence.area = by_heading
        evidence.how = "heading+figures" if by_figures == by_heading else "heading"
    elif by_figures:
        evidence.area, evidence.how = by_figures, "figures"
    return evidence


def _by_elimination(found: list[_Evidence], context: ReportContext) -> None:
    """The one dashboard nothing placed takes the one Top Ten area nothing claimed, when their
    figures cannot be compared (so cannot contradict it)."""
    unplaced = [e for e in found if e.area is None and e.section.has_figures]
    claimed = {e.area for e in found if e.area is not None}
    unclaimed = [a for a in context.summary_figures if a not in claimed]
    if len(unplaced) != 1 or len(unclaimed) != 1:
        return
    evidence, area = unplaced[0], unclaimed[0]
    if evidence.printed_directorate not in (None, area.directorate):
        return
    if _figure_match(evidence.figures, context.summary_figures[area])[1] == 0:
        evidence.area, evidence.how = area, "elimination"


# A dashboard nothing else placed whose figures agree with one Top Ten row on more than half
# of the printed cells compared (at least this many), and with no other row on even half as
# many: a scan's misreads leave its own row short of FIGURE_MATCH (0.65-0.8 on the 2019/20
# 100 and 150 dpi scans), another row agrees on a few cells by chance (at most 0.35 there).
MAJORITY_AGREEING = 6


def by_most_figures(unplaced: list[list[Figures]], claimed: set[ServiceArea],
                    summary: dict[ServiceArea, list[Figures]]) -> list[ServiceArea | None]:
    """For each unplaced dashboard's figures, the unclaimed Top Ten area whose figures agree on
    most of the cells compared, by a clear margin over every other area; None where no area
    does, or where two dashboards would take the same one."""
    picks: list[ServiceArea | None] = []
    for figures in unplaced:
        scored = sorted(((*_figure_match(figures, f), area.name, area)
                         for area, f in summary.items()), reverse=True)
        share, known, _, area = scored[0] if scored else (0.0, 0, "", None)
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        picks.append(area if area not in claimed and share > 0.5
                     and share * known >= MAJORITY_AGREEING and runner_up <= share / 2
                     else None)
    return [None if pick is not None and picks.count(pick) > 1 else pick for pick in picks]


def _by_majority(found: list[_Evidence], context: ReportContext) -> None:
    unplaced = [e for e in found if e.area is None and e.section.has_figures]
    claimed = {e.area for e in found if e.area is not None}
    picks = by_most_figures([e.figures for e in unplaced], claimed, context.summary_figures)
    for evidence, area in zip(unplaced, picks, strict=True):
        if area is not None and evidence.printed_directorate in (None, area.directorate):
            evidence.area, evidence.how = area, "figures"


def attribute_sections(layout: ReportLayout, context: ReportContext) -> list[SectionScope]:
    """Each dashboard's area, recorded in `report_sections` with how it was decided."""
    found = [_section_evidence(section, context) for section in layout.sections]
    _by_majority(found, context)
    _by_elimination(found, context)
    scopes = []
    for evidence in found:
        section, area = evidence.section, evidence.area
        if not section.has_figures:  # text alone never places a dashboard: kept unattributed
            if section.tables:
                context.findings.issue(
                    "dashboard_without_figures", page=section.page,
                    detail=f"dashboard {section.number} (page {section.page}) has "
                           f"{len(section.tables)} table(s) but no Comparative Data table; its "
                           "texts are quarantined")
            scopes.append(SectionScope(section.number, section.page, None, section.tables))
            continue
        comparative = section.tables_of("comparative")
        page = comparative[0].page if comparative else section.page
        heading = " / ".join(h for h in (section.directorate_heading, section.area_heading)
                             if h)
        context.add("report_sections", [ReportSection(
            section_no=section.number, directorate=area.directorate if area else None,
            service_area=area.name if area else None, attribution=evidence.how,
            heading=heading or None, printed_directorate=evidence.printed_directorate,
            page=page, strategy=comparative[0].strategy if comparative else None)])
        if area is None:
            context.findings.issue(
                "section_unattributed", page=page,
                detail=f"dashboard {section.number}: service area could not be determined "
                       "(no heading, no matching Top Ten row)")
        elif area is not None and evidence.printed_directorate not in (None, area.directorate):
            context.findings.issue(
                "directorate_differs_from_catalogue",
                directorate=area.directorate, service_area=area.name, page=page,
                detail=f"dashboard {section.number} prints {area.name} under "
                       f"{evidence.printed_directorate}; the catalogue (schemas/areas.toml) has "
                       f"it under {area.directorate}, which is kept so its series stays one")
        scopes.append(SectionScope(section.number, page, area, section.tables))
    return scopes
