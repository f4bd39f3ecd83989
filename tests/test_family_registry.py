"""A new table family is one module and one registry entry (docs/extending.md): this test adds
the worked example (a 'Compliments received' table) at run time and ingests a report built
from blocks, no PDF, proving recognition, reading, loading and the snapshot all follow."""

from __future__ import annotations

import duckdb
import pytest
from pydantic import ValidationError

from pipeline.config import VOCABULARY_ENV, reload_vocabulary
from pipeline.extract.document import DocumentBlocks, TableBlock, TextLine
from pipeline.extract.stitch import StitchedTable
from pipeline.families import FAMILIES, TableFamily, WarehouseTable
from pipeline.families.base import ReportContext, SectionScope
from pipeline.load import replace_report
from pipeline.normalise import parse_count
from pipeline.report import read_report
from pipeline.warehouse import open_warehouse, report_tables
from pipeline.warehouse_attach import attached_warehouse, loaded_reports
from schemas.records import Record, ReportInfo, ReportRecords
from schemas.types import Count, FinancialYear, Page


class ComplimentCount(Record):
    directorate: str
    service_area: str
    period: FinancialYear
    compliments: Count | None
    page: Page


def read_compliments(context: ReportContext, table: StitchedTable,
                     section: SectionScope | None) -> None:
    area = section.area if section else None
    for row, page, _ in table.body():
        label, raw = row[0] or "", row[1] if len(row) > 1 else ""
        cell = parse_count(raw)
        if area is None or cell.rejection:
            context.findings.quarantine_value(
                table_name="compliments", field_name="compliments", raw=raw or "", page=page,
                reason=cell.rejection or "service area of this dashboard could not be "
                                         "determined")
            continue
        try:
            record = ComplimentCount(directorate=area.directorate, service_area=area.name,
                                     period=label, compliments=cell.value, page=page)
        except ValidationError as error:
            context.findings.quarantine_value(
                table_name="compliments", field_name="period", raw=label, page=page,
                reason=str(error.errors()[0]["msg"]))
            continue
        context.add("compliments", [record])


COMPLIMENTS = TableFamily(
    name="compliments", read=read_compliments,
    tables=(WarehouseTable("compliments", ComplimentCount, ddl="""
        CREATE TABLE IF NOT EXISTS compliments (
            report_id VARCHAR NOT NULL, council VARCHAR NOT NULL, report_year VARCHAR NOT NULL,
            directorate VARCHAR NOT NULL,
            service_area VARCHAR NOT NULL, period VARCHAR NOT NULL, compliments INTEGER,
            page INTEGER NOT NULL)"""),))

FIGURES = ("S1 rec'd", "% upheld", "S1 escalated")


def _table(page: int, top: float, rows) -> TableBlock:
    return TableBlock(page, top, top + 20 * len(rows), tuple(tuple(r) for r in rows))


def _report() -> DocumentBlocks:
    """Title, a Top Ten of one area, its dashboard with Comparative Data and Compliments."""
    return DocumentBlocks("compliments.pdf", 2, [
        TextLine(1, 40, "2018/19 ANNUAL COMPLAINTS REPORT"),
        _table(1, 100, [("Directorate & Area", *FIGURES, "S2 rec'd", "% upheld"),
                        ("Housing – Repairs", "218\n(186)", "44%\n(38%)", "23\n(17)", "36\n(48)",
                         "33%\n(43%)")]),
        TextLine(2, 40, "Housing – Complaint Dashboard 2018/19"),
        _table(2, 100, [("Comparative Data: 2018-2019 vs 2017-2018", *FIGURES, "S2 rec'd",
                         "% upheld"),
                        ("2018-2019", "218", "44%", "23", "36", "33%"),
                        ("2017-2018", "186", "38%", "17", "48", "43%")]),
        _table(2, 300, [("Compliments received", "Number"), ("2018/19", "57"),
                        ("2017/18", "forty")]),
    ], page_heights={1: 595.0, 2: 595.0})


@pytest.fixture()
def with_compliments(tmp_path, monkeypatch):
    """The two steps docs/extending.md describes: the registry entry and the phrase."""
    (tmp_path / "headers.toml").write_text('[tables]\ncompliments = ["compliments received"]\n',
                                           encoding="utf-8")
    monkeypatch.setenv(VOCABULARY_ENV, str(tmp_path))
    monkeypatch.setitem(FAMILIES, "compliments", COMPLIMENTS)
    reload_vocabulary()
    yield
    monkeypatch.delenv(VOCABULARY_ENV)
    reload_vocabulary()


def test_a_new_family_is_read_loaded_and_snapshotted(with_compliments, tmp_path):
    content = read_report(_report())
    assert [(r.service_area, r.period, r.compliments, r.page)
            for r in content.records["compliments"]] == [("Repairs", "2018/19", 57, 2)]
    [kept] = content.quarantine
    assert (kept.table_name, kept.raw_text, kept.page) == ("compliments", "forty", 2)

    info = ReportInfo(report_id="c0ffee", file_name="compliments.pdf", sha256="c0ffee" * 10,
                      source_path="compliments.pdf", council="Test Council",
                      report_year="2018/19", page_count=2, extractor="test",
                      extractor_version="0", extractor_fingerprint="0+test",
                      ingested_at="2026-01-01T00:00:00")
    records = ReportRecords(report=info, tables={k: tuple(v) for k, v in
                                                 content.records.items()},
                            issues=tuple(content.issues), quarantine=tuple(content.quarantine))
    assert "compliments" in report_tables()
    con = open_warehouse(tmp_path / "w.duckdb")
    try:
        replace_report(con, records)
        assert con.execute("SELECT report_id, service_area, period, compliments, page "
                           "FROM compliments").fetchall() == [
            ("c0ffee", "Repairs", "2018/19", 57, 2)]
    finally:
        con.close()


def test_without_its_entry_the_table_is_kept_in_quarantine_not_dropped():
    content = read_report(_report())
    assert "compliments" not in content.records
    assert {q.raw_text for q in content.quarantine if q.table_name == "unrecognised_table"} == {
        "Compliments received | Number", "2018/19 | 57", "2017/18 | forty"}
    assert "compliments" not in report_tables()


def test_a_family_registered_since_gets_its_table_though_the_run_read_the_file_first(
        with_compliments, tmp_path):
    """An ingest reads what is loaded (read-only) before it writes; that read checks the
    file but not the families' tables, so the write after it still adds the table of a
    family registered since the warehouse was made."""
    db = tmp_path / "w.duckdb"
    with attached_warehouse(db):
        pass
    with duckdb.connect(str(db)) as con:  # a warehouse made before the family existed
        con.execute("DROP TABLE compliments")
    assert loaded_reports(db) == {}
    with attached_warehouse(db) as con:
        assert con.execute("SELECT count(*) FROM compliments").fetchall() == [(0,)]
