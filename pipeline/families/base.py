"""What a table family is: the plug-in unit of the transform stage.

A family (Top Ten, Comparative Data, Analysis, commitments, ...) declares how its tables are
recognised (header phrases, which are data in schemas/headers.toml `[tables]`), how its rows
are told from its header and from another table's, how it reads its rows into records (with
the one shared quarantine helper, `Findings.quarantine_value`), and the warehouse tables those
records go to. The registry in `pipeline.families` lists them; stitching, loading, exporting and
the test snapshots loop over it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pipeline.config import AreaCatalogue, ServiceArea, area_catalogue, header_vocabulary
from pipeline.extract.stitch import StitchedTable
from pipeline.normalise import UNKNOWN_GLYPH, previous_financial_year
from pipeline.validate import Findings
from schemas.records import Record

Cell = str | None
Figures = dict[tuple[int, str], float | None]


@dataclass(frozen=True)
class WarehouseTable:
    """A warehouse table a family fills: its name, its record model, and the report-level
    columns the loader adds to every row (the report's identity, from the report's record)."""

    name: str
    model: type[Record]
    report_columns: tuple[str, ...] = ("report_id", "council", "report_year")
    # `CREATE TABLE IF NOT EXISTS ...` for a family added after the shipped ones (whose tables
    # are in schemas/ddl.sql); run each time the warehouse is opened for writing.
    ddl: str = ""


@dataclass
class SectionScope:
    """One dashboard as the families see it: its number, page, attributed area (None if it
    could not be determined) and tables."""

    number: int
    page: int
    area: ServiceArea | None
    tables: list[StitchedTable]


@dataclass
class ReportContext:
    """What one report's families share while they read it."""

    report_year: str
    catalogue: AreaCatalogue = field(default_factory=area_catalogue)
    findings: Findings = field(default_factory=Findings)
    records: dict[str, list[Record]] = field(default_factory=dict)
    # Evidence for attributing dashboards: each Top Ten area's figures (this year, last year).
    summary_figures: dict[ServiceArea, list[Figures]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def prior_year(self) -> str:
        return previous_financial_year(self.report_year)

    def count(self, name: str) -> int:
        """1, 2, 3... on successive calls: ranks and printed order across a report's tables."""
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    def add(self, table: str, records: Sequence[Record]) -> None:
        """The records of a table, but a record whose prose (`Record.prose_fields`) holds a
        glyph the PDF maps to no character is quarantined instead: what it printed is
        unknown. (Printed names and raw texts kept as provenance keep the placeholder.)"""
        kept = self.records.setdefault(table, [])
        for record in records:
            unknown = _unknown_glyph_text(record)
            if unknown is None:
                kept.append(record)
                continue
            name, text = unknown
            glyphs = UNKNOWN_GLYPH.findall(text)
            page: int = getattr(record, "page")  # noqa: B009 - every prose record has one
            self.findings.quarantine_value(
                table_name=table, field_name=name, raw=text, page=page,
                reason=f"the PDF maps {len(glyphs)} glyph(s) of this text to no character "
                       f"({glyphs[0]}): what they print is unknown",
                directorate=getattr(record, "directorate", None),
                service_area=getattr(record, "service_area", None),
                period=getattr(record, "period", None), stage=getattr(record, "stage", None))


def _unknown_glyph_text(record: Record) -> tuple[str, str] | None:
    """(field, text) of the first prose field holding an unknown glyph's placeholder."""
    for name in record.prose_fields:
        value = getattr(record, name)
        if isinstance(value, str) and UNKNOWN_GLYPH.search(value):
            return name, value
    return None


Reader = Callable[[ReportContext, StitchedTable, "SectionScope | None"], None]


def _always(table: StitchedTable, rows: Sequence[Sequence[Cell]]) -> bool:
    return True


def _never_opens(table: StitchedTable, report_year: str | None) -> bool:
    return False


@dataclass(frozen=True)
class TableFamily:
    name: str
    read: Reader
    tables: tuple[WarehouseTable, ...]
    # "report": one per report, read before dashboards (e.g. the Top Ten summary);
    # "section": read once per dashboard, after the dashboard's area is known.
    scope: Literal["report", "section"] = "section"
    # Where the header phrases are looked for: the first column's header, or any column's.
    phrase_in: Literal["first", "any"] = "first"
    min_columns: int = 1
    # Figure tables: the header is every row above the first row of figures (grouped headers).
    figure_table: bool = False
    # Does a table of this family start a new dashboard?
    opens_section: Callable[[StitchedTable, str | None], bool] = _never_opens
    # May these header-less rows at the top of the next page continue the table?
    accepts_continuation: Callable[[StitchedTable, Sequence[Sequence[Cell]]], bool] = _always

    @property
    def phrases(self) -> tuple[str, ...]:
        return header_vocabulary().tables.get(self.name, ())
