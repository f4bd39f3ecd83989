"""The 2018/19 report's words: every Analysis cell and every service commitment, both producers,
compared with the hand-made truth text (whitespace and dash variants folded)."""

from __future__ import annotations

import difflib
import re

import pytest

from pipeline.config import ServiceArea
from pipeline.extract.stitch import StitchedTable
from pipeline.families.analysis import read_analysis
from pipeline.families.base import ReportContext, SectionScope
from pipeline.families.commitments import read_commitments
from pipeline.normalise import clean_text, stage_of
from tests.conftest import PRODUCERS, fetch, golden

TRUTH = golden("complaints-2018-19")
TEXT_FIELDS = ("key_themes", "service_response", "complaints_team_comment")
DASHES = re.compile(r"[\u2010-\u2015\u2212-]")


def folded(text: str | None) -> str:
    """Whitespace and dash variants folded; nothing else forgiven."""
    return re.sub(r"\s+", " ", DASHES.sub("-", text or "")).strip()


def _next_year(period: str) -> str:
    start = int(period[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}"


def expected_cells(truth: dict = TRUTH) -> dict[tuple, str | None]:
    """Every Analysis cell and commitment of a golden file, keyed like `loaded_cells`."""
    this_year, next_year = truth["report_year"], _next_year(truth["report_year"])
    cells: dict[tuple, str | None] = {}
    for d in truth["dashboards"]:
        area = d["service_area"]
        for row in d["analysis"]:
            for name in TEXT_FIELDS:
                cells[("commentary", area, row["stage"], name)] = row[name]
        for item in d["commitments_current"]:
            cells[("commitment", area, this_year, item["item_no"])] = item["commitment"]
            cells[("progress", area, this_year, item["item_no"])] = item["progress"]
        for item in d["commitments_next"]:
            cells[("commitment", area, next_year, item["item_no"])] = item["commitment"]
    return cells


def loaded_cells(db, file_name: str | None = None) -> dict[tuple, str | None]:
    """Commentary and commitments as loaded (of one file, if named)."""
    where = "TRUE" if file_name is None else f"file_name = '{file_name}'"
    this_year = {r[0] for r in fetch(db, f"SELECT report_year FROM reports WHERE {where}")}
    cells: dict[tuple, str | None] = {}
    for area, stage, *texts in fetch(db, "SELECT service_area, stage, key_themes, "
                                         "service_response, complaints_team_comment "
                                         f"FROM commentary JOIN reports USING (report_id) "
                                         f"WHERE {where}"):
        for name, text in zip(TEXT_FIELDS, texts, strict=True):
            cells[("commentary", area, stage, name)] = text
    for area, year, item, commitment, progress in fetch(
            db, "SELECT service_area, commitment_year, item_no, commitment, progress "
                f"FROM service_commitments JOIN reports USING (report_id) WHERE {where}"):
        cells[("commitment", area, year, item)] = commitment
        if year in this_year:
            cells[("progress", area, year, item)] = progress
    return cells


def assert_texts_match(loaded: dict, expected: dict, label: str) -> None:
    """Every cell equal after folding whitespace and dashes (no tolerance: a page-break join
    that kept half a cell must fail); every mismatch is printed."""
    assert set(loaded) == set(expected), "rows missing or extra: " + repr(
        sorted(set(loaded) ^ set(expected), key=str))
    mismatches = []
    for key, text in expected.items():
        if folded(loaded[key]) != folded(text):
            similarity = difflib.SequenceMatcher(None, folded(loaded[key]), folded(text)).ratio()
            mismatches.append(f"{key}: similarity {similarity:.3f}\n  got:  {loaded[key]!r}\n"
                              f"  want: {text!r}")
    share = 1 - len(mismatches) / len(expected)
    print(f"{label}: {len(expected) - len(mismatches)}/{len(expected)} cells exact "
          f"({share:.1%})", *mismatches, sep="\n")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("producer", PRODUCERS)
def test_commentary_and_commitments_match_the_truth(sample_2018_19_db, producer):
    assert_texts_match(loaded_cells(sample_2018_19_db[producer]), expected_cells(), producer)


@pytest.mark.parametrize("producer", PRODUCERS)
def test_commentary_rows_keep_their_pages(sample_2018_19_db, producer):
    rows = fetch(sample_2018_19_db[producer], "SELECT service_area, stage, page FROM commentary "
                                               "ORDER BY page")
    assert len(rows) == sum(len(d["analysis"]) for d in TRUTH["dashboards"])
    assert all(page >= 2 for *_, page in rows)


@pytest.mark.parametrize("producer", PRODUCERS)
def test_awaiting_update_is_kept_as_progress(sample_2018_19_db, producer):
    rows = fetch(sample_2018_19_db[producer],
                 "SELECT item_no, progress FROM service_commitments WHERE service_area = "
                 "'Housing Solutions' AND commitment_year = '2018/19' ORDER BY item_no")
    assert rows == [(1, "Awaiting update from the service"),
                    (2, "Awaiting update from the service"),
                    (3, "Awaiting update from the service")]


@pytest.mark.parametrize("producer", PRODUCERS)
def test_numbered_rows_without_text_are_not_commitments(sample_2018_19_db, producer):
    rows = fetch(sample_2018_19_db[producer],
                 "SELECT service_area, item_no, commitment FROM service_commitments WHERE "
                 "commitment_year = '2019/20' AND service_area IN ('Housing Solutions', "
                 "'Non Return of Bins') ORDER BY service_area")
    assert rows == [("Housing Solutions", 1, "Awaiting update from the service"),
                    ("Non Return of Bins", 1, "Commitments are the same for missed collections "
                                              "above")]


def test_contractor_query_from_the_readme(sample_2018_19_db):
    rows = fetch(sample_2018_19_db["word"], """
        SELECT directorate, service_area, commitment_year, item_no, commitment, progress
        FROM service_commitments
        WHERE regexp_matches(commitment, '(?i)contractor|Mears|Liberty Gas|Aaron|Oakray')
        ORDER BY commitment_year, directorate, service_area, item_no""")
    found = {(r[1], r[2], r[3]) for r in rows}
    assert ("Repairs", "2018/19", 4) in found  # Liberty Gas
    assert ("Repairs", "2019/20", 4) in found  # Oakray (door entry contractor)
    assert ("Transforming Homes", "2018/19", 2) in found  # monitoring of contractors


def test_clean_text_rejoins_lines_and_repairs_line_break_hyphens():
    assert clean_text("The suggested Bartec system for logging contaminated or non-\n"
                      "presented bins") == ("The suggested Bartec system for logging "
                                            "contaminated or non-presented bins")
    assert clean_text("contaminated or non- presented bins") == \
        "contaminated or non-presented bins"
    assert clean_text("Mears -\nFollow on Works") == "Mears - Follow on Works"
    assert clean_text("\uf0b7 Provide suggested progress going forward or\n\uf0b7 Provide a "
                      "summary") == "Provide suggested progress going forward or Provide a summary"
    assert clean_text("   \n ") is None


def test_stage_is_read_from_the_words():
    assert stage_of("44% of Stage 2's were upheld") == 2
    assert stage_of("50% of Stage two complaints were upheld") == 2
    assert stage_of("Overall volumes have dropped") is None


def _read(reader, table: StitchedTable, area: bool = True) -> ReportContext:
    """One table read as part of a dashboard attributed to Repairs (unless told not to)."""
    context = ReportContext("2018/19")
    scope = SectionScope(1, 4, ServiceArea("Housing", "Repairs") if area else None, [table])
    reader(context, table, scope)
    return context


def test_commentary_row_without_a_stage_is_quarantined_not_dropped():
    analysis = StitchedTable("analysis", [
        ("Analysis – key themes / concerns", "Comments to explain:", "Additional commentary"),
        ("44% of Stage 1 complaints were upheld", "Plans are monitored.", "Keep watching."),
        ("Volumes fell overall", "Staff retrained.", None),
    ], [4, 4, 4])
    context = _read(read_analysis, analysis)
    assert [(c.stage, c.key_themes) for c in context.records["commentary"]] == [
        (1, "44% of Stage 1 complaints were upheld")]
    [kept] = context.findings.quarantine
    assert (kept.table_name, kept.raw_text, kept.page) == (
        "commentary", "Volumes fell overall | Staff retrained.", 4)
    assert kept.reason == "stage could not be determined from the row's text"


def test_analysis_row_cut_by_a_page_break_is_joined_whole():
    """The rest of a row at the top of the next page (no header repeated) belongs to it."""
    analysis = StitchedTable("analysis", [
        ("Analysis – key themes / concerns", "Comments to explain:", "Additional commentary"),
        ("44% of Stage 1 complaints were upheld (based on", "Learning action plans are",
         "Continued monitoring"),
        ("218 received) These relate to delays.", "produced monthly.", "is required."),
        ("Stage 2 Complaints met the expected KPI", "Positive.", "Good."),
    ], [4, 4, 5, 5], part_starts={2})
    context = _read(read_analysis, analysis)
    assert [(c.stage, c.key_themes, c.service_response, c.complaints_team_comment, c.page)
            for c in context.records["commentary"]] == [
        (1, "44% of Stage 1 complaints were upheld (based on 218 received) These relate to "
            "delays.", "Learning action plans are produced monthly.",
         "Continued monitoring is required.", 4),
        (2, "Stage 2 Complaints met the expected KPI", "Positive.", "Good.", 5)]


def test_commitment_without_a_number_is_quarantined_and_continuations_join():
    commitments = StitchedTable("commitments", [
        ("", "Service commitments submitted by the service for the year 2018/2019",
         "Progress summary provided by the service"),
        ("", "An orphan commitment with no number", "Done"),
        ("1", "Monitor the contractor.", "Ongoing."),
        ("", "Monthly meetings.", "Meetings held."),
        ("2", "", ""),
    ], [5, 5, 5, 6, 6])
    context = _read(read_commitments, commitments)
    assert [(c.commitment_year, c.item_no, c.commitment, c.progress, c.page)
            for c in context.records["service_commitments"]] == [
        ("2018/19", 1, "Monitor the contractor. Monthly meetings.", "Ongoing. Meetings held.", 5)]
    [kept] = context.findings.quarantine
    assert (kept.field, kept.raw_text, kept.reason, kept.page) == (
        "item_no", "An orphan commitment with no number | Done",
        "commitment without an item number", 5)


def _unnumbered_commitments(continuation: tuple[str, str]) -> StitchedTable:
    """Three commitments printed without numbers, the second cut by the page foot; nothing
    shows where page 5's text area ends (so no room is known)."""
    return StitchedTable("commitments", [
        ("Service commitments submitted by the service for the year 2018/2019",
         "Progress summary provided by the service"),
        ("Resident Engagement – re-launched resident groups.", "Groups are running."),
        ("Tenants Excellence Panel – a panel that", "New residents"),
        continuation,
        ("Focus on Fire Safety.", "Awaiting update from the service"),
    ], [5, 5, 5, 6, 6], part_starts={3})


def test_commitments_printed_without_numbers_are_kept_in_printed_order():
    """The row opening page 6 goes on in lower case from a sentence left open: the rest of
    item 2."""
    context = _read(read_commitments,
                    _unnumbered_commitments(("represents all tenants.", "have joined.")))
    assert [(c.item_no, c.item_no_inferred, c.commitment, c.progress, c.page)
            for c in context.records["service_commitments"]] == [
        (1, True, "Resident Engagement – re-launched resident groups.", "Groups are running.",
         5),
        (2, True, "Tenants Excellence Panel – a panel that represents all tenants.",
         "New residents have joined.", 5),
        (3, True, "Focus on Fire Safety.", "Awaiting update from the service", 6)]
    assert context.findings.quarantine == []


def test_unnumbered_commitments_the_page_cannot_tell_apart_are_quarantined():
    """The row opening page 6 reads as a new item (capitalised), but the page does not show
    that the part above stopped short of its foot: it may be the rest of item 2, so item 2 and
    everything after it are kept in quarantine, never guessed."""
    context = _read(read_commitments,
                    _unnumbered_commitments(("Represents all tenants.", "Have joined.")))
    assert [(c.item_no, c.commitment) for c in context.records["service_commitments"]] == [
        (1, "Resident Engagement – re-launched resident groups.")]
    assert [(q.raw_text, q.page) for q in context.findings.quarantine] == [
        ("Tenants Excellence Panel – a panel that | New residents", 5),
        ("Represents all tenants. | Have joined.", 6),
        ("Focus on Fire Safety. | Awaiting update from the service", 6)]


def test_texts_of_an_unattributed_dashboard_are_quarantined():
    analysis = StitchedTable("analysis", [
        ("Analysis – key themes / concerns", "Comments to explain:", "Additional commentary"),
        ("20% of Stage 1 complaints were upheld", "Retrained.", "Fine."),
    ], [7, 7])
    context = _read(read_analysis, analysis, area=False)
    assert "commentary" not in context.records
    assert [q.reason for q in context.findings.quarantine] == [
        "service area of this dashboard could not be determined"]
