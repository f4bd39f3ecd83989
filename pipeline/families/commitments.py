"""Service commitments: this year's (with the service's progress) and next year's.

Items are numbered as printed; a row continued on the next page (no number of its own) is
joined to the numbered item above. A table that prints no numbers at all keeps its rows,
numbered in printed order and marked `item_no_inferred`. Where such a table continues on the
next page, the row there is the rest of the item above when it has no commitment of its own or a
column goes on in lower case from a sentence left open; it is a new item when the part above
left the foot of its page empty (a producer breaking a row fills the page first), when a column
it prints text in ended lines above the foot, or when in two or more columns the line above the
break had room for the row's first word (a paragraph cut by the page foot fills its last line),
and nothing in the text says the row was cut. Otherwise the item above the break and every row
after it are quarantined: a new item and the rest of the one above cannot be told apart.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from pipeline.extract.document import Cell
from pipeline.extract.stitch import StitchedTable
from pipeline.families.base import ReportContext, SectionScope, TableFamily, WarehouseTable
from pipeline.families.text_columns import carries_on, cell_text, join_texts, text_columns
from pipeline.normalise import financial_year, squash
from schemas.records import ServiceCommitment

_ITEM_NO = re.compile(r"^\s*(\d{1,2})[.)]?\s*$")
# A part that left at least this many body lines empty at its page's foot moved its next row
# whole: a row allowed to break would have put two lines (widow control) and its cell padding
# there.
MOVED_ROW_ROOM = 4.0
# Columns whose paragraphs must all be seen to end above a page break before a row opening
# the next page is taken for a new item on that evidence alone: a cut row would need every
# one of them to break between two paragraphs of its cell on the same line.
PARAGRAPH_WITNESSES = 2
# Text that cannot end a cell: a sentence left open at a comma, dash, bracket or joining word.
_OPEN_END = re.compile(
    r"(?:[,(\-–—/&+]|\b(?:and|or|but|the|a|an|to|of|in|for|with|by|on|at|as|from|that|which|"
    r"is|are|was|were|be|will|has|have|our|their|its|this|these|those|all|any|each)\b)\s*$",
    re.IGNORECASE)


def commitment_year(table: StitchedTable) -> str | None:
    return financial_year(" ".join(table.headers))


def read_commitments(context: ReportContext, table: StitchedTable,
                     section: SectionScope | None) -> None:
    columns = text_columns(table.headers)
    text_col = columns.get("commitment")
    area = section.area if section else None
    if text_col is None:
        for row, page, _ in table.body():
            if any(squash(c) for c in row):
                context.findings.quarantine_value(
                    table_name="service_commitments", field_name="row",
                    raw=" | ".join(squash(c) for c in row if squash(c))[:2000], page=page,
                    reason="no column of this commitments table is headed as the commitment",
                    directorate=area.directorate if area else None,
                    service_area=area.name if area else None)
        return
    progress_col = columns.get("progress")
    number_col = text_col - 1 if text_col > 0 else None
    body = table.body()
    numbered = number_col is not None and any(
        _ITEM_NO.match(squash(row[number_col])) for row, _, _ in body)
    items: list[dict] = []

    def quarantine(raw: str, reason: str, page: int) -> None:
        context.findings.quarantine_value(
            table_name="service_commitments", field_name="item_no", raw=raw[:2000],
            reason=reason, page=page, directorate=area.directorate if area else None,
            service_area=area.name if area else None)

    for row, page, starts_part in body:
        number_text = squash(row[number_col]) if numbered and number_col is not None else ""
        text, progress = cell_text(row, text_col), cell_text(row, progress_col)
        number_match = _ITEM_NO.match(number_text)
        if not numbered:
            if not text and not progress:
                continue
            reading = (continues_item_above(items[-1], text, progress, table.room_before(row),
                                            _ended_above(table, row, (text_col, progress_col)),
                                            _paragraphs_ended(table, row,
                                                              (text_col, progress_col)))
                       if items and starts_part else False)
            if reading:
                items[-1]["commitment"] = join_texts(items[-1]["commitment"], text)
                items[-1]["progress"] = join_texts(items[-1]["progress"], progress)
                continue
            if reading is None:
                # Nothing tells a new item from the rest of the one above; either guess can
                # load a wrong text or number. Keep the item above and every row from here in
                # quarantine instead.
                ambiguous = [items.pop()] + [
                    {"item_no": None, "commitment": cell_text(r, text_col),
                     "progress": cell_text(r, progress_col), "page": p}
                    for r, p, _ in body[body.index((row, page, starts_part)):]]
                for item in ambiguous:
                    raw = " | ".join(filter(None, (item["commitment"], item["progress"])))
                    if raw:
                        quarantine(raw, "unnumbered commitments continue on the next page: a "
                                   "row there may be a new item or the rest of the one above",
                                   item["page"])
                break
            items.append({"item_no": len(items) + 1, "inferred": True, "commitment": text,
                          "progress": progress, "page": page})
        elif number_match:
            if not text and not progress:
                continue  # a numbered row left empty is not a commitment
            items.append({"item_no": int(number_match.group(1)), "inferred": False,
                          "commitment": text, "progress": progress, "page": page})
        elif not text and not progress:
            continue
        elif items and not number_text:  # the rest of the item above
            items[-1]["commitment"] = join_texts(items[-1]["commitment"], text)
            items[-1]["progress"] = join_texts(items[-1]["progress"], progress)
        else:
            quarantine(" | ".join(filter(None, (number_text, text, progress))),
                       "commitment without an item number", page)
    year = commitment_year(table)
    for item in items:
        raw = " | ".join(filter(None, (str(item["item_no"]), item["commitment"],
                                       item["progress"])))
        if area is None or year is None:
            quarantine(raw, "service area of this dashboard could not be determined"
                       if area is None else "commitment year not printed in the header",
                       item["page"])
            continue
        try:
            context.add("service_commitments", [ServiceCommitment(
                directorate=area.directorate, service_area=area.name, commitment_year=year,
                item_no=item["item_no"], item_no_inferred=item["inferred"],
                commitment=item["commitment"] or "", progress=item["progress"],
                page=item["page"])])
        except ValidationError as error:
            quarantine(raw, str(error.errors()[0]["msg"]), item["page"])


def _ended_above(table: StitchedTable, row: tuple[Cell, ...],
                 columns: tuple[int | None, ...]) -> bool:
    """A column this row prints text in ended, in the row above, well before the page foot
    that row reached: the page break cut no cell there, so this row is a row of its own."""
    cut = table.cut_columns_before(row)
    return any(column is not None and column < len(cut) and cut[column] is False
               and squash(row[column]) for column in columns)


def _paragraphs_ended(table: StitchedTable, row: tuple[Cell, ...],
                      columns: tuple[int | None, ...]) -> bool:
    """In at least PARAGRAPH_WITNESSES columns this row and the row above both print text,
    and in every one the row above's last line had room for this row's first word: no
    paragraph there was cut by the page foot (one cut mid-paragraph fills its last line)."""
    ended = table.paragraph_ends_before(row)
    seen = [ended[column] for column in columns
            if column is not None and column < len(ended) and ended[column] is not None]
    return len(seen) >= PARAGRAPH_WITNESSES and all(seen)


def continues_item_above(above: dict, text: str | None, progress: str | None,
                         room: float | None, ended_above: bool = False,
                         paragraphs_ended: bool = False) -> bool | None:
    """Is an unnumbered row opening a page the rest of the item above (True), a new item
    (False), or can the report not tell (None)? `ended_above`: a column this row prints
    text in ended well above the foot in the row above (a cut cell fills to the foot).
    `paragraphs_ended`: the row above's last line, in each of two or more columns, had room
    for this row's first word there (see `_paragraphs_ended`)."""
    if not text:
        return True  # no commitment of its own
    pairs = ((above["commitment"], text), (above["progress"], progress))
    if any(carries_on(a, b) for a, b in pairs):
        # a sentence left open above goes on here, unless the layout says no cell was cut
        return None if ended_above or paragraphs_ended else True
    if ended_above or paragraphs_ended:
        return False
    opens_lower = any(b and b[:1].islower() for _, b in pairs)
    left_open = any(a and _OPEN_END.search(a) for a, _ in pairs)
    if room is not None and room >= MOVED_ROW_ROOM and not opens_lower and not left_open:
        return False
    return None


def opens_dashboard(table: StitchedTable, report_year: str | None) -> bool:
    """This year's commitments open a dashboard (next year's close one)."""
    header = " ".join(table.headers)
    year = financial_year(header)
    return year is None or year == report_year or "progress" in header.lower()


COMMITMENTS = TableFamily(
    name="commitments", read=read_commitments, phrase_in="any", opens_section=opens_dashboard,
    tables=(WarehouseTable("service_commitments", ServiceCommitment),))
