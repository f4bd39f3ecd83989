"""The differential test of issue 15: every committed sample (the odd shapes included), bad and
hostile file gives the same records, or the same one-line failure, under both page sources
(pdfminer, the reference, and pdfium); and one report loads into the same warehouse under each.
Only the columns that name the parser (and the run's own identity and times) may differ.

The warehouse is a function of the records (the load never sees the parser), so records are
compared for every file and whole warehouses for one report only. The full sweep (every
layout-fuzzer variant, raw_reports/ into one warehouse, the shared corpus) is
bench/differential.py: it takes minutes, too long for the suite."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.extract.document import Limits
from pipeline.run import _extract_job, file_sha256, ingest
from schemas.records import ReportRecords
from tests.conftest import FIXTURES, PDFS

REPO = Path(__file__).parent.parent
# Columns that say which parser ran, or which run and when: everything else must be equal.
NOT_CONTENT = {"parser", "extractor_fingerprint", "tool_version", "run_id", "run_started_at",
               "recorded_at", "ingested_at", "user_name", "host_name"}


def committed_files() -> list[Path]:
    """The committed samples (the odd shapes included) and the bad and hostile files, once
    each (raw_reports/ holds copies of samples). The scanned samples are left out: OCR reads
    their pages, not a parser (tests/test_ocr*)."""
    paths = sorted([*PDFS.glob("*.pdf"), *(PDFS / "odd").glob("*.pdf"),
                    *(FIXTURES / "bad").iterdir(), *(FIXTURES / "hostile").glob("*.pdf"),
                    *(REPO / "raw_reports").glob("*.pdf")])
    return list({file_sha256(p) if p.stat().st_size else p.name: p for p in paths}.values())


def warehouse_content(db: Path) -> dict[str, list[tuple]]:
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


def extracted(paths: list[Path], parser: str) -> dict[str, object]:
    """What each file would load (every table's records, findings and quarantine, each with
    its page), or the one line it fails with, extracted two files at a time."""
    from pipeline.workers import extraction_pool

    limits = Limits()
    with extraction_pool(2, limits.max_memory) as pool:
        jobs = {path: pool.submit(_extract_job, path, file_sha256(path) if path.stat().st_size
                                  else "0" * 64, limits, None, parser) for path in paths}
        results = {path: job.result()[0] for path, job in jobs.items()}
    return {f"{path.parent.name}/{path.name}": record_content(result)
            for path, result in results.items()}


def record_content(result: ReportRecords | str) -> object:
    if isinstance(result, str):
        return result
    return result.model_dump(exclude={"report": {"parser", "extractor_fingerprint",
                                                 "ingested_at"}})


def test_every_committed_file_yields_the_same_records_or_failure_under_both_parsers():
    paths = committed_files()
    reference = extracted(paths, "pdfminer")
    content = extracted(paths, "pdfium")
    assert content.keys() == reference.keys()
    for name, records in reference.items():
        assert content[name] == records, name
    loaded = [name for name, result in reference.items() if not isinstance(result, str)]
    assert len(loaded) == len(list(PDFS.glob("*.pdf"))), sorted(reference.items())


def test_a_report_loads_the_same_warehouse_under_both_parsers(tmp_path):
    """Every table but for the parser and run columns."""
    path = PDFS / "eastmoor-2018-19-word.pdf"
    content = {}
    for parser in ("pdfminer", "pdfium"):
        db = tmp_path / f"{parser}.duckdb"
        summary = ingest([path], db, workers=1, parser=parser)
        assert [(o.status, o.error) for o in summary.outcomes] == [("loaded", None)]
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("SELECT DISTINCT parser FROM reports").fetchall() == [(parser,)]
        content[parser] = warehouse_content(db)
    assert content["pdfium"] == content["pdfminer"]
    assert len(content["pdfminer"]["stage_outcomes"]) == 18
