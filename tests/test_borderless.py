"""Reports printed without ruling lines (a browser's print of an HTML page, a Word table in a
borderless style) give exactly the warehouse rows of the ruled renderings of the same content,
every figure and text matches the hand-made truth, and the strategy that read them is recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.run import ingest
from pipeline.warehouse import report_tables
from tests.conftest import (
    BORDERLESS_PRODUCERS,
    PDFS,
    expected_outcomes,
    fetch,
    golden,
    loaded_outcomes,
    snapshot,
)
from tests.test_commentary_2018_19 import assert_texts_match, expected_cells, loaded_cells

YEARS = ("2017-18", "2018-19", "2019-20")
RULED = "word"
# Columns left out of the comparison, each for its reason:
# - report and file identity (report_id, file_name, sha256, ingested_at): other bytes;
# - page and page_count: where each producer's flow put a row (the Word and reportlab
#   renderings of one year differ in them too: portrait A4 HTML has more pages);
# - the strategy columns: they say how the tables were read, which is the difference here.
NOT_CONTENT = frozenset({"report_id", "file_name", "source_path", "sha256", "ingested_at",
                         "page", "page_count", "strategy", "table_strategies"})


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Each year's ruled (Word) and borderless renderings, each in its own warehouse."""
    dbs = {}
    for year in YEARS:
        for producer in (RULED, *BORDERLESS_PRODUCERS):
            db = tmp_path_factory.mktemp(f"{year}-{producer}") / "w.duckdb"
            summary = ingest([PDFS / f"complaints-{year}-{producer}.pdf"], db, workers=1)
            assert not summary.failed, summary.failed
            dbs[(year, producer)] = db
    return dbs


@pytest.mark.parametrize("producer", BORDERLESS_PRODUCERS)
@pytest.mark.parametrize("year", YEARS)
def test_borderless_rendering_loads_the_same_rows_as_the_ruled_one(warehouses, year, producer):
    ruled = snapshot(warehouses[(year, RULED)], NOT_CONTENT)
    borderless = snapshot(warehouses[(year, producer)], NOT_CONTENT)
    areas = len(golden(f"complaints-{year}")["dashboards"])
    assert len(ruled["stage_outcomes"]) == areas * 2 * 3  # the comparison is not empty
    for table in report_tables():
        assert borderless[table] == ruled[table], table


@pytest.mark.parametrize("producer", BORDERLESS_PRODUCERS)
@pytest.mark.parametrize("year", YEARS)
def test_every_figure_and_text_against_the_truth(warehouses, year, producer):
    truth = golden(f"complaints-{year}")
    db = warehouses[(year, producer)]
    for table in ("stage_outcomes", "top_ten"):
        assert loaded_outcomes(db, table) == expected_outcomes(truth, table), table
    assert_texts_match(loaded_cells(db, f"complaints-{year}-{producer}.pdf"),
                       expected_cells(truth), f"{year} {producer}")
    assert fetch(db, "SELECT count(*) FROM quarantine") == [(0,)]


@pytest.mark.parametrize("year", YEARS)
def test_the_strategy_that_read_each_report_and_dashboard_is_recorded(warehouses, year):
    dashboards = len(golden(f"complaints-{year}")["dashboards"])
    for producer, strategy in ((RULED, "ruled"), *((p, "aligned") for p in
                                                   BORDERLESS_PRODUCERS)):
        db = warehouses[(year, producer)]
        assert fetch(db, "SELECT table_strategies FROM reports") == [(strategy,)]
        assert fetch(db, "SELECT strategy, count(*) FROM report_sections GROUP BY 1") == [
            (strategy, dashboards)]


def test_a_v1_warehouse_is_refused_untouched(warehouses, tmp_path):
    """Schema v3 (report identity, issue 10) replaced in-place upgrades: an older warehouse is
    refused with one clear line and left as it was (it is re-creatable from the PDFs)."""
    import shutil

    import duckdb

    from pipeline.errors import SchemaVersionError

    db = Path(shutil.copy(warehouses[("2018-19", RULED)], tmp_path / "old.duckdb"))
    with duckdb.connect(str(db)) as con:  # the warehouse as v1 made it
        con.execute("UPDATE warehouse_meta SET value = '1' WHERE key = 'schema_version'")
    with pytest.raises(SchemaVersionError) as refused:
        ingest([PDFS / "complaints-2018-19-html.pdf"], db, workers=1)
    assert refused.value.one_line() == (
        f"{db}: warehouse schema v1 is older than v5 and cannot be migrated. Re-create the "
        "warehouse (delete the file and ingest again) or upgrade the tool.")
    with duckdb.connect(str(db), read_only=True) as con:  # as it was: still v1
        assert con.execute("SELECT value FROM warehouse_meta").fetchall() == [("1",)]
