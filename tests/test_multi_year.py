"""Three years of the same council's report, each in its own layout: every number against
the hand-made truth, the planted restatement, one trend series, and order independence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.config import VOCABULARY_ENV, reload_vocabulary
from pipeline.run import ingest
from tests.conftest import (
    FIXTURES,
    PDFS,
    PRODUCERS,
    expected_outcomes,
    fetch,
    golden,
    loaded_outcomes,
    snapshot,
)

YEARS = ("2017-18", "2018-19", "2019-20")
TRUTH = {year: golden(f"complaints-{year}") for year in YEARS}


@pytest.fixture(scope="module")
def by_producer(tmp_path_factory) -> dict[str, Path]:
    """The three years in one warehouse per producer (a council-year is loaded once)."""
    dbs = {}
    for producer in PRODUCERS:
        db = tmp_path_factory.mktemp(f"years-{producer}") / "w.duckdb"
        summary = ingest([PDFS / f"complaints-{y}-{producer}.pdf" for y in YEARS], db,
                         workers=2)
        assert not summary.failed, summary.failed
        dbs[producer] = db
    return dbs


@pytest.fixture(scope="module")
def three_years(by_producer) -> Path:
    return by_producer["reportlab"]


@pytest.mark.parametrize("producer", PRODUCERS)
@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("table", ["stage_outcomes", "top_ten"])
def test_every_figure_of_every_year(by_producer, year, producer, table):
    loaded = loaded_outcomes(by_producer[producer], table,
                             f"file_name = 'complaints-{year}-{producer}.pdf'")
    expected = expected_outcomes(TRUTH[year], table)
    assert len(expected) == len(TRUTH[year]["dashboards"]) * 2 * 3
    assert loaded == expected


@pytest.mark.parametrize("producer", PRODUCERS)
@pytest.mark.parametrize("year", YEARS)
def test_every_commentary_cell_and_commitment_of_every_year(by_producer, year, producer):
    from tests.test_commentary_2018_19 import assert_texts_match, expected_cells, loaded_cells

    loaded = loaded_cells(by_producer[producer], f"complaints-{year}-{producer}.pdf")
    assert_texts_match(loaded, expected_cells(TRUTH[year]), f"{year} {producer}")


def test_eleven_areas_in_2019_20(three_years):
    rows = fetch(three_years, "SELECT DISTINCT directorate, service_area FROM stage_outcomes "
                              "JOIN reports r USING (report_id) WHERE r.report_year = '2019/20'")
    assert len(rows) == 11
    assert ("Adults", "Adult Social Care") in rows


def test_renamed_area_maps_to_its_canonical_name(three_years):
    # 2017/18 prints "Housing – Tenancy & Estates" for what 2018/19 calls "Estates Services".
    rows = fetch(three_years, "SELECT DISTINCT printed_name, service_area FROM top_ten JOIN "
                              "reports r USING (report_id) WHERE r.report_year = '2017/18' AND "
                              "service_area = 'Estates Services'")
    assert rows == [("Housing – Tenancy & Estates", "Estates Services")]


def test_the_planted_restatement_is_flagged_with_both_values(three_years):
    planted = TRUTH["2017-18"]["planted_restatement"]
    rows = fetch(three_years, "SELECT severity, directorate, service_area, period, stage, "
                              "detail FROM data_quality_issues WHERE check_name = 'restatement' "
                              "ORDER BY detail")
    assert [r[:5] for r in rows] == [("warning", planted["directorate"],
                                      planted["service_area"], planted["period"],
                                      planted["stage"])]
    assert rows[0][5] == ("received 2017/18: complaints-2018-19-reportlab.pdf (2018/19) prints "
                          "186, complaints-2017-18-reportlab.pdf (2017/18) printed 184")


def test_complaint_trends_one_row_per_cell_own_year_wins(three_years):
    rows = fetch(three_years, "SELECT directorate, service_area, period, stage, received, "
                              "upheld_pct, escalated, upheld_not_upheld_prev_pct, "
                              "source_report_year, restated FROM complaint_trends "
                              "WHERE council = 'Thurrock Council'")
    keys = [r[:4] for r in rows]
    assert len(keys) == len(set(keys))
    expected: dict[tuple, dict] = {}
    for year in YEARS:  # oldest first: a later report's prior-year figures do not override
        for key, measures in expected_outcomes(TRUTH[year], "stage_outcomes").items():
            own_year = key[2] == TRUTH[year]["report_year"]
            if own_year or key not in expected:
                expected[key] = measures
    assert {r[:4] for r in rows} == set(expected)
    for r in rows:
        assert dict(zip(("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct"),
                        r[4:8], strict=True)) == expected[r[:4]], r[:4]
    by_key = {r[:4]: r for r in rows}
    repairs = by_key[("Housing", "Repairs", "2017/18", 1)]
    assert (repairs[4], repairs[8], repairs[9]) == (184, "2017/18", True)
    assert sum(r[9] for r in rows) == 1
    assert by_key[("Housing", "Repairs", "2016/17", 1)][8] == "2017/18"


@pytest.mark.parametrize("order", [("2019-20", "2017-18", "2018-19"),
                                   ("2018-19", "2019-20", "2017-18")])
def test_ingest_order_never_matters(tmp_path, order):
    files = [PDFS / f"complaints-{y}-word.pdf" for y in YEARS]
    baseline = tmp_path / "in-order.duckdb"
    assert not ingest(files, baseline, workers=1).failed
    shuffled = tmp_path / "shuffled.duckdb"
    for year in order:  # one run per year: a backfill arriving in another order
        assert not ingest([PDFS / f"complaints-{year}-word.pdf"], shuffled, workers=1).failed
    assert snapshot(shuffled) == snapshot(baseline)


def test_a_new_year_in_the_folder_is_the_only_file_processed(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    for year in ("2017-18", "2018-19"):
        shutil.copy(PDFS / f"complaints-{year}-word.pdf", folder)
    db = tmp_path / "w.duckdb"
    assert not ingest([folder], db, workers=1).failed
    shutil.copy(PDFS / "complaints-2019-20-word.pdf", folder)
    second = ingest([folder], db, workers=1)
    assert {o.file_name: o.status for o in second.outcomes} == {
        "complaints-2017-18-word.pdf": "unchanged", "complaints-2018-19-word.pdf": "unchanged",
        "complaints-2019-20-word.pdf": "loaded"}


NEW_LAYOUT = PDFS / "complaints-2020-21-newlayout-reportlab.pdf"


@pytest.fixture()
def vocabulary(monkeypatch):
    def use(folder: Path | None) -> None:
        if folder is None:
            monkeypatch.delenv(VOCABULARY_ENV, raising=False)
        else:
            monkeypatch.setenv(VOCABULARY_ENV, str(folder))
        reload_vocabulary()

    yield use
    monkeypatch.delenv(VOCABULARY_ENV, raising=False)
    reload_vocabulary()


def test_a_new_layout_is_quarantined_not_guessed_without_its_vocabulary(tmp_path, vocabulary):
    """Every figure under an unknown header: no figure is guessed, and a report of no figures
    is refused (issue 11), its line naming the first wording to add."""
    vocabulary(None)
    db = tmp_path / "w.duckdb"
    [outcome] = ingest([NEW_LAYOUT], db, workers=1).outcomes
    assert outcome.status == "failed"
    assert outcome.error == (
        f"{NEW_LAYOUT.name}: no figures read (175 value(s) quarantined, first on page 1: column "
        "header '1st stage: received' not recognised (add a phrase for it to "
        "schemas/headers.toml)). Check the file, or add its wording to schemas/headers.toml / "
        "schemas/areas.toml.")
    assert fetch(db, "SELECT count(*) FROM reports") == [(0,)]


def test_a_new_layout_needs_only_data_file_lines(tmp_path, vocabulary):
    """tests/fixtures/vocabulary-2020-21/ holds the few lines of data this layout needs."""
    vocabulary(FIXTURES / "vocabulary-2020-21")
    db = tmp_path / "w.duckdb"
    assert not ingest([NEW_LAYOUT], db, workers=1).failed
    truth = golden("complaints-2020-21-newlayout")
    assert loaded_outcomes(db, "stage_outcomes") == expected_outcomes(truth, "stage_outcomes")
    assert loaded_outcomes(db, "top_ten") == expected_outcomes(truth, "top_ten")
    assert fetch(db, "SELECT count(*) FROM quarantine") == [(0,)]
