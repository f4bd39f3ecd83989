"""Service commitments: this year's (with the service's progress) and next year's.

Items are numbered as printed. A table that prints no numbers at all keeps its rows, numbered
in printed order and marked `item_no_inferred`; a row continued on the next page (no number
of its own) is joined to the item it belongs to.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from pipeline.extract.stitch import StitchedTable
from pipeline.families.base import ReportContext, SectionScope, TableFamily, WarehouseTable
from pipeline.families.text_columns import cell_text, join_texts, text_columns
from pipeline.normalise import financial_year, squash
from schemas.records import ServiceCommitment

_ITEM_NO = re.compile(r"^\s*(\d{1,2})[.)]?\s*$")
_SENTENCE_END = re.compile(r"[.!?:;)]\s*$")


def commitment_year(table: StitchedTable) -> str | None:
    return financial_year(" ".join(table.headers))


def _continues_item(text: str | None, previous: str | None) -> bool:
    """An unnumbered row at the top of a page, carrying on the item above mid-sentence."""
    if not text:
        return True
    return text[0].islower() or not _SENTENCE_END.search(previous or "")


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
            if items and starts_part and _continues_item(text, items[-1]["commitment"]):
                items[-1]["commitment"] = join_texts(items[-1]["commitment"], text)
                items[-1]["progress"] = join_texts(items[-1]["progress"], progress)
                continue
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


def opens_dashboard(table: StitchedTable, report_year: str | None) -> bool:
    """This year's commitments open a dashboard (next year's close one)."""
    header = " ".join(table.headers)
    year = financial_year(header)
    return year is None or year == report_year or "progress" in header.lower()


COMMITMENTS = TableFamily(
    name="commitments", read=read_commitments, phrase_in="any", opens_section=opens_dashboard,
    tables=(WarehouseTable("service_commitments", ServiceCommitment),))
