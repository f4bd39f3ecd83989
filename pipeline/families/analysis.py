"""Analysis tables: per stage, the key themes, the service's response and the complaints
team's comment. Cells are read by their boxes, so a column's text never mixes with its
neighbour's; a row cut by a page break is joined back to the row it belongs to."""

from __future__ import annotations

import re

from pydantic import ValidationError

from pipeline.extract.stitch import StitchedTable
from pipeline.families.base import ReportContext, SectionScope, TableFamily, WarehouseTable
from pipeline.families.text_columns import carries_on, cell_text, join_texts, text_columns
from pipeline.normalise import stage_of
from schemas.records import Commentary

TEXT_FIELDS = ("key_themes", "service_response", "complaints_team_comment")
_OPENING_STAGE = re.compile(r"^\W{0,3}[A-Z0-9]")


def opens_stage_row(text: str | None) -> bool:
    """Does this key-themes text start a stage's row ('44% of Stage 2's were upheld...',
    'Stage 2: ...'), rather than carry on a sentence cut by a page break?"""
    if not text or not _OPENING_STAGE.match(text):
        return False
    return stage_of(text[:90]) is not None


def carries_on_a_sentence(above: dict, cells: dict) -> bool:
    """Does a row opening a page carry on the row above, cut by the break? Some column of the
    row above stops mid-sentence and the same column here goes on in lower case ("... these" /
    "are discussed ..."), whatever stage its first column happens to mention."""
    return any(carries_on(above[name], cells[name]) for name in TEXT_FIELDS)


def read_analysis(context: ReportContext, table: StitchedTable,
                  section: SectionScope | None) -> None:
    columns = text_columns(table.headers)
    rows: list[dict] = []
    for row, page, starts_part in table.body():
        cells = {name: cell_text(row, columns.get(name)) for name in TEXT_FIELDS}
        if not any(cells.values()):
            continue
        stage = stage_of(cells["key_themes"])
        if rows and starts_part and (stage is None or stage == rows[-1]["stage"]
                                     or not opens_stage_row(cells["key_themes"])
                                     or carries_on_a_sentence(rows[-1], cells)):
            for name, value in cells.items():  # the rest of a row the page break cut in two
                rows[-1][name] = join_texts(rows[-1][name], value)
            continue
        rows.append({"stage": stage, "page": page, **cells})
    area = section.area if section else None
    for r in rows:
        raw = " | ".join(filter(None, (r[name] for name in TEXT_FIELDS)))
        if area is None or r["stage"] is None:
            reason = ("service area of this dashboard could not be determined" if area is None
                      else "stage could not be determined from the row's text")
            context.findings.quarantine_value(
                table_name="commentary", field_name="row", raw=raw[:2000], reason=reason,
                page=r["page"], directorate=area.directorate if area else None,
                service_area=area.name if area else None)
            continue
        try:
            context.add("commentary", [Commentary(
                directorate=area.directorate, service_area=area.name, stage=r["stage"],
                page=r["page"], **{name: r[name] for name in TEXT_FIELDS})])
        except ValidationError as error:
            context.findings.quarantine_value(
                table_name="commentary", field_name="row", raw=raw[:2000],
                reason=str(error.errors()[0]["msg"]), page=r["page"],
                directorate=area.directorate, service_area=area.name)


ANALYSIS = TableFamily(name="analysis", read=read_analysis,
                       tables=(WarehouseTable("commentary", Commentary),))
