"""The Top Ten summary table: one row per area, this year's figure with last year's in
brackets. Read before the dashboards: its figures are evidence for attributing them."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from pipeline.extract.header_grid import is_figure_row
from pipeline.extract.stitch import StitchedTable
from pipeline.families.base import ReportContext, SectionScope, TableFamily, WarehouseTable
from pipeline.families.figure_rows import (
    RawFigureRow,
    parsed_figures,
    quarantine_row,
    quarantine_unknown_columns,
    read_figure_rows,
)
from pipeline.normalise import UNKNOWN_GLYPH, plain_name, split_bracketed, squash
from pipeline.validate import build_stage_records, stage_cells
from schemas.records import TopTenEntry


def _area_rows(rows: Sequence[RawFigureRow]) -> list[RawFigureRow]:
    """Join a name that wrapped onto a row of its own (even across a page break) back onto
    the row above."""
    joined: list[RawFigureRow] = []
    for row in rows:
        printed = [*row.cells.values(), *(raw for _, raw in row.unmapped)]
        if joined and not any(squash(v) for v in printed):
            previous = joined[-1]
            joined[-1] = RawFigureRow(f"{previous.label}\n{row.label}", previous.cells,
                                      previous.page, previous.unmapped)
        else:
            joined.append(row)
    return joined


def area_names(table: StitchedTable) -> list[str]:
    """The area names the table prints, one per area row (wrapped names joined)."""
    return [plain_name(row.label) for row in _area_rows(read_figure_rows(table).rows)]


def read_top_ten(context: ReportContext, table: StitchedTable,
                 section: SectionScope | None) -> None:
    figure_table = read_figure_rows(table)
    for row in _area_rows(figure_table.rows):
        rank = context.count("top_ten_rows")
        printed = plain_name(row.label)
        area, printed_directorate = context.catalogue.resolve(printed)
        quarantine_unknown_columns(context.findings, row, "top_ten")
        if area is None:
            glyphs = UNKNOWN_GLYPH.findall(printed)
            reason = (f"unknown service area {printed!r} in the Top Ten table: the PDF maps "
                      f"{len(glyphs)} glyph(s) of the name to no character" if glyphs else
                      f"unknown service area {printed!r} in the Top Ten table (add it to "
                      "schemas/areas.toml)")
            quarantine_row(context.findings, row, reason, "top_ten")
            continue
        if printed_directorate and printed_directorate != area.directorate:
            context.findings.issue(
                "directorate_differs_from_catalogue",
                directorate=area.directorate, service_area=area.name, page=row.page,
                detail=f"Top Ten prints {area.name} under {printed_directorate}; the catalogue "
                       f"(schemas/areas.toml) has it under {area.directorate}, which is kept so "
                       "its series stays one")
        current = {c: split_bracketed(raw)[0] for c, raw in row.cells.items()}
        prior = {c: split_bracketed(raw)[1] or "" for c, raw in row.cells.items()}
        context.summary_figures[area] = [parsed_figures(current), parsed_figures(prior)]
        for period, cells in ((context.report_year, current), (context.prior_year, prior)):
            model = partial(TopTenEntry, rank=rank, printed_name=printed)
            where = dict(period=period, directorate=area.directorate, service_area=area.name,
                         page=row.page)
            by_stage = {s: stage_cells(cells, s) for s in figure_table.stages}
            context.add("top_ten", build_stage_records(model, by_stage, where,
                                                       context.findings, "top_ten"))


def _continues(table: StitchedTable, rows: Sequence[Sequence[str | None]]) -> bool:
    """Area rows: figures, or the wrapped tail of a name."""
    return any(is_figure_row(row) for row in rows)


TOP_TEN = TableFamily(
    name="top_ten", read=read_top_ten, scope="report", min_columns=6, figure_table=True,
    tables=(WarehouseTable("top_ten", TopTenEntry),),
    accepts_continuation=_continues)
