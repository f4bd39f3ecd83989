"""Reports ready at the same time are loaded in one transaction (pipeline.load.replace_reports,
pipeline.ingest_loads.LoadGroups): the warehouse must be what loading them one by one leaves,
a report refused or failing must fail alone, and `--workers 1` keeps one report a
transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import ingest_loads, load
from pipeline.errors import ReportConflictError, WarehouseError
from pipeline.extract.limits import Limits
from pipeline.ingest_log import FileOutcome
from pipeline.load import ReportLoad, replace_report, replace_reports
from pipeline.run import extract_report, file_sha256, ingest
from pipeline.warehouse import new_warehouse_file
from pipeline.warehouse_attach import attached_warehouse
from tests.conftest import EASTMOOR_2018_19, PDFS, THURROCK_2018_19, fetch, snapshot

# Thurrock's three years (each restates the year before it) and Eastmoor's one
FOUR = ["complaints-2017-18-word.pdf", THURROCK_2018_19, "complaints-2019-20-word.pdf",
        EASTMOOR_2018_19]


@pytest.fixture(scope="module")
def records() -> dict:
    return {name: extract_report(PDFS / name, file_sha256(PDFS / name), Limits())
            for name in [*FOUR, "complaints-2018-19-reportlab.pdf"]}


def _warehouse(tmp_path: Path, name: str) -> Path:
    db = tmp_path / name
    new_warehouse_file(db)
    return db


def test_reports_loaded_together_leave_what_loading_them_one_by_one_leaves(tmp_path, records):
    together, alone = _warehouse(tmp_path, "together.duckdb"), _warehouse(tmp_path, "a.duckdb")
    with attached_warehouse(together) as con:
        assert replace_reports(con, [ReportLoad(records[name]) for name in FOUR]) == [
            "loaded"] * 4
    with attached_warehouse(alone) as con:
        for name in FOUR:
            assert replace_report(con, records[name]) == "loaded"
    assert snapshot(together) == snapshot(alone)
    # the three Thurrock years restate each other: the refresh ran for the group as a whole
    restated = fetch(together, "SELECT DISTINCT council FROM data_quality_issues "
                               "WHERE check_name = 'restatement'")
    assert restated == [("Thurrock Council",)]


def test_a_report_refused_or_unchanged_in_a_group_leaves_the_others_to_load(tmp_path, records):
    db = _warehouse(tmp_path, "w.duckdb")
    with attached_warehouse(db) as con:
        assert replace_report(con, records[THURROCK_2018_19]) == "loaded"
        other_rendering = records["complaints-2018-19-reportlab.pdf"]  # same council-year
        results = replace_reports(con, [ReportLoad(other_rendering),
                                        ReportLoad(records[THURROCK_2018_19]),
                                        ReportLoad(records[EASTMOOR_2018_19])])
    refused, unchanged, loaded = results
    assert isinstance(refused, ReportConflictError)
    assert "Thurrock Council 2018/19 is already loaded from" in str(refused)
    assert (unchanged, loaded) == ("unchanged", "loaded")
    assert fetch(db, "SELECT council, source_path FROM reports ORDER BY 1") == [
        ("Eastmoor Borough Council", EASTMOOR_2018_19), ("Thurrock Council", THURROCK_2018_19)]


def test_when_the_shared_transaction_fails_each_report_is_loaded_alone(tmp_path, records):
    """A report the warehouse's own checks refuse (a page count of 0, past pydantic by
    model_copy) fails the group's transaction; loaded again one by one, only it fails."""
    broken = records[THURROCK_2018_19]
    broken = broken.model_copy(update={"report": broken.report.model_copy(
        update={"page_count": 0})})
    db = _warehouse(tmp_path, "w.duckdb")
    with attached_warehouse(db) as con:
        failed, loaded = replace_reports(con, [ReportLoad(broken),
                                               ReportLoad(records[EASTMOOR_2018_19])])
    assert isinstance(failed, WarehouseError)
    assert "load failed, nothing of this report was loaded" in str(failed)
    assert failed.file_name == THURROCK_2018_19
    assert loaded == "loaded"
    assert fetch(db, "SELECT council FROM reports") == [("Eastmoor Borough Council",)]


def test_the_same_report_twice_in_a_group_is_loaded_then_found_unchanged(tmp_path, records):
    db = _warehouse(tmp_path, "w.duckdb")
    with attached_warehouse(db) as con:
        assert replace_reports(con, [ReportLoad(records[EASTMOOR_2018_19])] * 2) == [
            "loaded", "unchanged"]
    assert fetch(db, "SELECT count(*) FROM reports") == [(1,)]


def _groups_loaded(monkeypatch) -> list[int]:
    sizes: list[int] = []
    real = load.ReportLoader.load_together
    monkeypatch.setattr(load.ReportLoader, "load_together",
                        lambda self, loads: (sizes.append(len(loads)), real(self, loads))[1])
    return sizes


@pytest.mark.parametrize(("workers", "groups"), [(1, [1, 1, 1, 1]), (2, [2, 2])])
def test_an_ingest_loads_as_many_reports_together_as_it_has_workers(tmp_path, monkeypatch,
                                                                   workers, groups):
    """However slow the machine, with the waits made long: `--workers 2` loads its reports
    in pairs, `--workers 1` each alone; the warehouse is the same, and every file gets its
    own `ingest_runs` row, in the order of the files."""
    monkeypatch.setattr(ingest_loads, "GROUP_WAIT", 3600.0)
    monkeypatch.setattr(load.ReportLoader, "HOLD_SECONDS", 3600.0)
    sizes = _groups_loaded(monkeypatch)
    db = tmp_path / "w.duckdb"
    summary = ingest([PDFS / name for name in FOUR], db, workers=workers)
    assert [o.status for o in summary.outcomes] == ["loaded"] * 4
    assert sizes == groups
    one_by_one = tmp_path / "alone.duckdb"
    for name in FOUR:
        assert not ingest([PDFS / name], one_by_one, workers=1).failed
    assert snapshot(db) == snapshot(one_by_one)
    assert fetch(db, "SELECT source_path, status FROM ingest_runs ORDER BY recorded_at") == [
        (name, "loaded") for name in sorted(FOUR)]


class _Loader:
    """What LoadGroups asks of the loader: the hold left, and loading."""

    def __init__(self, hold: float, attached: bool = True) -> None:
        self.hold, self.attached, self.loaded = hold, attached, []

    def hold_left(self) -> float:
        return self.hold

    def load_together(self, loads):
        self.loaded.append(len(loads))
        return ["loaded"] * len(loads)


def _groups(loader, monkeypatch) -> ingest_loads.LoadGroups:
    monkeypatch.setattr(ingest_loads.LoadGroups, "_checked",
                        lambda self, index, path, source_path, result: ingest_loads._Ready(
                            index, result, FileOutcome(path.name, "failed"), {}))
    return ingest_loads.LoadGroups(loader, ingest_loads.IngestOptions(), None, 2,
                                   lambda path, outcome: None)


class _Records:
    record_count, issues, quarantine = 1, (), ()


def test_a_file_kept_back_waits_for_a_partner_within_the_hold_or_group_wait(monkeypatch):
    attached = _Loader(hold=0.6)
    groups = _groups(attached, monkeypatch)
    assert groups.hold_left() == 0.6  # nothing kept back: the loader's hold
    groups.add(Path("a"), "a", (_Records(), ()))
    # kept back, the file attached: the wait ends in time to load it within the hold
    assert groups.hold_left() == pytest.approx(0.6 - ingest_loads.LOAD_MARGIN)
    groups.add(Path("b"), "b", (_Records(), ()))
    assert attached.loaded == [2]

    expired = _Loader(hold=0.0)  # attached, its hold run out: the file kept back is loaded
    groups = _groups(expired, monkeypatch)
    groups.add(Path("a"), "a", (_Records(), ()))
    assert groups.hold_left() == 0.0 and expired.loaded == [1]

    let_go = _Loader(hold=0.0, attached=False)
    groups = _groups(let_go, monkeypatch)
    groups.add(Path("a"), "a", (_Records(), ()))
    left = groups.hold_left()  # the file let go: kept back for GROUP_WAIT, no lock held
    assert 0 < left <= ingest_loads.GROUP_WAIT and let_go.loaded == []
    monkeypatch.setattr(ingest_loads, "GROUP_WAIT", 0.0)
    assert groups.hold_left() == 0.0 and let_go.loaded == [1]  # waited enough: loaded alone


def test_two_files_of_one_council_year_in_a_group_replace_in_turn(tmp_path, records):
    """Loaded in the same transaction neither would see the other: with --replace the second
    must still replace the first, as it does loaded after it."""
    db = _warehouse(tmp_path, "w.duckdb")
    second = records["complaints-2018-19-reportlab.pdf"]
    with attached_warehouse(db) as con:
        assert replace_reports(con, [ReportLoad(records[THURROCK_2018_19], replace=True),
                                     ReportLoad(second, replace=True)]) == [
            "loaded", "replaced"]
    assert fetch(db, "SELECT source_path FROM reports") == [(second.report.source_path,)]
