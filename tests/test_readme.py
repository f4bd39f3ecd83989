"""The README is true: its two set-up commands match CI, and every SQL example returns exactly
the rows the reports in raw_reports/ say (checked against the hand-made golden files)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.run import ingest
from tests.conftest import expected_outcomes, fetch, golden

REPO = Path(__file__).parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
SQL_EXAMPLES = re.findall(r"```sql\n(.*?)```", README, re.S)
RAW_REPORTS = sorted((REPO / "raw_reports").glob("*.pdf"))
# raw_reports/<stem>-word.pdf is rendered from tests/fixtures/golden/<stem>.json.
TRUTHS = [golden(p.name.removesuffix("-word.pdf")) for p in RAW_REPORTS]
THURROCK = "Thurrock Council"
CONTRACTORS = re.compile(r"(?i)contractor|Mears|Liberty Gas|Aaron|Oakray")


@pytest.fixture(scope="module")
def raw_reports_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("readme") / "w.duckdb"
    assert not ingest([REPO / "raw_reports"], db, workers=2).failed
    return db


def test_raw_reports_holds_one_pdf_per_council_year():
    identities = [(t["council"], t["report_year"]) for t in TRUTHS]
    assert len(identities) == len(set(identities)) == len(RAW_REPORTS) == 4
    assert {c for c, _ in identities} == {THURROCK, "Eastmoor Borough Council"}


def test_readme_test_command_is_what_ci_runs():
    [command] = re.findall(r"```sh\n(python3 -m venv .venv && .*pytest)\n```", README)
    assert command in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_main_command_ingests_raw_reports():
    assert "complaints ingest raw_reports/" in README


def _next_year(year: str) -> str:
    start = int(year[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}"


def trend_cells() -> dict[tuple, tuple[dict, str]]:
    """{(council, directorate, area, period, stage): (measures, source report year)}: the
    report whose own year is the period wins; a period only reprinted comes from its reprint."""
    cells: dict[tuple, tuple[dict, str]] = {}
    for truth in sorted(TRUTHS, key=lambda t: t["report_year"]):
        for key, measures in expected_outcomes(truth, "stage_outcomes").items():
            full = (truth["council"], *key)
            if key[2] == truth["report_year"] or full not in cells:
                cells[full] = (measures, truth["report_year"])
    return cells


def _series(area: str, columns: tuple[str, ...]) -> list[tuple]:
    cells = trend_cells()
    keys = sorted((k for k in cells if k[0] == THURROCK and k[2] == area),
                  key=lambda k: (k[4], k[3]))
    return [tuple(cells[k][0][c] if c in cells[k][0] else
                  {"period": k[3], "stage": k[4], "source_report_year": cells[k][1]}[c]
                  for c in columns) for k in keys]


def check_repairs_trend(rows: list[tuple]) -> None:
    assert rows == _series("Repairs", ("period", "stage", "received", "upheld_pct", "escalated"))
    assert len(rows) == 4 * 3  # 2016/17 to 2019/20, three stages


def check_upheld_ranking(rows: list[tuple]) -> None:
    expected = [(k[0], k[1], k[2], m["received"], m["upheld_pct"])
                for k, (m, _) in trend_cells().items() if k[3] == "2018/19" and k[4] == 1]
    expected.sort(key=lambda r: (-r[4], r[0], r[2]))
    assert rows == expected
    # Thurrock's ten areas, Adult Social Care (reprinted by its 2019/20 report), Eastmoor's three
    assert len(rows) == 10 + 1 + 3


def check_difference_slips(rows: list[tuple]) -> None:
    slips = [s for t in TRUTHS for s in t["expected_difference_slips"]]
    assert len(slips) == len(rows) == 3  # only Thurrock 2018/19 has slips
    assert sorted(r[2] for r in rows) == sorted(s["service_area"] for s in slips)
    for slip in slips:
        [row] = [r for r in rows if r[2] == slip["service_area"]]
        assert row[:2] == (THURROCK, "2018/19")
        assert re.search(rf"Difference printed \+?{slip['printed']}%?, but .* = "
                         rf"{slip['computed']}%?$", row[3]), row[3]


def check_contractor_commitments(rows: list[tuple]) -> None:
    expected = []
    for truth in TRUTHS:
        for dashboard in truth["dashboards"]:
            for year, key in ((truth["report_year"], "commitments_current"),
                              (_next_year(truth["report_year"]), "commitments_next")):
                for item in dashboard.get(key) or []:
                    if CONTRACTORS.search(item["commitment"]):
                        expected.append((truth["council"], year, dashboard["directorate"],
                                         dashboard["service_area"], item["item_no"]))
    assert [r[:5] for r in rows] == sorted(expected)
    assert any(r[0] == "Eastmoor Borough Council" for r in rows)


def check_stage_2_commentary(rows: list[tuple]) -> None:
    expected = []
    for truth in TRUTHS:
        for dashboard in truth["dashboards"]:
            pct = expected_outcomes(truth, "stage_outcomes")[
                (dashboard["directorate"], dashboard["service_area"], truth["report_year"],
                 2)]["upheld_pct"]
            if pct is not None and pct > 40 and any(a["stage"] == 2
                                                    for a in dashboard["analysis"]):
                expected.append((truth["council"], truth["report_year"],
                                 dashboard["service_area"], pct))
    assert [r[:4] for r in rows] == sorted(expected)
    assert rows, "no stage 2 area over 40% in the samples"


def check_missed_collections_trend(rows: list[tuple]) -> None:
    expected = _series("Missed Collections", ("period", "stage", "received", "upheld_pct",
                                              "source_report_year"))
    assert [r[:4] + r[5:] for r in rows] == expected
    assert [r[4] for r in rows] == [False] * len(rows)  # only Repairs 2017/18 S1 is restated


def check_biggest_movers(rows: list[tuple]) -> None:
    cells = trend_cells()
    areas = sorted({(k[1], k[2]) for k in cells if k[0] == THURROCK and k[3] in
                    ("2018/19", "2019/20")})
    expected = []
    for directorate, area in areas:
        before, after = (cells.get((THURROCK, directorate, area, period, 1), ({}, ""))[0]
                         .get("received") for period in ("2018/19", "2019/20"))
        change = None if before is None or after is None else after - before
        expected.append((directorate, area, before, after, change))
    expected.sort(key=lambda r: (r[4] is None, -abs(r[4] or 0), r[1]))
    assert rows == expected


def check_restatements(rows: list[tuple]) -> None:
    planted = golden("complaints-2017-18")["planted_restatement"]
    assert [r[:4] for r in rows] == [(THURROCK, planted["service_area"], planted["period"],
                                      planted["stage"])]
    assert f"prints {planted['value_in_later_report']}" in rows[0][4]
    assert f"printed {planted['value_in_own_report']}" in rows[0][4]


def check_ingest_runs(rows: list[tuple]) -> None:
    assert [(r[2], r[3], r[4], r[5]) for r in rows] == sorted(
        (p.name, "loaded", t["council"], t["report_year"]) for p, t in zip(RAW_REPORTS, TRUTHS,
                                                                          strict=True))


def check_strategy_per_dashboard(rows: list[tuple]) -> None:
    """raw_reports/ prints every table with rules: each dashboard, in printed order, 'ruled'."""
    expected = [(p.name, "ruled", number, dashboard["service_area"], "ruled")
                for p, t in sorted(zip(RAW_REPORTS, TRUTHS, strict=True))
                for number, dashboard in enumerate(t["dashboards"], start=1)]
    assert rows == expected


def check_dashboards_per_strategy(rows: list[tuple]) -> None:
    assert rows == sorted((p.name, "ruled", len(t["dashboards"]))
                          for p, t in zip(RAW_REPORTS, TRUTHS, strict=True))


def check_ocr_verified_per_report(rows: list[tuple]) -> None:
    """raw_reports/ has text layers: no report read by OCR, no figure verified by it."""
    assert rows == sorted((p.name, "pdfplumber-tables", 0) for p in RAW_REPORTS)


def check_nothing_read_by_ocr(rows: list[tuple]) -> None:
    assert rows == []


# Each example, by a phrase only it contains, and what it must return.
EXAMPLE_CHECKS: dict[str, Callable[[list[tuple]], None]] = {
    "service_area = 'Repairs'": check_repairs_trend,
    "ORDER BY upheld_pct DESC": check_upheld_ranking,
    "'difference_arithmetic'": check_difference_slips,
    "Liberty Gas": check_contractor_commitments,
    "s.upheld_pct > 40": check_stage_2_commentary,
    "service_area = 'Missed Collections'": check_missed_collections_trend,
    "AS change": check_biggest_movers,
    "'restatement'": check_restatements,
    "FROM ingest_runs": check_ingest_runs,
    "r.table_strategies, s.section_no": check_strategy_per_dashboard,
    "count(*) AS dashboards": check_dashboards_per_strategy,
    "AS ocr_verified_figures": check_ocr_verified_per_report,
    "WHERE check_name = 'ocr_verified'": check_nothing_read_by_ocr,
    "LIKE 'OCR figure not confirmed%'": check_nothing_read_by_ocr,
}


@pytest.mark.parametrize("sql", SQL_EXAMPLES, ids=lambda s: s.splitlines()[0][:40])
def test_every_readme_sql_example_returns_what_the_reports_say(raw_reports_db, sql):
    [check] = [check for phrase, check in EXAMPLE_CHECKS.items() if phrase in sql]
    check(fetch(raw_reports_db, sql))


def test_there_are_sql_examples():
    assert len(SQL_EXAMPLES) == len(EXAMPLE_CHECKS)


def test_readme_lists_every_registered_check_and_no_other():
    """The README's table of checks is the registry (pipeline/checks.py), row for row."""
    from pipeline.checks import CHECKS

    section = README[README.index("## What the pipeline checks"):README.index("## Bad input")]
    listed = [line for line in section.splitlines() if line.startswith("| `")]
    assert listed == [f"| `{c.name}` | {c.severity} | {c.catches} |" for c in CHECKS.values()]
