"""The report's words: Analysis tables (per stage) and service commitments (per year).

Cells are read by their boxes (pdfplumber's table finder), so a column's text never mixes
with its neighbour's; here they are cleaned, joined across page breaks and attributed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from pipeline.config import ServiceArea
from pipeline.extract.layout import stage_number
from pipeline.extract.sections import MergedTable, Section
from pipeline.normalise import financial_year, squash
from pipeline.report import ReportContent
from pipeline.validate import Findings
from schemas.records import Commentary, ServiceCommitment

_BULLET_START = re.compile(r"^\s*(?:[•▪●◦‣∙·\uf0b7\uf0a7\uf0d8]|-(?=\s))\s*")
_ITEM_NO = re.compile(r"^\s*(\d{1,2})[.)]?\s*$")
_STAGE_IN_TEXT = re.compile(r"\bstage\s*(\d|one|two|three)\b|\bS([123])\b", re.IGNORECASE)


def clean_text(raw: str | None) -> str | None:
    """Cell text as prose: bullets dropped, lines re-joined, line-end hyphens repaired."""
    if raw is None:
        return None
    lines = [_BULLET_START.sub("", line).strip() for line in raw.splitlines()]
    text = ""
    for line in filter(None, lines):
        if not text:
            text = line
        elif re.search(r"\w-$", text[-2:]):  # 'non-' + 'presented': broke after a hyphen
            text += line
        else:
            text += " " + line
    text = re.sub(r"(?<=\w)- (?=[a-z])", "-", text)  # 'non- presented' within one line
    return squash(text) or None


def stage_of(text: str | None) -> int | None:
    """'44% of Stage 2's were upheld' -> 2; the stage a commentary row speaks of."""
    match = _STAGE_IN_TEXT.search(text or "")
    return stage_number(match.group(1) or match.group(2)) if match else None


@dataclass
class Texts:
    commentary: list[Commentary] = field(default_factory=list)
    commitments: list[ServiceCommitment] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)


def _join(a: str | None, b: str | None) -> str | None:
    parts = [p for p in (a, b) if p]
    return " ".join(parts) if parts else None


def _columns(header: tuple[str | None, ...]) -> dict[str, int]:
    """Which column holds what, from the header's words."""
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = squash(cell).lower()
        if "comments to explain" in text or "service response" in text or "progress going" \
                in text:
            found.setdefault("service_response", i)
        elif "progress" in text:
            found.setdefault("progress", i)
        elif "commitment" in text:
            found.setdefault("commitment", i)
        elif "key themes" in text or text.startswith("analysis"):
            found.setdefault("key_themes", i)
        elif "complaints team" in text or "additional commentary" in text:
            found.setdefault("complaints_team_comment", i)
    return found


def _cell(row: tuple[str | None, ...], index: int | None) -> str | None:
    if index is None or index >= len(row):
        return None
    return clean_text(row[index])


class _TextReader:
    def __init__(self, content: ReportContent) -> None:
        self.content = content
        self.texts = Texts()

    def read(self) -> Texts:
        for section in self.content.layout.sections:
            area = self.content.section_areas.get(section.number)
            for table in section.tables_of("analysis"):
                self.read_analysis(section, table, area)
            for table in section.tables_of("commitments"):
                self.read_commitments(section, table, area)
        return self.texts

    def _quarantine(self, table_name: str, field_name: str, raw: str, reason: str, page: int,
                    area: object = None) -> None:
        self.texts.findings.quarantine_value(
            table_name=table_name, field_name=field_name, raw=raw[:2000], reason=reason,
            page=page, directorate=getattr(area, "directorate", None),
            service_area=getattr(area, "name", None))

    def read_analysis(self, section: Section, table: MergedTable,
                      area: ServiceArea | None) -> None:
        columns = _columns(table.rows[0])
        rows: list[dict] = []
        for row, page in zip(table.rows[1:], table.row_pages[1:], strict=True):
            cells = {name: _cell(row, columns.get(name)) for name in
                     ("key_themes", "service_response", "complaints_team_comment")}
            if not any(cells.values()):
                continue
            stage = stage_of(cells["key_themes"])
            first_on_page = bool(rows) and page != rows[-1]["page_seen"]
            if rows and (stage is None or stage == rows[-1]["stage"]) and first_on_page:
                # The rest of a row that the page break cut in two.
                for name, value in cells.items():
                    rows[-1][name] = _join(rows[-1][name], value)
                rows[-1]["page_seen"] = page
                continue
            rows.append({"stage": stage, "page": page, "page_seen": page, **cells})
        for r in rows:
            raw = " | ".join(filter(None, (r["key_themes"], r["service_response"],
                                           r["complaints_team_comment"])))
            if area is None or r["stage"] is None:
                reason = ("service area of this dashboard could not be determined" if area is None
                          else "stage could not be determined from the row's text")
                self._quarantine("commentary", "row", raw, reason, r["page"], area)
                continue
            try:
                self.texts.commentary.append(Commentary(
                    directorate=area.directorate, service_area=area.name, stage=r["stage"],
                    key_themes=r["key_themes"], service_response=r["service_response"],
                    complaints_team_comment=r["complaints_team_comment"], page=r["page"]))
            except ValidationError as error:
                self._quarantine("commentary", "row", raw, str(error.errors()[0]["msg"]),
                                 r["page"], area)

    def read_commitments(self, section: Section, table: MergedTable,
                         area: ServiceArea | None) -> None:
        header = table.rows[0]
        year = financial_year(" ".join(squash(c) for c in header))
        columns = _columns(header)
        text_col = columns.get("commitment")
        if text_col is None:
            return
        progress_col = columns.get("progress")
        number_col = text_col - 1 if text_col > 0 else None
        items: list[dict] = []
        for row, page in zip(table.rows[1:], table.row_pages[1:], strict=True):
            number_text = squash(row[number_col]) if number_col is not None else ""
            text, progress = _cell(row, text_col), _cell(row, progress_col)
            number_match = _ITEM_NO.match(number_text)
            if number_match:
                if not text and not progress:
                    continue  # a numbered row left empty is not a commitment
                items.append({"item_no": int(number_match.group(1)), "commitment": text,
                              "progress": progress, "page": page})
            elif not text and not progress:
                continue
            elif items and not number_text:
                items[-1]["commitment"] = _join(items[-1]["commitment"], text)
                items[-1]["progress"] = _join(items[-1]["progress"], progress)
            else:
                raw = " | ".join(filter(None, (number_text, text, progress)))
                self._quarantine("service_commitments", "item_no", raw,
                                 "commitment without an item number", page, area)
        for item in items:
            raw = " | ".join(filter(None, (str(item["item_no"]), item["commitment"],
                                           item["progress"])))
            if area is None or year is None:
                reason = ("service area of this dashboard could not be determined"
                          if area is None else "commitment year not printed in the header")
                self._quarantine("service_commitments", "row", raw, reason, item["page"], area)
                continue
            try:
                self.texts.commitments.append(ServiceCommitment(
                    directorate=area.directorate, service_area=area.name, commitment_year=year,
                    item_no=item["item_no"], commitment=item["commitment"] or "",
                    progress=item["progress"], page=item["page"]))
            except ValidationError as error:
                self._quarantine("service_commitments", "row", raw,
                                 str(error.errors()[0]["msg"]), item["page"], area)


def read_texts(content: ReportContent) -> Texts:
    """Commentary and commitments of every attributed dashboard; the rest quarantined."""
    return _TextReader(content).read()

