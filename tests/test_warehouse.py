"""Warehouse behaviour: whole-report transactions, parallel extraction, re-extraction, export."""

from __future__ import annotations

import shutil

import duckdb
from typer.testing import CliRunner

from pipeline import load
from pipeline.cli import app
from pipeline.run import extractor_fingerprint, ingest
from tests.conftest import EASTMOOR_2018_19, PDFS, THURROCK_2018_19, fetch, snapshot

runner = CliRunner()


def test_two_workers_give_the_same_warehouse_as_one(reports_dir, tmp_path):
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    assert not ingest([reports_dir], one, workers=1).failed
    assert not ingest([reports_dir], two, workers=2).failed
    assert snapshot(one) == snapshot(two)


def test_a_failure_mid_load_leaves_nothing_of_that_report(reports_dir, tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    assert not ingest([reports_dir / THURROCK_2018_19], db, workers=1).failed
    before = snapshot(db)
    real_insert = load._insert_batches

    def failing_insert(con, batches):
        real_insert(con, [(t, rows) for t, rows in batches if t != "commentary"])
        if any(table == "commentary" for table, _ in batches):
            raise duckdb.IOException("disk full (simulated)")

    monkeypatch.setattr(load, "_insert_batches", failing_insert)
    summary = ingest([reports_dir / EASTMOOR_2018_19], db, workers=1)
    [failed] = summary.failed
    assert failed.error == ("eastmoor-2018-19-reportlab.pdf: load failed, nothing of this "
                            "report was loaded (disk full (simulated))")
    assert snapshot(db) == before


def test_reextract_reprocesses_reports_of_an_older_extractor(reports_dir, tmp_path):
    db = tmp_path / "w.duckdb"
    assert not ingest([reports_dir], db, workers=1).failed
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE reports SET extractor_fingerprint = '0.0.1+000000000000' "
                    "WHERE file_name = ?", [THURROCK_2018_19])
    plain = ingest([reports_dir], db, workers=1)
    assert [o.status for o in plain.outcomes] == ["unchanged", "unchanged"]
    assert [o.note for o in plain.outcomes if o.note] == [
        "extractor or vocabulary changed since it was loaded: --reextract re-reads it"]
    again = ingest([reports_dir], db, workers=1, reextract=True)
    statuses = {o.file_name: o.status for o in again.outcomes}
    assert statuses == {EASTMOOR_2018_19: "unchanged", THURROCK_2018_19: "replaced"}
    assert fetch(db, "SELECT council, extractor_fingerprint FROM reports ORDER BY 1") == [
        (c, extractor_fingerprint(c)) for c in ("Eastmoor Borough Council", "Thurrock Council")]


def test_export_parquet_partitioned_by_period_and_csv(reports_dir, tmp_path):
    db = tmp_path / "w.duckdb"
    assert not ingest([reports_dir], db, workers=1).failed
    result = runner.invoke(app, ["export", "--out", str(tmp_path / "pq"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    folders = sorted(p.name for p in (tmp_path / "pq" / "stage_outcomes").iterdir())
    assert folders == ["period_key=2017-18", "period_key=2018-19"]
    rows = duckdb.sql(f"SELECT period, count(*) FROM read_parquet("
                      f"'{tmp_path}/pq/stage_outcomes/*/*.parquet') GROUP BY ALL ORDER BY 1"
                      ).fetchall()
    assert rows == [("2017/18", 30 + 9), ("2018/19", 30 + 9)]  # 3 stages × 10 + 3 areas
    result = runner.invoke(app, ["export", "--format", "csv", "--out", str(tmp_path / "csv"),
                                 "--db", str(db)])
    assert result.exit_code == 0
    header = (tmp_path / "csv" / "complaint_trends.csv").read_text().splitlines()[0]
    assert header == ("council,directorate,service_area,period,period_start,stage,received,"
                      "upheld_pct,escalated,upheld_not_upheld_prev_pct,source_report_year,"
                      "restated")


def test_an_empty_table_exports_as_a_zero_row_parquet_file(reports_dir, tmp_path):
    db = tmp_path / "w.duckdb"
    assert not ingest([reports_dir], db, workers=1).failed
    assert fetch(db, "SELECT count(*) FROM quarantine") == [(0,)]  # both samples read whole
    result = runner.invoke(app, ["export", "--out", str(tmp_path / "pq"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    empty = duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path}/pq/quarantine/*.parquet')")
    assert empty.fetchall() == []
    assert empty.columns == [c for (c,) in fetch(db, "SELECT column_name FROM duckdb_columns() "
                                                     "WHERE table_name = 'quarantine' "
                                                     "ORDER BY column_index")]


def test_trends_command_prints_a_sparkline_per_stage(reports_dir, tmp_path):
    db = tmp_path / "w.duckdb"
    assert not ingest([reports_dir], db, workers=1).failed
    result = runner.invoke(app, ["trends", "Missed Collections", "--db", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    eastmoor, thurrock = [line for line in lines if "S1" in line]  # one table per council
    assert "110 (70%)" in eastmoor and "96 (75%)" in eastmoor and "█▁" in eastmoor
    assert "200 (74%)" in thurrock and "163 (77%)" in thurrock and "█▁" in thurrock
    assert result.stdout.index("Eastmoor Borough Council") < result.stdout.index("Thurrock")
    as_csv = runner.invoke(app, ["trends", "Missed Collections", "--council", "Thurrock Council",
                                 "--format", "csv", "--db", str(db)])
    assert as_csv.stdout.splitlines()[:2] == [
        "council,period,stage,received,upheld_pct,restated",
        "Thurrock Council,2017/18,1,200,74.0,False"]
    missing = runner.invoke(app, ["trends", "Nowhere", "--db", str(db)])
    assert missing.exit_code == 2
    assert missing.stderr.startswith("Error: no figures for service area 'Nowhere'")


def test_a_worker_that_dies_fails_only_its_own_file(tmp_path, monkeypatch):
    """A PDF that kills its extraction process (here: os._exit) costs only that file."""
    import os

    from pipeline import run

    folder = tmp_path / "in"
    folder.mkdir()
    for year in ("2017-18", "2018-19", "2019-20"):
        shutil.copy(PDFS / f"complaints-{year}-word.pdf", folder)
    real = run.extract_report

    def fatal_on_2018(path, sha, limits, council=None, **options):
        if "2018-19" in path.name:
            os._exit(9)
        return real(path, sha, limits, council, **options)

    monkeypatch.setattr(run, "extract_report", fatal_on_2018)  # workers are forked: they see it
    summary = ingest([folder], tmp_path / "w.duckdb", workers=2)
    statuses = {o.file_name: (o.status, o.error) for o in summary.outcomes}
    assert statuses == {
        "complaints-2017-18-word.pdf": ("loaded", None),
        "complaints-2018-19-word.pdf": ("failed", "complaints-2018-19-word.pdf: the extraction "
                                        "process died while reading it (out of memory, or a "
                                        "crash in the PDF library)"),
        "complaints-2019-20-word.pdf": ("loaded", None),
    }
