"""The differential test of issue 15: every PDF we have gives the identical warehouse under
both page sources (pdfminer, the reference, and pdfium), and the same one-line reason for
every file that fails. Only the columns that name the parser (and the run's own identity and
times) may differ."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.extract.document import Limits
from pipeline.run import _extract_job, file_sha256, ingest
from schemas.records import ReportRecords
from tests.conftest import FIXTURES, PDFS, SHARED

REPO = Path(__file__).parent.parent
# Columns that say which parser ran, or which run and when: everything else must be equal.
NOT_CONTENT = {"parser", "extractor_fingerprint", "tool_version", "run_id", "run_started_at",
               "recorded_at", "ingested_at", "user_name", "host_name"}


def _ours() -> list[Path]:
    """The committed samples (the odd shapes included), the layout-fuzzer variants, the bad
    and hostile files, and raw_reports/."""
    return sorted([*PDFS.glob("*.pdf"), *(PDFS / "odd").glob("*.pdf"),
                   *(FIXTURES / "fuzz").glob("*.pdf"), *(FIXTURES / "bad").iterdir(),
                   *(FIXTURES / "hostile").glob("*.pdf"), *(REPO / "raw_reports").glob("*.pdf")])


def _shared() -> list[Path]:
    corpus = SHARED / "corpus"
    return sorted(p for part in ("realworld", "bad") for p in (corpus / part).iterdir()
                  if p.suffix == ".pdf")


def _warehouse(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows (sorted), without the columns that name the parser or the run."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [name for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        content = {}
        for table in tables:
            columns = [name for (name,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", [table]).fetchall() if name not in NOT_CONTENT]
            listed = ", ".join(f'"{c}"' for c in columns)
            content[table] = sorted(con.execute(f'SELECT {listed} FROM "{table}"').fetchall(),
                                    key=repr)
        return content
    finally:
        con.close()


def _extracted(paths: list[Path], parser: str) -> dict[str, object]:
    """What each file would load (every table's records, findings and quarantine, each with
    its page), or the one line it fails with, extracted two files at a time."""
    from pipeline.workers import extraction_pool

    limits = Limits()
    with extraction_pool(2, limits.max_memory) as pool:
        jobs = {path: pool.submit(_extract_job, path, file_sha256(path) if path.stat().st_size
                                  else "0" * 64, limits, None, parser) for path in paths}
        results = {path: job.result()[0] for path, job in jobs.items()}
    return {f"{path.parent.name}/{path.name}": _content(result)
            for path, result in results.items()}


def _content(result: ReportRecords | str) -> object:
    if isinstance(result, str):
        return result
    return result.model_dump(exclude={"report": {"parser", "extractor_fingerprint",
                                                 "ingested_at"}})


def _ingested(paths: list[Path], db: Path, parser: str) -> tuple[dict, list]:
    summary = ingest(paths, db, workers=2, parser=parser)
    outcomes = sorted((o.file_name, o.status, o.error) for o in summary.outcomes)
    return _warehouse(db), outcomes


@pytest.mark.parametrize("corpus", ["ours", "shared"])
def test_every_file_yields_the_same_records_or_the_same_failure_under_both_parsers(corpus):
    if corpus == "shared" and not SHARED.exists():
        pytest.skip(f"{SHARED} is absent: ../shared is only present inside the project "
                    "workspace")
    paths = _ours() if corpus == "ours" else _shared()
    unique = list({file_sha256(p) if p.stat().st_size else p.name: p for p in paths}.values())
    reference = _extracted(unique, "pdfminer")
    assert _extracted(unique, "pdfium") == reference
    loaded = [name for name, result in reference.items() if not isinstance(result, str)]
    if corpus == "ours":  # every sample and layout variant reads as a report
        assert len(loaded) >= 30, sorted(reference.items())


def test_the_warehouse_is_the_same_under_both_parsers(tmp_path):
    """raw_reports/ (one report per council and year) loaded by each parser: every table of
    the warehouse is the same but for the parser and run columns."""
    paths = sorted((REPO / "raw_reports").glob("*.pdf"))
    reference, reference_outcomes = _ingested(paths, tmp_path / "pdfminer.duckdb", "pdfminer")
    content, outcomes = _ingested(paths, tmp_path / "pdfium.duckdb", "pdfium")
    assert outcomes == reference_outcomes
    assert content.keys() == reference.keys()
    for table, rows in reference.items():
        assert content[table] == rows, table
    assert len(reference["reports"]) == len(paths) and len(reference["stage_outcomes"]) > 100
    with duckdb.connect(str(tmp_path / "pdfium.duckdb"), read_only=True) as con:
        assert con.execute("SELECT DISTINCT parser FROM reports").fetchall() == [("pdfium",)]
    with duckdb.connect(str(tmp_path / "pdfminer.duckdb"), read_only=True) as con:
        assert con.execute("SELECT DISTINCT parser FROM reports").fetchall() == [("pdfminer",)]
