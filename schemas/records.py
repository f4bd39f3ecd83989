"""Validated records: what the pipeline loads, one model per warehouse table."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, model_validator

from schemas.types import Count, FinancialYear, Page, Percent, SignedFigure, Stage

# One home for each closed vocabulary: the warehouse's ENUM types are generated from these.
Severity = Literal["error", "warning", "info"]
IngestStatus = Literal["loaded", "replaced", "unchanged", "failed", "removed"]
# How a dashboard's service area was decided; evidence joined by '+' when several agree.
Attribution = Literal["heading", "figures", "heading+figures", "elimination", "unattributed"]
Measure = Literal["received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct"]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The report's own prose the record carries as content (not a printed name or raw text
    # kept as provenance): a text of these that holds a glyph the PDF maps to no character
    # is quarantined, not loaded (pipeline.families.base.ReportContext.add).
    prose_fields: ClassVar[tuple[str, ...]] = ()


class StageOutcome(Record):
    """One area × period × stage, as printed in one report's Comparative Data table."""

    period: FinancialYear
    directorate: str
    service_area: str
    stage: Stage
    received: Count | None = None
    upheld_pct: Percent | None = None
    escalated: Count | None = None
    upheld_not_upheld_prev_pct: Percent | None = None
    page: Page

    @model_validator(mode="after")
    def _stage_shape(self) -> StageOutcome:
        # Stage 3 is the last stage (nothing to escalate to); stage 1 has no previous stage.
        if self.stage == 3 and self.escalated is not None:
            raise ValueError("stage 3 has no escalated figure")
        if self.stage == 1 and self.upheld_not_upheld_prev_pct is not None:
            raise ValueError("stage 1 has no 'not upheld at previous stage' figure")
        return self


class TopTenEntry(StageOutcome):
    """One area × period × stage of the Top Ten summary table."""

    rank: int = Field(ge=1)
    printed_name: str


class PrintedDifference(Record):
    """A value of a Comparative Data table's Difference row, kept as printed (NULL = 'N/A')."""

    directorate: str
    service_area: str
    stage: Stage
    measure: Measure
    printed_value: SignedFigure | None
    raw_text: str
    page: Page


class ReportSection(Record):
    """A service-area dashboard and how the pipeline decided which area it describes."""

    section_no: int = Field(ge=1)
    directorate: str | None
    service_area: str | None
    attribution: Attribution
    heading: str | None
    printed_directorate: str | None = None  # as the dashboard's heading names it, canonical
    page: Page
    strategy: str | None = None  # the table strategy that read its Comparative Data table


class DataQualityIssue(Record):
    severity: Severity
    check_name: str  # a name in pipeline.checks.CHECKS (the warehouse's ENUM)
    directorate: str | None = None
    service_area: str | None = None
    period: FinancialYear | None = None
    stage: Stage | None = None
    detail: str
    page: Page | None = None


class QuarantinedValue(Record):
    """A printed value that failed validation: kept with its raw text, reason and page."""

    table_name: str
    directorate: str | None = None
    service_area: str | None = None
    period: str | None = None
    stage: int | None = None
    field: str
    raw_text: str
    reason: str
    page: Page


class Commentary(Record):
    prose_fields: ClassVar[tuple[str, ...]] = ("key_themes", "service_response",
                                               "complaints_team_comment")

    directorate: str
    service_area: str
    stage: Stage
    key_themes: str | None
    service_response: str | None
    complaints_team_comment: str | None
    page: Page


class ServiceCommitment(Record):
    prose_fields: ClassVar[tuple[str, ...]] = ("commitment", "progress")

    directorate: str
    service_area: str
    commitment_year: FinancialYear
    item_no: int = Field(ge=1)
    item_no_inferred: bool = False  # printed without numbers: numbered in printed order
    commitment: str = Field(min_length=1)
    progress: str | None
    page: Page


class ReportInfo(Record):
    """A report's identity is (council, report_year); its sha256 is the content version and
    its path is provenance only."""

    report_id: str
    council: str = Field(min_length=1)
    report_year: FinancialYear
    sha256: str
    source_path: str
    file_name: str
    page_count: int = Field(ge=1)
    extractor: str
    extractor_version: str
    extractor_fingerprint: str
    ingested_at: datetime
    table_strategies: str | None = None  # 'ruled', 'aligned' or 'ruled+aligned'
    parser: str = "pdfium"  # the page source that read it: pdfium or pdfminer


class ReportRecords(Record):
    """Everything one report yields; loaded whole or not at all. `tables` maps each warehouse
    table a table family fills (and `report_sections`) to its records."""

    report: ReportInfo
    tables: dict[str, tuple[SerializeAsAny[Record], ...]] = Field(default_factory=dict)
    issues: tuple[DataQualityIssue, ...] = ()
    quarantine: tuple[QuarantinedValue, ...] = ()

    def rows(self, table: str) -> tuple[Record, ...]:
        return self.tables.get(table, ())

    @property
    def record_count(self) -> int:
        """Figures, commentary and commitments: everything but sections and findings."""
        return sum(len(v) for k, v in self.tables.items() if k != "report_sections")
