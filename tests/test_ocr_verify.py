"""Verification of OCR'd figures by the report's own arithmetic, on plain values (no OCR).

Readings are built from the hand-made truth of the 2018/19 report (a perfect reading), then
given the misreads a scanner and Tesseract really make ('9' as '6', a lost minus sign, a digit
dropped). What is loaded must be the truth or NULL: never a misread.
"""

from __future__ import annotations

from types import SimpleNamespace

from pipeline.ocr_verdicts import apply_verdicts
from pipeline.validate import Findings
from pipeline.verify_ocr import verify_figures
from schemas.records import Commentary, PrintedDifference, StageOutcome, TopTenEntry
from tests.conftest import GOLDEN_COLUMNS, golden, golden_by_stage

TRUTH = golden("complaints-2018-19")
YEAR, PRIOR = TRUTH["report_year"], TRUTH["prior_year"]
COLUMNS = TRUTH["figure_columns"]
MEASURES = ("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct")
NAMES = ("first", "second", "third")


def perfect_reading() -> dict[str, list]:
    """Records exactly as the truth prints them (the Top Ten on page 1, dashboards after)."""
    records: dict[str, list] = {"stage_outcomes": [], "top_ten": [], "printed_differences": [],
                                "commentary": []}
    for entry in TRUTH["top_ten"]:
        for period, values in ((YEAR, entry["current"]), (PRIOR, entry["prior"])):
            for stage, measures in golden_by_stage(COLUMNS, values).items():
                records["top_ten"].append(TopTenEntry(
                    period=period, directorate=entry["directorate"],
                    service_area=entry["service_area"], stage=stage, page=1,
                    rank=entry["rank"], printed_name=" ".join(entry["printed_name"]),
                    **measures))
    for page, dashboard in enumerate(TRUTH["dashboards"], start=2):
        where = dict(directorate=dashboard["directorate"],
                     service_area=dashboard["service_area"], page=page)
        figures = dashboard["comparative"]
        for period, values in ((YEAR, figures["current"]), (PRIOR, figures["prior"])):
            for stage, measures in golden_by_stage(COLUMNS, values).items():
                records["stage_outcomes"].append(StageOutcome(period=period, stage=stage,
                                                              **where, **measures))
        for column, value in zip(COLUMNS, figures["difference"], strict=True):
            stage, measure = GOLDEN_COLUMNS[column]
            records["printed_differences"].append(PrintedDifference(
                stage=stage, measure=measure, printed_value=value, raw_text=str(value),
                **where))
    return records


def misread(records: dict[str, list], table: str, area: str, period: str | None, stage: int,
            measure: str, value: float) -> dict[str, list]:
    """A copy of `records` with one figure read as `value`."""
    changed = {name: list(rows) for name, rows in records.items()}
    field = "printed_value" if table == "printed_differences" else measure
    for i, row in enumerate(changed[table]):
        if (row.service_area == area and row.stage == stage
                and getattr(row, "period", None) == period
                and (table != "printed_differences" or row.measure == measure)):
            changed[table][i] = row.model_copy(update={field: value})
    return changed


def verify(*readings: dict[str, list], ocr_pages: set[int] | None = None):
    contents = [SimpleNamespace(records=r, findings=Findings()) for r in readings]
    verdicts = verify_figures(readings, YEAR)
    return apply_verdicts(contents, verdicts, YEAR, NAMES[:len(readings)], None, ocr_pages)


def loaded(result, table: str, area: str, period: str, stage: int, measure: str):
    return [getattr(r, measure) for r in result.records[table]
            if r.service_area == area and r.period == period and r.stage == stage]


def truth_of(table: str, area: str, period: str, stage: int, measure: str):
    for entry in TRUTH["top_ten"] if table == "top_ten" else TRUTH["dashboards"]:
        if entry["service_area"] == area:
            figures = entry if table == "top_ten" else entry["comparative"]
            values = figures["current"] if period == YEAR else figures["prior"]
            return golden_by_stage(COLUMNS, values)[stage][measure]
    raise KeyError(area)


def every_figure(result) -> list[tuple]:
    return [(table, r.service_area, r.period, r.stage, m, getattr(r, m))
            for table in ("stage_outcomes", "top_ten") for r in result.records[table]
            for m in MEASURES]


def test_a_perfect_reading_loads_every_figure_verified():
    result = verify(perfect_reading(), perfect_reading())
    figures = every_figure(result)
    assert len(figures) == 2 * 10 * 2 * 3 * 4  # two tables, 10 areas, 2 years, 3 stages
    for table, area, period, stage, measure, value in figures:
        assert value == truth_of(table, area, period, stage, measure)
    verified = [i for i in result.issues if i.check_name == "ocr_verified"]
    # Every printed figure (N/A cells aside), and every printed Difference but the report's
    # own three slips (94 of the 100 Difference cells print a figure).
    printed = sum(v is not None for *_, v in figures)
    differences = sum(v is not None for d in TRUTH["dashboards"]
                      for v in d["comparative"]["difference"])
    assert (printed, differences, len(TRUTH["expected_difference_slips"])) == (400, 94, 3)
    assert len(verified) == printed + differences - 3
    assert not [i for i in result.issues if i.check_name == "top_ten_matches_comparative"]


def test_the_reports_own_difference_slips_are_quarantined_not_loaded():
    slips = {(s["service_area"], GOLDEN_COLUMNS[s["column"]]) for s in
             TRUTH["expected_difference_slips"]}
    # One reading: a group whose Difference fails holds its figures back for another reading
    # (the Top Ten and the dashboard could share one misread).
    first = verify(perfect_reading())
    held = {(q.service_area, (q.stage, q.field)) for q in first.quarantine}
    assert held == slips
    assert len(first.quarantine) == 3 * 5  # this year, last year, both in the Top Ten, Difference
    assert loaded(first, "stage_outcomes", "Missed Collections", YEAR, 3, "received") == [None]
    # Two readings that agree: only the slips themselves stay out.
    result = verify(perfect_reading(), perfect_reading())
    quarantined = {(q.service_area, (q.stage, q.field)) for q in result.quarantine}
    assert quarantined == slips and len(result.quarantine) == 3
    loaded_differences = {(d.service_area, (d.stage, d.measure))
                          for d in result.records["printed_differences"]}
    assert not loaded_differences & slips
    # ... while the figures either side of each slip are confirmed by the Top Ten and loaded
    assert loaded(result, "stage_outcomes", "Missed Collections", YEAR, 3, "received") == [2]
    assert loaded(result, "stage_outcomes", "Missed Collections", PRIOR, 3, "received") == [5]


def test_a_nine_read_as_six_is_quarantined_with_its_reason():
    truth = truth_of("stage_outcomes", "Housing Solutions", YEAR, 1, "escalated")
    assert truth == 9
    reading = misread(perfect_reading(), "stage_outcomes", "Housing Solutions", YEAR, 1,
                      "escalated", 6)
    result = verify(reading)
    assert loaded(result, "stage_outcomes", "Housing Solutions", YEAR, 1, "escalated") == [None]
    [row] = [q for q in result.quarantine if q.service_area == "Housing Solutions"
             and q.field == "escalated" and q.table_name == "stage_outcomes"
             and q.period == YEAR and q.stage == 1]
    assert row.raw_text == "6" and row.page == 3 and "disagrees" in row.reason
    # The Top Ten's 9 is not confirmed either (its partner disagrees), so it is NULL too.
    assert loaded(result, "top_ten", "Housing Solutions", YEAR, 1, "escalated") == [None]
    assert 3 in result.unconfirmed_pages and 1 in result.unconfirmed_pages


def test_a_second_reading_that_gets_it_right_is_chosen():
    first = misread(perfect_reading(), "stage_outcomes", "Housing Solutions", YEAR, 1,
                    "escalated", 6)
    result = verify(first, perfect_reading())
    assert loaded(result, "stage_outcomes", "Housing Solutions", YEAR, 1, "escalated") == [9]
    assert loaded(result, "top_ten", "Housing Solutions", YEAR, 1, "escalated") == [9]
    [note] = [i for i in result.issues if i.check_name == "ocr_verified"
              and i.service_area == "Housing Solutions" and i.period == YEAR and i.stage == 1
              and i.detail.startswith("stage_outcomes.escalated")]
    assert "(second)" in note.detail and "Top Ten" in note.detail and "Difference" in note.detail
    assert not any(q.service_area == "Housing Solutions" for q in result.quarantine)


def test_a_lost_minus_sign_in_the_difference_row_is_not_loaded():
    # Repairs S2 rec'd: 36 this year, 48 last year, printed Difference -12, read as 12.
    reading = misread(perfect_reading(), "printed_differences", "Repairs", None, 2,
                      "received", 12)
    result = verify(reading, reading)  # two readings, both losing it
    assert not [d for d in result.records["printed_differences"] if d.service_area == "Repairs"
                and d.stage == 2 and d.measure == "received"]
    assert loaded(result, "stage_outcomes", "Repairs", YEAR, 2, "received") == [36]


def test_a_figure_misread_the_same_way_in_both_tables_is_caught_by_the_difference():
    # 218 read as 216 in the Top Ten and in the Comparative Data: the two agree, but
    # 216 - 186 is not the printed +32. Alone, that reading loads neither.
    first = misread(misread(perfect_reading(), "stage_outcomes", "Repairs", YEAR, 1,
                            "received", 216), "top_ten", "Repairs", YEAR, 1, "received", 216)
    alone = verify(first)
    assert loaded(alone, "stage_outcomes", "Repairs", YEAR, 1, "received") == [None]
    assert loaded(alone, "top_ten", "Repairs", YEAR, 1, "received") == [None]
    assert {1, 2} <= alone.unconfirmed_pages
    # A second reading that reads 218 twice: the most relations hold for 218.
    result = verify(first, perfect_reading())
    assert loaded(result, "stage_outcomes", "Repairs", YEAR, 1, "received") == [218]
    assert loaded(result, "top_ten", "Repairs", YEAR, 1, "received") == [218]
    # ... and a second reading that repeats the misread in one table only loads nothing.
    again = misread(perfect_reading(), "top_ten", "Repairs", YEAR, 1, "received", 216)
    split = verify(first, again)
    assert loaded(split, "top_ten", "Repairs", YEAR, 1, "received") == [None]
    assert loaded(split, "stage_outcomes", "Repairs", YEAR, 1, "received") in ([None], [218])


def test_an_area_printed_only_in_the_top_ten_has_nothing_to_confirm_it():
    reading = perfect_reading()
    reading["stage_outcomes"] = [r for r in reading["stage_outcomes"]
                                 if r.service_area != "Repairs"]
    reading["printed_differences"] = [d for d in reading["printed_differences"]
                                      if d.service_area != "Repairs"]
    result = verify(reading)
    assert loaded(result, "top_ten", "Repairs", YEAR, 1, "received") == [None]
    row = next(q for q in result.quarantine if q.service_area == "Repairs"
               and q.period == YEAR and q.stage == 1 and q.field == "received")
    assert row.raw_text == "218" and "nothing in the report restates it" in row.reason


def test_the_commentary_confirms_a_figure_the_tables_cannot():
    # Repairs 2018/19 S1: the Top Ten cell unreadable, the Difference too; the key themes say
    # "44% of Stage 1 complaints were upheld (based on 218 received)".
    reading = misread(perfect_reading(), "top_ten", "Repairs", YEAR, 1, "received", None)
    reading = misread(reading, "printed_differences", "Repairs", None, 1, "received", None)
    analysis = next(a for a in TRUTH["dashboards"][0]["analysis"] if a["stage"] == 1)
    reading["commentary"] = [Commentary(
        directorate="Housing", service_area="Repairs", stage=1, page=2,
        key_themes=analysis["key_themes"], service_response=analysis["service_response"],
        complaints_team_comment=analysis["complaints_team_comment"])]
    result = verify(reading)
    assert loaded(result, "stage_outcomes", "Repairs", YEAR, 1, "received") == [218]
    [note] = [i for i in result.issues if i.check_name == "ocr_verified"
              and i.service_area == "Repairs" and i.period == YEAR and i.stage == 1
              and i.detail.startswith("stage_outcomes.received")]
    assert note.detail.endswith("confirmed: restated in the analysis commentary")


def test_only_the_scanned_pages_figures_are_judged():
    # A report whose Top Ten page (1) is a scan and whose dashboards have a text layer: the
    # dashboards' figures and Differences (the slips included) stay as printed; the Top Ten's
    # misread is caught by them.
    reading = misread(perfect_reading(), "top_ten", "Repairs", YEAR, 1, "received", 216)
    result = verify(reading, ocr_pages={1})
    slips = {(s["service_area"], GOLDEN_COLUMNS[s["column"]]) for s in
             TRUTH["expected_difference_slips"]}
    loaded_differences = {(d.service_area, (d.stage, d.measure)): d.printed_value
                          for d in result.records["printed_differences"]}
    for slip in TRUTH["expected_difference_slips"]:
        key = (slip["service_area"], GOLDEN_COLUMNS[slip["column"]])
        assert loaded_differences[key] == slip["printed"]
    assert slips <= set(loaded_differences)
    assert loaded(result, "top_ten", "Repairs", YEAR, 1, "received") == [None]
    assert loaded(result, "stage_outcomes", "Repairs", YEAR, 1, "received") == [218]
    # Quarantined: the misread, and the Top Ten figures of groups where a relation fails (the
    # slips' groups, and the misread's own prior year), held back for a second reading.
    held = {(s["service_area"], period, *GOLDEN_COLUMNS[s["column"]])
            for s in TRUTH["expected_difference_slips"] for period in (YEAR, PRIOR)}
    assert {(q.service_area, q.period, q.stage, q.field) for q in result.quarantine} == \
        held | {("Repairs", YEAR, 1, "received"), ("Repairs", PRIOR, 1, "received")}
    assert {(q.table_name, q.page) for q in result.quarantine} == {("top_ten", 1)}


def test_a_figure_no_reading_of_its_page_judged_is_quarantined_not_loaded():
    """The base reading (a reading again of other pages) gave a page's dashboard an area that
    no reading of that page gave it: no verdict speaks for its figures. They are loaded as
    NULL and quarantined, every one, and its Difference row is not loaded (the 2019/20 100 dpi
    scan loaded 11 such figures unverified)."""
    base = perfect_reading()
    area = TRUTH["dashboards"][0]["service_area"]
    judged = {table: [r for r in rows if table == "top_ten" or r.service_area != area]
              for table, rows in base.items()}
    verdicts = verify_figures([judged], YEAR)
    result = apply_verdicts([SimpleNamespace(records=base, findings=Findings())], verdicts,
                            YEAR, NAMES[:1])
    printed = sum(getattr(r, m) is not None for r in base["stage_outcomes"]
                  if r.service_area == area for m in MEASURES)
    assert printed == 20  # two years of ten printed figures
    assert all(getattr(r, m) is None for r in result.records["stage_outcomes"]
               if r.service_area == area for m in MEASURES)
    assert not [d for d in result.records["printed_differences"] if d.service_area == area]
    kept = [q for q in result.quarantine if q.service_area == area
            and q.table_name in ("stage_outcomes", "printed_differences")]
    assert len(kept) == printed + 10
    assert all("no reading of its page placed it here" in q.reason for q in kept)
    # The other dashboards are untouched: still verified and loaded.
    other = TRUTH["dashboards"][1]["service_area"]
    assert loaded(result, "stage_outcomes", other, YEAR, 1, "received") == [
        truth_of("stage_outcomes", other, YEAR, 1, "received")]


def test_a_figure_confirmed_only_by_a_figure_held_back_is_not_loaded():
    """The 2019/20 300 dpi scan: a dashboard's 77 read as 7 by two readings, the Top Ten's 77
    read as 7 by one and as 77 by the other. The Difference fails for 7, so the Top Ten's
    figure (read two ways) is held back, and the dashboard's 7, confirmed by nothing else,
    must not be loaded on its word. (Here: Repairs' 218 read as 216.)"""
    dashboard_wrong = misread(perfect_reading(), "stage_outcomes", "Repairs", YEAR, 1,
                              "received", 216)
    both_wrong = misread(dashboard_wrong, "top_ten", "Repairs", YEAR, 1, "received", 216)
    result = verify(both_wrong, dashboard_wrong)
    assert loaded(result, "stage_outcomes", "Repairs", YEAR, 1, "received") == [None]
    assert loaded(result, "top_ten", "Repairs", YEAR, 1, "received") == [None]
    [reason] = [q.reason for q in result.quarantine if q.table_name == "stage_outcomes"
                and q.service_area == "Repairs" and q.period == YEAR and q.stage == 1
                and q.field == "received"]
    assert "were not accepted themselves" in reason
    # Last year's figure, confirmed by the Top Ten's bracket that is itself accepted, stays.
    assert loaded(result, "stage_outcomes", "Repairs", PRIOR, 1, "received") == [
        truth_of("stage_outcomes", "Repairs", PRIOR, 1, "received")]


def test_a_row_only_a_later_reading_placed_is_loaded_with_its_findings():
    """The first reading could not place a dashboard's rows; the second did. They are added
    with their confirmed figures, each with its ocr_verified finding like every loaded figure
    (the 2019/20 100 dpi scan loaded 36 such figures without one)."""
    area = "Repairs"
    second = perfect_reading()
    first = {table: [r for r in rows if table != "stage_outcomes" or r.service_area != area]
             for table, rows in second.items()}
    result = verify(first, second)
    found = [(r.period, r.stage, m, getattr(r, m)) for r in result.records["stage_outcomes"]
             if r.service_area == area for m in MEASURES if getattr(r, m) is not None]
    assert len(found) == 20  # two years of ten printed figures, every one loaded
    for period, stage, measure, value in found:
        assert value == truth_of("stage_outcomes", area, period, stage, measure)
    verified = {(i.period, i.stage, i.detail.split(" ")[0]) for i in result.issues
                if i.check_name == "ocr_verified" and i.service_area == area
                and i.detail.startswith("stage_outcomes.")}
    assert verified == {(p, s, f"stage_outcomes.{m}") for p, s, m, _ in found}


def test_the_page_of_a_figure_read_blank_is_read_again_when_the_other_table_prints_it():
    """The 2019/20 300 dpi scan's Repairs dashboard: its S2 '7%' (not upheld at S1) was read as
    nothing, the Top Ten's 7% had nothing to confirm it, and the Difference (+1%), read alike
    twice against a settled last year, looked like the report's own slip: no page was sent to
    be read again, and both 7% were lost."""
    area, stage, measure = "Repairs", 2, "upheld_not_upheld_prev_pct"
    blank = misread(perfect_reading(), "stage_outcomes", area, YEAR, stage, measure, None)
    page = next(r.page for r in blank["stage_outcomes"] if r.service_area == area)
    assert verify(perfect_reading(), perfect_reading()).unconfirmed_pages == set()
    result = verify(blank, blank)
    assert loaded(result, "top_ten", area, YEAR, stage, measure) == [None]
    assert result.unconfirmed_pages == {page}


def test_a_difference_only_a_later_reading_read_is_loaded_with_its_finding():
    """The 2018/19 150 dpi scan's Repairs S3 rec'd Difference (-4): the first reading read no
    figure in its cell, the crops read -4, the arithmetic (4 - 8) confirmed it, and it was not
    loaded: only the first reading's Differences were."""
    first = perfect_reading()
    first["printed_differences"] = [d for d in first["printed_differences"] if not (
        d.service_area == "Repairs" and d.stage == 3 and d.measure == "received")]
    result = verify(first, perfect_reading())
    repairs = [(d.printed_value, d.page) for d in result.records["printed_differences"]
               if d.service_area == "Repairs" and d.stage == 3 and d.measure == "received"]
    assert repairs == [(-4, 2 + [d["service_area"] for d in TRUTH["dashboards"]].index(
        "Repairs"))]
    assert [i.detail for i in result.issues if i.check_name == "ocr_verified"
            and i.service_area == "Repairs" and i.detail.startswith(
                "printed_differences.received S3")] == [
        "printed_differences.received S3 rec'd = -4, read by OCR (second), confirmed: this "
        "year − last year = the printed Difference"]
