"""What an ingest reports and logs of itself: each file's outcome, the run's summary, and its
rows of `ingest_runs` (who ran it, when, with which extractor), and the extractor fingerprint
a loaded report is compared with to tell whether re-reading it could differ."""

from __future__ import annotations

import getpass
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pipeline.config import vocabulary_fingerprint
from pipeline.extract import EXTRACTOR_VERSION

if TYPE_CHECKING:
    from schemas.records import IngestStatus


def default_parser() -> str:
    """The page source a run uses unless told (pipeline.extract.page_source, which imports
    pdfium: the CLI always names the parser, so a run that reads nothing does not import it)."""
    from pipeline.extract.page_source import DEFAULT_PARSER

    return DEFAULT_PARSER


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file: loaded, replaced, unchanged or failed (with the reason)."""

    file_name: str
    status: IngestStatus
    pages: int = 0
    report_year: str | None = None
    records: int = 0
    issues: int = 0
    quarantined: int = 0
    error: str | None = None
    seconds: float = 0.0
    library_log: tuple[str, ...] = ()  # what pdfminer/pdfplumber logged while reading it
    source_path: str = ""
    council: str | None = None
    note: str | None = None


@dataclass
class IngestSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def pages(self) -> int:
        return sum(o.pages for o in self.outcomes)


ProgressCallback = Callable[[FileOutcome], None]


def extractor_fingerprint(council: str | None, parser: str | None = None) -> str:
    """Code version + the page source + the vocabulary in effect for this council: what
    `--reextract` follows (a report read by the other parser is re-read)."""
    return f"{EXTRACTOR_VERSION}+{parser or default_parser()}+{vocabulary_fingerprint(council)}"


@dataclass(frozen=True)
class RunInfo:
    """Who runs this ingest, and when: the common part of its `ingest_runs` rows."""

    run_id: str
    run_started_at: datetime
    user_name: str
    host_name: str
    tool_version: str

    @classmethod
    def start(cls, parser: str | None = None) -> RunInfo:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (some containers)
            user = "unknown"
        return cls(uuid.uuid4().hex[:12], _utc_now(), user, socket.gethostname(),
                   extractor_fingerprint(None, parser))

    def row(self, outcome: FileOutcome, sha256: str | None,
            report_id: str | None = None) -> dict[str, Any]:
        return {"run_id": self.run_id, "run_started_at": self.run_started_at,
                "user_name": self.user_name, "host_name": self.host_name,
                "tool_version": self.tool_version,
                "source_path": outcome.source_path or outcome.file_name, "sha256": sha256,
                "status": outcome.status, "council": outcome.council,
                "report_year": outcome.report_year, "report_id": report_id,
                "detail": outcome.error or outcome.note, "recorded_at": _utc_now()}


_last_stamp: list[datetime] = []  # the latest time `_utc_now` gave in this process


def _utc_now() -> datetime:
    """UTC now to the microsecond, and always later than the last stamp this process gave: an
    analyst ordering `ingest_runs` by time gets its runs and rows in the order they were written
    (pdfium finishes two runs within one second, so whole seconds tied; a coarse or stepped-back
    clock cannot tie or reorder them either)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    if _last_stamp and now <= _last_stamp[0]:
        now = _last_stamp[0] + timedelta(microseconds=1)
    _last_stamp[:] = [now]
    return now
