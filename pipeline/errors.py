"""One error hierarchy: every error names its stage, file and page, and what to do next."""

from __future__ import annotations


class PipelineError(Exception):
    """Base of the project's own errors; the CLI prints these as one line."""

    stage = "pipeline"
    hint = ""

    def __init__(self, message: str, *, file_name: str | None = None, page: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file_name = file_name
        self.page = page
        if hint is not None:
            self.hint = hint

    def one_line(self) -> str:
        where = self.file_name or ""
        if self.page is not None:
            where += f" (page {self.page})"
        text = f"{where}: {self.message}" if where else self.message
        return f"{text}. {self.hint}" if self.hint else text


class UnreadablePdfError(PipelineError):
    stage = "extract"
    hint = "Check the file is a complete, unencrypted PDF."


class EncryptedPdfError(UnreadablePdfError):
    hint = "Ask the council for an unprotected copy."


class NoTextLayerError(UnreadablePdfError):
    hint = "It looks scanned: its pages are images."


class NotAComplaintsReportError(PipelineError):
    stage = "extract"
    hint = "Only Annual Complaints Report PDFs can be ingested."


class ResourceLimitError(PipelineError):
    stage = "extract"
    hint = "Raise --max-pages/--timeout if the file is genuine."


class StrictModeError(PipelineError):
    stage = "validate"
    hint = "Run without --strict to load it with its findings."


class EmptyReportError(PipelineError):
    stage = "validate"
    hint = "Check the file, or add its wording to schemas/headers.toml / schemas/areas.toml."


class WarehouseError(PipelineError):
    stage = "load"


class SchemaVersionError(WarehouseError):
    hint = "Re-create the warehouse (delete the file and ingest again) or upgrade the tool."


class WarehouseBusyError(WarehouseError):
    hint = "Another ingest is running; wait for it to finish."


class ExportError(PipelineError):
    stage = "export"
    hint = "Choose a folder you can write to (--out)."


class ReportConflictError(WarehouseError):
    hint = "Pass --replace if this file is a corrected re-issue of that report."


class CouncilUnknownError(PipelineError):
    stage = "extract"
    hint = "Pass --council NAME to say whose report it is."


class UsageError(PipelineError):
    stage = "cli"


class MissingExtraError(PipelineError):
    """An optional dependency (a pip extra) is not installed."""

    stage = "report"
