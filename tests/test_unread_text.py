"""The transform's safety net: where a report shows a table is there but no strategy read it,
the text is quarantined with its page, never dropped (plain blocks, no PDF)."""

from __future__ import annotations

from pipeline.extract.document import DocumentBlocks, TableBlock, TextLine
from pipeline.report import read_report, unread_table_lines

FIGURES = ("S1 rec'd", "% upheld", "S1 escalated")


def _table(page: int, top: float, rows) -> TableBlock:
    return TableBlock(page, top, top + 20 * len(rows), tuple(tuple(r) for r in rows))


def _report(*dashboard_text: TextLine) -> DocumentBlocks:
    """A Top Ten of one area and its dashboard (heading, Comparative Data), then text."""
    return DocumentBlocks("lost.pdf", 2, [
        TextLine(1, 40, "2018/19 ANNUAL COMPLAINTS REPORT"),
        _table(1, 100, [("Directorate & Area", *FIGURES, "S2 rec'd", "% upheld"),
                        ("Housing – Repairs", "218\n(186)", "44%\n(38%)", "23\n(17)", "36\n(48)",
                         "33%\n(43%)")]),
        TextLine(2, 40, "Housing – Complaint Dashboard 2018/19"),
        TextLine(2, 60, "Repairs"),
        _table(2, 100, [("Comparative Data: 2018-2019 vs 2017-2018", *FIGURES, "S2 rec'd",
                         "% upheld"),
                        ("2018-2019", "218", "44%", "23", "36", "33%"),
                        ("2017-2018", "186", "38%", "17", "48", "43%")]),
        *dashboard_text,
    ], page_heights={1: 595.0, 2: 595.0})


def test_a_table_header_printed_as_text_keeps_it_and_the_rows_below_in_quarantine():
    content = read_report(_report(
        TextLine(2, 300, "Complaints for this area cover Mears and Liberty Gas."),
        TextLine(2, 320, "Service commitments for 2019/20"),
        TextLine(2, 340, "1 Introduce a new status for follow on works."),
        TextLine(3, 40, "2 Hold regular customer care meetings.")))
    assert [(q.table_name, q.field, q.raw_text, q.page) for q in content.quarantine] == [
        ("commitments", "row", "Service commitments for 2019/20", 2),
        ("commitments", "row", "1 Introduce a new status for follow on works.", 2),
        ("commitments", "row", "2 Hold regular customer care meetings.", 3)]
    assert all("no table was read there" in q.reason for q in content.quarantine)
    assert "service_commitments" not in content.records


def test_a_note_printed_without_a_bullet_is_not_table_data():
    content = read_report(_report(
        TextLine(2, 300, "Complaints for this area cover Mears and Liberty Gas.")))
    assert content.quarantine == []


def test_a_run_of_text_ends_at_whatever_came_between():
    header = TextLine(2, 300, "Service commitments for 2019/20")
    row = TextLine(2, 320, "1 Introduce a new status.")
    note = TextLine(2, 400, "No service commitments were submitted at the time.")
    tail = TextLine(2, 420, "oes the ratio of upheld.")
    lost = unread_table_lines([(5, header), (6, row), (9, note), (11, tail)])
    assert [(name, line) for name, line, _ in lost] == [
        ("commitments", header), ("commitments", row), ("unrecognised_table", tail)]
    assert "cut tail" in lost[2][2]


def test_a_header_printed_alone_holds_nothing_to_lose():
    header = TextLine(8, 40, "Service commitments for 2019/20")
    assert unread_table_lines([(5, header)]) == []
    row = TextLine(8, 60, "1 Introduce a new status.")
    assert [line for _, line, _ in unread_table_lines([(5, header), (6, row)])] == [header, row]
