"""Report shapes the samples do not print, built from blocks (no PDF): a new service area, a
two-stage complaints process, a reorganised directorate, a dashboard placed by elimination."""

from __future__ import annotations

from pipeline.extract.document import DocumentBlocks, TableBlock, TextLine
from pipeline.report import read_report

THREE_STAGE = ("S1 rec'd", "% upheld", "S1 escalated", "S2 rec'd", "% upheld",
               "% of S2 upheld, that were not upheld at S1", "S2 escalated", "S3 rec'd",
               "% upheld", "% of S3 upheld, that were not upheld at S2")
TWO_STAGE = ("Stage 1 received", "Stage 1 % upheld", "Stage 1 escalated", "Stage 2 received",
             "Stage 2 % upheld", "% of S2 upheld, that were not upheld at S1",
             "Escalated beyond Stage 2 (referred to the Ombudsman)")


def _table(page: int, top: float, rows) -> TableBlock:
    return TableBlock(page, top, top + 20 * len(rows), tuple(tuple(r) for r in rows))


def _comparative(page, this_year, last_year, header=THREE_STAGE):
    return _table(page, 200, [("Comparative Data: 2020-2021 vs 2019-2020", *header),
                              ("2020-2021", *this_year), ("2019-2020", *last_year)])


def _top_ten_row(name, this_year, last_year):
    return (name, *(f"{a}\n({b})" for a, b in zip(this_year, last_year, strict=True)))


REPAIRS = (["218", "44%", "23", "36", "33%", "6%", "4", "4", "0%", "0%"],
           ["186", "38%", "17", "48", "43%", "24%", "8", "8", "25%", "50%"])
NEW_AREA = (["31", "26%", "7", "7", "29%", "0%", "1", "1", "0%", "0%"],
            ["N/A", "N/A", "N/A", "N/A", "N/A", "N/A", "N/A", "N/A", "N/A", "N/A"])


def _report(*blocks) -> DocumentBlocks:
    return DocumentBlocks("shape.pdf", 3, [TextLine(1, 40, "2020/21 ANNUAL COMPLAINTS REPORT"),
                                           *blocks], page_heights={1: 595.0, 2: 595.0,
                                                                   3: 595.0})


def _stage_outcomes(content) -> dict:
    return {(r.directorate, r.service_area, r.period, r.stage): r
            for r in content.records.get("stage_outcomes", [])}


def test_a_new_area_in_the_top_ten_and_as_a_heading_is_loaded_with_a_warning():
    content = read_report(_report(
        _table(1, 100, [("Directorate & Area", *THREE_STAGE),
                        _top_ten_row("Housing – Repairs", *REPAIRS),
                        _top_ten_row("Adults – Carers Support", *NEW_AREA)]),
        TextLine(2, 40, "Housing – Complaint Dashboard 2020/21"),
        _comparative(2, *REPAIRS),
        TextLine(3, 40, "Adults – Complaint Dashboard 2020/21"),
        TextLine(3, 60, "Carers Support"),
        _comparative(3, *NEW_AREA)))
    outcomes = _stage_outcomes(content)
    assert outcomes[("Adults", "Carers Support", "2020/21", 1)].received == 31
    assert outcomes[("Adults", "Carers Support", "2019/20", 1)].received is None
    assert content.quarantine == []
    [finding] = [i for i in content.issues if i.check_name == "new_service_area"]
    assert (finding.severity, finding.directorate, finding.service_area) == (
        "warning", "Adults", "Carers Support")
    assert "add the name to that area's `aliases`" in finding.detail


def test_a_name_only_the_top_ten_prints_stays_quarantined():
    content = read_report(_report(
        _table(1, 100, [("Directorate & Area", *THREE_STAGE),
                        _top_ten_row("Housing – Repairs", *REPAIRS),
                        _top_ten_row("Adults – Carers Support", *NEW_AREA)]),
        TextLine(2, 40, "Housing – Complaint Dashboard 2020/21"),
        _comparative(2, *REPAIRS)))
    assert not any(i.check_name == "new_service_area" for i in content.issues)
    assert {q.reason for q in content.quarantine} == {
        "unknown service area 'Adults – Carers Support' in the Top Ten table (add it to "
        "schemas/areas.toml)"}


def test_a_two_stage_report_has_no_stage_three_rows():
    this_year = ["120", "40%", "12", "12", "50%", "8%", "3"]
    last_year = ["150", "35%", "20", "20", "45%", "10%", "5"]
    content = read_report(_report(
        TextLine(2, 40, "Housing – Complaint Dashboard 2020/21"), TextLine(2, 60, "Repairs"),
        _comparative(2, this_year, last_year, TWO_STAGE)))
    outcomes = _stage_outcomes(content)
    assert sorted({key[3] for key in outcomes}) == [1, 2]
    stage_2 = outcomes[("Housing", "Repairs", "2020/21", 2)]
    assert (stage_2.received, stage_2.upheld_pct, stage_2.upheld_not_upheld_prev_pct,
            stage_2.escalated) == (12, 50.0, 8.0, 3)
    assert content.quarantine == []


def test_a_reorganised_area_keeps_its_catalogue_directorate_and_says_so():
    content = read_report(_report(
        TextLine(2, 40, "Place – Complaint Dashboard 2020/21"), TextLine(2, 60, "Council Tax"),
        _comparative(2, *REPAIRS)))
    [section] = content.records["report_sections"]
    assert (section.directorate, section.service_area, section.printed_directorate,
            section.attribution) == ("Finance", "Council Tax", "Place", "heading")
    assert set(_stage_outcomes(content)) >= {("Finance", "Council Tax", "2020/21", 1)}
    [finding] = [i for i in content.issues if i.check_name == "directorate_differs_from_catalogue"]
    assert "under Place" in finding.detail and "under Finance" in finding.detail


def test_the_one_unplaced_dashboard_takes_the_one_unclaimed_area_when_figures_cannot_compare():
    unreadable = ["N/A"] * 10
    content = read_report(_report(
        _table(1, 100, [("Directorate & Area", *THREE_STAGE),
                        _top_ten_row("Housing – Repairs", *REPAIRS),
                        ("Housing – Estates Services", *(["?"] * 10))]),
        TextLine(2, 40, "Housing – Complaint Dashboard 2020/21"),
        _comparative(2, *REPAIRS),
        _comparative(3, unreadable, unreadable)))
    placed = {s.section_no: (s.service_area, s.attribution)
              for s in content.records["report_sections"]}
    assert placed == {1: ("Repairs", "figures"), 2: ("Estates Services", "elimination")}


def test_an_area_the_top_ten_names_without_its_dashboard_makes_the_report_incomplete():
    """Issue 11: a report that does not account for an area its own Top Ten names is an
    error finding (so `ingest --strict` and `check --strict` stop it), not a warning."""
    content = read_report(_report(
        _table(1, 100, [("Directorate & Area", *THREE_STAGE),
                        _top_ten_row("Housing – Repairs", *REPAIRS),
                        _top_ten_row("Finance – Council Tax", *NEW_AREA)]),
        TextLine(2, 40, "Housing – Complaint Dashboard 2020/21"),
        _comparative(2, *REPAIRS)))
    [missing] = [i for i in content.issues if i.check_name == "top_ten_area_without_dashboard"]
    assert (missing.severity, missing.service_area) == ("error", "Council Tax")


def test_a_dashboard_without_its_figures_makes_the_report_incomplete():
    analysis = _table(3, 100, [("Analysis – key themes / concerns", "Comments to explain:",
                                "Additional commentary from the Complaints Team"),
                               ("Stage 1: 40% were upheld", "Retrained.", "Fine.")])
    content = read_report(_report(
        TextLine(2, 40, "Housing – Complaint Dashboard 2020/21"), TextLine(2, 60, "Repairs"),
        _comparative(2, *REPAIRS),
        TextLine(3, 40, "• Complaints for this area cover the caretaking teams."), analysis))
    [incomplete] = [i for i in content.issues if i.check_name == "dashboard_without_figures"]
    assert (incomplete.severity, incomplete.page) == ("error", 3)
    assert [(q.table_name, q.reason) for q in content.quarantine] == [
        ("commentary", "service area of this dashboard could not be determined")]


ANALYSIS_HEADER = ("Key themes / concerns", "Service response", "Comment from the Complaints Team")


def test_an_analysis_row_cut_by_the_page_break_is_joined_even_where_it_names_a_stage():
    """The continuation's first column mentions Stage 1, but the columns beside it carry on the
    sentences the page break cut ("these" / "are discussed"): one Stage 2 row, not a Stage 1."""
    first = TableBlock(2, 300, 560, (
        ANALYSIS_HEADER,
        ("41% of Stage 1 complaints upheld (22 received).", "Each upheld case was reviewed.",
         "Volumes fell."),
        ("29% of Stage 2's were upheld (14 received).", "Where complaints are upheld, these",
         "Whilst Stage 2's rose, the number")), 40, 800, (40.0, 300.0, 560.0))
    rest = TableBlock(3, 60, 120, (
        ANALYSIS_HEADER,
        ("The majority were escalated after the initial stage 1 was not upheld.",
         "are discussed with the contractor.", "of upheld complaints has dropped.")),
        40, 800, (40.0, 300.0, 560.0))
    content = read_report(_report(
        TextLine(2, 40, "Housing – Complaint Dashboard 2018/19"), TextLine(2, 60, "Repairs"),
        _comparative(2, *REPAIRS), first, rest))
    rows = {(r.stage, r.page): r for r in content.records["commentary"]}
    assert sorted(rows) == [(1, 2), (2, 2)]
    stage_2 = rows[(2, 2)]
    assert stage_2.key_themes == ("29% of Stage 2's were upheld (14 received). The majority "
                                  "were escalated after the initial stage 1 was not upheld.")
    assert stage_2.service_response == ("Where complaints are upheld, these are discussed with "
                                        "the contractor.")
    assert stage_2.complaints_team_comment == ("Whilst Stage 2's rose, the number of upheld "
                                               "complaints has dropped.")
