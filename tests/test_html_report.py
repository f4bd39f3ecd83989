"""`complaints report`: the HTML page of the three sample years, opened in a real headless
Chromium offline, and its embedded numbers checked against the hand-made truth and the
warehouse."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.run import ingest
from tests.conftest import PDFS, expected_outcomes, fetch, golden, golden_by_stage

YEARS = ("2017-18", "2018-19", "2019-20")
TRUTH = {year: golden(f"complaints-{year}") for year in YEARS}
runner = CliRunner()
# Flags the brief asks for: no sandbox (root in CI), no GPU, and nothing that phones home.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync",
                  "--disable-quic"]


@pytest.fixture(scope="module")
def three_years(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("report") / "w.duckdb"
    # One producer per year keeps the ingest short; both print the same figures.
    summary = ingest([PDFS / f"complaints-{y}-word.pdf" for y in YEARS], db, workers=2)
    assert not summary.failed, summary.failed
    return db


@pytest.fixture(scope="module")
def report_file(three_years, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = runner.invoke(app, ["report", "--out", str(out), "--db", str(three_years)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote {out} (")
    return out


def embedded(report_file: Path, element_id: str) -> dict:
    html = report_file.read_text(encoding="utf-8")
    [payload] = re.findall(rf'<script type="application/json" id="{element_id}">(.*?)</script>',
                           html, re.S)
    return json.loads(payload.replace("<\\/", "</"))


def truth_series() -> dict[tuple, dict]:
    """{(directorate, area, period, stage): measures} as complaint_trends should hold it: a
    period's figures from its own year's report, else from the report that reprints it."""
    series: dict[tuple, dict] = {}
    for year in YEARS:
        for key, measures in expected_outcomes(TRUTH[year], "stage_outcomes").items():
            if key[2] == TRUTH[year]["report_year"] or key not in series:
                series[key] = {**measures, "source_year": TRUTH[year]["report_year"]}
    return series


def test_every_trend_figure_in_the_page_is_the_truth_with_its_report_and_page(
        report_file, three_years):
    cells = embedded(report_file, "report-data")["cells"]
    truth = truth_series()
    pages = {row[:-1]: row[-1] for row in fetch(three_years, """
        SELECT r.file_name, s.directorate, s.service_area, s.period, s.stage, s.page
        FROM stage_outcomes s JOIN reports r USING (report_id)""")}
    assert len(cells) == len(truth) == 126  # 2016/17-2017/18: 10 areas, then 11; x 3 stages
    for cell in cells:
        key = (cell["directorate"], cell["service_area"], cell["period"], cell["stage"])
        expected = truth[key]
        assert [cell["received"], cell["upheld_pct"], cell["escalated"]] == [
            expected["received"], expected["upheld_pct"], expected["escalated"]], key
        source = cell["source"]
        assert source["report_year"] == expected["source_year"], key
        # The page it cites is the page the warehouse holds for that report's printing.
        assert pages[(source["file_name"], *key)] == source["page"], key


def test_only_the_planted_restatement_is_marked_with_both_values(report_file):
    planted = TRUTH["2017-18"]["planted_restatement"]
    cells = embedded(report_file, "report-data")["cells"]
    restated = [c for c in cells if c["restated"]]
    assert [(c["directorate"], c["service_area"], c["period"], c["stage"]) for c in restated] \
        == [(planted["directorate"], planted["service_area"], planted["period"],
             planted["stage"])]
    printed = {(p["source"]["report_year"], p[planted["measure"]])
               for p in restated[0]["printings"]}
    assert printed == {("2017/18", planted["value_in_own_report"]),
                       ("2018/19", planted["value_in_later_report"])}


def test_overview_totals_add_up_the_truth(report_file):
    totals = embedded(report_file, "report-data")["stage_totals"]
    truth = truth_series()
    for total in totals:
        rows = [m for (_, _, period, stage), m in truth.items()
                if (period, stage) == (total["period"], total["stage"])]
        assert total["received"] == sum(m["received"] for m in rows)
        # Upheld rate = upheld complaints / received, over the areas that print both (the
        # truth has N/A rates); rounded to 1 dp as the page shows it.
        rated = [m for m in rows if m["upheld_pct"] is not None]
        upheld = sum(m["received"] * m["upheld_pct"] / 100 for m in rated)
        assert total["upheld_pct"] == round(100 * upheld / sum(m["received"] for m in rated), 1)
        assert total["areas"] == len(rows)
    assert len(totals) == 4 * 3


def test_top_ten_is_the_latest_reports_table_against_the_year_before(report_file):
    truth = TRUTH["2019-20"]
    rows = embedded(report_file, "report-data")["top_ten"]
    shown = {(r["rank"], r["service_area"], r["period"], r["stage"]): r["received"]
             for r in rows}
    expected = {}
    for entry in truth["top_ten"]:
        for period, values in ((truth["report_year"], entry["current"]),
                               (truth["prior_year"], entry["prior"])):
            for stage, measures in golden_by_stage(truth["figure_columns"], values).items():
                expected[(entry["rank"], entry["service_area"], period, stage)] = \
                    measures["received"]
    assert shown == expected
    assert {r["source"]["report_year"] for r in rows} == {"2019/20"}


def test_every_finding_and_quarantine_count_is_the_warehouses(report_file, three_years):
    data = embedded(report_file, "report-data")
    shown = sorted((f["severity"], f["check_name"], f["directorate"], f["service_area"],
                    f["period"], f["stage"], f["detail"], f["source"]["file_name"],
                    f["source"]["page"]) for f in data["findings"])
    assert shown == sorted(fetch(three_years, """
        SELECT severity, check_name, directorate, service_area, period, stage, detail,
               file_name, page FROM data_quality_issues JOIN reports USING (report_id)"""))
    # The hand-made truth's planted slips and restatement are among them.
    slips = [(f[3], f[5]) for f in shown if f[1] == "difference_arithmetic"]
    assert sorted(slips) == sorted((slip["service_area"], int(slip["column"][1]))
                                   for y in YEARS for slip in TRUTH[y]["expected_difference_slips"])
    assert [f[1:4] for f in shown if f[1] == "restatement"] == [
        ("restatement", "Housing", "Repairs")]
    assert {(r["file_name"], r["quarantined"]) for r in data["reports"]} == set(fetch(
        three_years, "SELECT file_name, (SELECT count(*) FROM quarantine q WHERE q.report_id "
                     "= r.report_id) FROM reports r"))


def test_every_figure_in_the_tables_names_its_report_and_page(report_file):
    html = report_file.read_text(encoding="utf-8")
    cells = re.findall(r'<td class="num[^"]*" title="([^"]*)">', html)
    assert len(cells) > 11 * 3 * 3
    assert all(re.search(r"\.pdf \(\d{4}/\d\d report(, p\. \d+)?\)", t) for t in cells)


def test_area_filter_and_errors(three_years, tmp_path, monkeypatch):
    out = tmp_path / "two.html"
    result = runner.invoke(app, ["report", "--out", str(out), "--db", str(three_years),
                                 "--area", "Missed Bin Collections", "--area", "Repairs"])
    assert result.exit_code == 0, result.output
    assert {c["service_area"] for c in embedded(out, "report-data")["cells"]} == {
        "Missed Collections", "Repairs"}
    unknown = runner.invoke(app, ["report", "--out", str(out), "--db", str(three_years),
                                  "--area", "Parking"])
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("Error: no figures for service area(s) 'Parking'; see")
    monkeypatch.setitem(sys.modules, "plotly.offline", None)  # as if the extra is missing
    missing = runner.invoke(app, ["report", "--out", str(out), "--db", str(three_years)])
    assert missing.exit_code == 1
    assert missing.stderr == ("Error: the HTML report needs Plotly, which is not installed. "
                              "Install the report extra: pip install -e '.[report]'\n")


def chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is needed for the browser test: "
                    "apt-get install -y chromium (.ci/run installs it)")
    return path


# Marks Plotly draws: points and lines of scatter traces, bars of bar traces.
MARKS = ".scatterlayer path.point, .scatterlayer path.js-line, .barlayer path"


def test_the_page_renders_every_chart_offline_in_headless_chromium(report_file, tmp_path):
    from playwright.sync_api import sync_playwright

    truth = truth_series()
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=chromium(), headless=True,
            args=CHROMIUM_FLAGS, offline=True, viewport={"width": 1200, "height": 900})
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report_file.as_uri())
            page.wait_for_selector("body[data-charts]", timeout=30_000)
            assert page.evaluate("document.body.dataset.charts") == "ready"
            panels = page.evaluate(f"""() => Array.from(document.querySelectorAll(
                'section.panel')).map(panel => [panel.id, Array.from(
                panel.querySelectorAll('.chart')).map(chart =>
                chart.querySelectorAll('svg.main-svg').length > 0
                    ? chart.querySelectorAll('{MARKS}').length : -1)])""")
            # The Repairs chart draws the true stage 1 series (2016/17 .. 2019/20).
            repairs = page.evaluate("""() => document.querySelector(
                '#area-housing-repairs .chart').data.filter(t => t.name === 'Stage 1'
                && t.xaxis === 'x').map(t => [t.x, t.y])""")
            # Hovering the ringed (restated) Repairs point shows both printed values.
            restated_hover = page.evaluate("""() => {
                const chart = document.querySelector('#area-housing-repairs .chart');
                const ring = chart.data.findIndex(t => t.legendgroup === 'restated');
                Plotly.Fx.hover(chart, [{curveNumber: ring, pointNumber: 0}], 'xy');
                return Array.from(chart.querySelectorAll('.hoverlayer .hovertext tspan.line'))
                    .map(line => line.textContent);
            }""")
            page.screenshot(path=tmp_path / "report.png")
            if os.environ.get("REPORT_SCREENSHOT"):  # how docs/report*.png are made
                shot = Path(os.environ["REPORT_SCREENSHOT"])
                page.screenshot(path=shot)
                page.locator("#area-housing-repairs").screenshot(
                    path=shot.with_stem(shot.stem + "-area"))
        finally:
            browser.close()
    assert problems == []
    assert requests == [report_file.as_uri()]
    ids = [panel_id for panel_id, _ in panels]
    assert ids[0] == "overview" and ids[-1] == "data-quality" and len(ids) == 1 + 11 + 1
    for panel_id, marks in panels:
        assert marks and all(count > 0 for count in marks), (panel_id, marks)
    periods = ["2016/17", "2017/18", "2018/19", "2019/20"]
    assert repairs == [[periods, [truth[("Housing", "Repairs", p, 1)]["received"]
                                  for p in periods]]]
    planted = TRUTH["2017-18"]["planted_restatement"]
    assert restated_hover == [
        "Repairs S1 2017/18: 184",
        "source: complaints-2017-18-word.pdf (2017/18 report, p. 4)",
        "restated, as each report printed it:",
        f"{planted['value_in_own_report']} in complaints-2017-18-word.pdf (2017/18 report, p. 4)",
        f"{planted['value_in_later_report']} in complaints-2018-19-word.pdf "
        "(2018/19 report, p. 2)"]
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_council_per_report(three_years, tmp_path):
    db = tmp_path / "two-councils.duckdb"
    shutil.copy(three_years, db)
    with duckdb.connect(str(db)) as con:  # as if 2019/20 came from another council
        con.execute("UPDATE reports SET council = CASE WHEN report_year = '2019/20' "
                    "THEN 'Eastmoor Council' ELSE 'Thurrock Council' END")
    out = tmp_path / "one.html"
    both = runner.invoke(app, ["report", "--out", str(out), "--db", str(db)])
    assert both.exit_code == 2
    assert both.stderr == ("Error: the warehouse holds reports of 2 councils (Eastmoor Council, "
                           "Thurrock Council); choose one with --council\n")
    one = runner.invoke(app, ["report", "--out", str(out), "--db", str(db),
                              "--council", "thurrock"])
    assert one.exit_code == 0, one.output
    data = embedded(out, "report-data")
    assert data["council"] == "Thurrock Council"
    assert sorted({c["period"] for c in data["cells"]}) == ["2016/17", "2017/18", "2018/19"]
    assert {r["report_year"] for r in data["reports"]} == {"2017/18", "2018/19"}
    unknown = runner.invoke(app, ["report", "--out", str(out), "--db", str(db),
                                  "--council", "Westmoor"])
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("Error: no reports of council 'Westmoor' in the warehouse "
                                     "(it holds 'Eastmoor Council', 'Thurrock Council')")


def test_another_councils_reports_change_nothing_in_this_councils_page(report_file, three_years,
                                                                       tmp_path):
    """Eastmoor prints the same areas (and figures) for 2018/19 as Thurrock: a trend cell is
    only ever matched with its own council's printing of it."""
    db = tmp_path / "two-councils.duckdb"
    shutil.copy(three_years, db)
    summary = ingest([PDFS / "eastmoor-2018-19-reportlab.pdf"], db, workers=1)
    assert not summary.failed, summary.failed
    assert fetch(db, "SELECT DISTINCT council FROM stage_outcomes ORDER BY 1") == [
        ("Eastmoor Borough Council",), ("Thurrock Council",)]
    out = tmp_path / "thurrock.html"
    result = runner.invoke(app, ["report", "--out", str(out), "--db", str(db),
                                 "--council", "thurrock"])
    assert result.exit_code == 0, result.output
    alone, among_two = (embedded(f, "report-data") for f in (report_file, out))
    assert among_two["cells"] == alone["cells"]
    assert among_two["top_ten"] == alone["top_ten"]
