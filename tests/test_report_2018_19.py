"""The 2018/19 report, both producers' PDFs, checked number by number against the hand-made
truth (tests/fixtures/golden/complaints-2018-19.json, transcribed from the seed text)."""

from __future__ import annotations

import pytest

from tests.conftest import PRODUCERS, fetch, golden, golden_by_stage

TRUTH = golden("complaints-2018-19")
COLUMNS = TRUTH["figure_columns"]
MEASURES = ("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct")


def _stage_rows(db, table: str) -> dict[tuple, dict]:
    rows = fetch(db, f"""SELECT directorate, service_area, period, stage, received, upheld_pct,
                                escalated, upheld_not_upheld_prev_pct, page, report_year
                         FROM {table}""")
    return {r[:4]: dict(zip(MEASURES + ("page", "report_year"), r[4:], strict=True))
            for r in rows}


def _expected(entries: list[dict], key: str) -> dict[tuple, dict]:
    expected = {}
    for entry in entries:
        figures = entry["comparative"] if key == "comparative" else entry
        for period, values in ((TRUTH["report_year"], figures["current"]),
                               (TRUTH["prior_year"], figures["prior"])):
            for stage, measures in golden_by_stage(COLUMNS, values).items():
                expected[(entry["directorate"], entry["service_area"], period, stage)] = measures
    return expected


@pytest.mark.parametrize("producer", PRODUCERS)
def test_every_comparative_figure_matches_the_truth(sample_2018_19_db, producer):
    loaded = _stage_rows(sample_2018_19_db[producer], "stage_outcomes")
    expected = _expected(TRUTH["dashboards"], "comparative")
    assert len(expected) == 10 * 2 * 3
    assert set(loaded) == set(expected)
    for key, measures in expected.items():
        got = {m: loaded[key][m] for m in MEASURES}
        assert got == measures, key
        assert loaded[key]["report_year"] == "2018/19"
        assert loaded[key]["page"] >= 2


@pytest.mark.parametrize("producer", PRODUCERS)
def test_top_ten_table_both_years(sample_2018_19_db, producer):
    db = sample_2018_19_db[producer]
    loaded = _stage_rows(db, "top_ten")
    expected = _expected(TRUTH["top_ten"], "top_ten")
    assert set(loaded) == set(expected)
    for key, measures in expected.items():
        assert {m: loaded[key][m] for m in MEASURES} == measures, key
    ranks = fetch(db, "SELECT DISTINCT rank, directorate, service_area, printed_name FROM top_ten "
                      "ORDER BY rank")
    assert [(r, d, a) for r, d, a, _ in ranks] == [
        (t["rank"], t["directorate"], t["service_area"]) for t in TRUTH["top_ten"]]
    # Printed names keep their words on one line, with the Cyrillic 'Тах' read as 'Tax'.
    assert [name for *_, name in ranks][4] == "Finance – Council Tax"
    assert [name for *_, name in ranks][5] == "Place – Development Management"


@pytest.mark.parametrize("producer", PRODUCERS)
def test_printed_differences_kept_as_printed(sample_2018_19_db, producer):
    rows = fetch(sample_2018_19_db[producer],
                 "SELECT service_area, stage, measure, printed_value FROM printed_differences")
    loaded = {(a, s, m): v for a, s, m, v in rows}
    expected = {}
    for dashboard in TRUTH["dashboards"]:
        for name, value in zip(COLUMNS, dashboard["comparative"]["difference"], strict=True):
            stage, measure = {n: i for n, i in zip(COLUMNS, [
                (1, "received"), (1, "upheld_pct"), (1, "escalated"), (2, "received"),
                (2, "upheld_pct"), (2, "upheld_not_upheld_prev_pct"), (2, "escalated"),
                (3, "received"), (3, "upheld_pct"), (3, "upheld_not_upheld_prev_pct")],
                strict=True)}[name]
            expected[(dashboard["service_area"], stage, measure)] = value
    assert loaded == expected


@pytest.mark.parametrize("producer", PRODUCERS)
def test_the_reports_three_arithmetic_slips_are_reported(sample_2018_19_db, producer):
    rows = fetch(sample_2018_19_db[producer],
                 "SELECT service_area, stage, severity, detail, page FROM data_quality_issues "
                 "WHERE check_name = 'difference_arithmetic' ORDER BY service_area")
    assert [(a, s, sev) for a, s, sev, _, _ in rows] == [
        ("Development Management", 2, "warning"),
        ("Missed Collections", 3, "warning"),
        ("Non Return of Bins", 2, "warning"),
    ]
    details = [d for _, _, _, d, _ in rows]
    assert details[0] == "S2 rec'd: Difference printed -6, but 16 − 23 = -7"
    assert details[1] == "S3 rec'd: Difference printed -2, but 2 − 5 = -3"
    assert details[2] == ("% of S2 upheld not upheld at S1: Difference printed +12%, "
                          "but 33% − 20% = 13%")
    assert all(page for *_, page in rows)


@pytest.mark.parametrize("producer", PRODUCERS)
def test_top_ten_agrees_with_every_dashboard(sample_2018_19_db, producer):
    rows = fetch(sample_2018_19_db[producer], "SELECT count(*) FROM data_quality_issues "
                 "WHERE check_name = 'top_ten_matches_comparative'")
    assert rows == [(0,)]


@pytest.mark.parametrize("producer", PRODUCERS)
def test_truncated_percentage_is_accepted_and_impossible_one_is_flagged(sample_2018_19_db,
                                                                      producer):
    db = sample_2018_19_db[producer]
    flagged = fetch(db, "SELECT service_area, period, stage, detail FROM data_quality_issues "
                        "WHERE check_name = 'percent_reachable'")
    # 66% of 3 (Development Management S3) is 2/3 truncated: not a finding.
    assert not [f for f in flagged if f[0] == "Development Management"]
    # 1% of 40 (Housing Solutions S2 2018/19) cannot come from any whole count.
    assert ("Housing Solutions", "2018/19", 2,
            "% of S2 upheld not upheld at S1 1% cannot be k of 40 received for any whole k "
            "(rounded or truncated)") in flagged


@pytest.mark.parametrize("producer", PRODUCERS)
def test_s2_escalated_against_s3_received(sample_2018_19_db, producer):
    rows = fetch(sample_2018_19_db[producer],
                 "SELECT service_area, period, detail FROM data_quality_issues "
                 "WHERE check_name = 's2_escalated_vs_s3_received' ORDER BY service_area")
    assert rows == [
        ("Estates Services", "2017/18", "S2 escalated 8 but S3 rec'd 9"),
        ("Housing Solutions", "2017/18", "S2 escalated 9 but S3 rec'd 10"),
        ("Missed Collections", "2017/18", "S2 escalated 4 but S3 rec'd 5"),
        ("SEN", "2017/18", "S2 escalated 2 but S3 rec'd 3"),
    ]


@pytest.mark.parametrize("producer", PRODUCERS)
def test_sections_attributed_by_heading_or_figures(sample_2018_19_db, producer):
    rows = fetch(sample_2018_19_db[producer], "SELECT section_no, directorate, service_area, "
                 "attribution FROM report_sections ORDER BY section_no")
    assert [(d, a) for _, d, a, _ in rows] == [
        (x["directorate"], x["service_area"]) for x in TRUTH["dashboards"]]
    how = {a: h for _, _, a, h in rows}
    assert how["Council Tax"] == "heading+figures"  # the one dashboard that names its area
    assert {h for a, h in how.items() if a != "Council Tax"} == {"figures"}


@pytest.mark.parametrize("producer", PRODUCERS)
def test_report_row(sample_2018_19_db, producer):
    [(name, year, council, pages, extractor)] = fetch(
        sample_2018_19_db[producer],
        "SELECT file_name, report_year, council, page_count, extractor FROM reports")
    assert name == f"complaints-2018-19-{producer}.pdf"
    assert year == "2018/19"
    assert pages > 10
    assert extractor == "pdfplumber-tables"


@pytest.mark.parametrize("producer", PRODUCERS)
def test_nothing_quarantined_in_a_clean_sample(sample_2018_19_db, producer):
    assert fetch(sample_2018_19_db[producer], "SELECT raw_text, reason FROM quarantine") == []
