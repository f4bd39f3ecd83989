"""Records out of the verdicts on an OCR'd report's figures (pipeline/verify_ocr.py decides
them): the first reading's records with each figure confirmed loaded with how it was
confirmed, and each one nothing confirmed quarantined with its page, its word's box on the
image and the reason, loaded as NULL; the report's checks run again on what is loaded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.checks import CHECKS, LABELS, run_checks
from pipeline.verify_ocr import (
    FIGURE_TABLES,
    MEASURES,
    PERCENT,
    UNCONFIRMED,
    FigureKey,
    Verdict,
    figure_key,
)
from schemas.records import (
    DataQualityIssue,
    PrintedDifference,
    QuarantinedValue,
    Record,
)


@dataclass
class VerifiedRecords:
    records: dict[str, list[Record]]
    issues: list[DataQualityIssue]
    quarantine: list[QuarantinedValue]
    unconfirmed_pages: set[int]  # pages holding a figure nothing confirmed (to read again)


Locate = Any  # (page, text) -> "box x0,top,x1,bottom pt" or ""


def _fmt(value: float, measure: str) -> str:
    text = f"{value:g}"
    return f"{text}%" if measure in PERCENT else text


# Checks that run over a report's records: re-run on the verified records.
_RECORD_CHECKS = {name for name, check in CHECKS.items() if check.run is not None} | {
    "difference_not_printed"}


def apply_verdicts(readings: Sequence[Any], verdicts: Mapping[FigureKey, Verdict],
                   report_year: str, reading_names: Sequence[str],
                   locate: Locate = None, ocr_pages: set[int] | None = None) -> VerifiedRecords:
    """The first reading's records with every figure replaced by its verdict: a confirmed
    value (from whichever reading gave it) or NULL plus a quarantine row. `readings` are
    ReportContent-like objects (records, findings); the first is the report's own. Only
    figures on `ocr_pages` (None: every page) are judged: a page with a text layer printed
    its figures exactly, and they stay as printed (they still confirm OCR'd ones)."""
    first = readings[0]
    records: dict[str, list[Record]] = {name: list(rows) for name, rows in first.records.items()}
    quarantine: list[QuarantinedValue] = []
    issues: list[DataQualityIssue] = []
    pages: set[int] = set()
    resolved: set[tuple] = set()

    def pick(table: str, record: Record) -> Record:
        changes: dict[str, Any] = {}
        if ocr_pages is not None and record.page not in ocr_pages:  # type: ignore[attr-defined]
            return record
        for measure in MEASURES:
            key = figure_key(table, record, measure)
            verdict = verdicts.get(key)
            if verdict is None:
                if getattr(record, measure) is not None:  # never judged: never loaded
                    changes[measure] = None
                    quarantine.append(_unjudged(table, record, measure,
                                                getattr(record, measure)))
                continue
            resolved.add(_quarantine_key(table, record, measure))
            if verdict.value is not None:
                value = verdict.value if measure in PERCENT else int(verdict.value)
                if getattr(record, measure) != value:
                    changes[measure] = value
                issues.append(_verified(table, record, measure, verdict, reading_names))
            else:
                changes[measure] = None
                if verdict.worth_reading_again:
                    pages.add(record.page)  # type: ignore[attr-defined]
                quarantine.append(_unconfirmed(table, record, measure, verdict, locate))
        return record.model_copy(update=changes) if changes else record

    pages |= blank_partner_pages(records, verdicts)
    for table in ("stage_outcomes", "top_ten"):
        records[table] = [pick(table, r) for r in records.get(table, [])]
        issues += _add_missing(records, table, readings, verdicts, reading_names)
    differences = []
    for diff in records.get("printed_differences", []):
        if not isinstance(diff, PrintedDifference) or diff.printed_value is None or (
                ocr_pages is not None and diff.page not in ocr_pages):
            differences.append(diff)
            continue
        key: FigureKey = ("printed_differences", diff.directorate, diff.service_area, "",
                          diff.stage, diff.measure)
        verdict = verdicts.get(key)
        resolved.add(("printed_differences", diff.directorate, diff.service_area, None,
                      diff.stage, diff.measure))
        if verdict is not None and verdict.value is not None:
            differences.append(diff.model_copy(update={"printed_value": verdict.value}))
            issues.append(_verified("printed_differences", diff, diff.measure, verdict,
                                    reading_names))
        elif verdict is not None:
            if verdict.worth_reading_again:
                pages.add(diff.page)
            quarantine.append(_unconfirmed("printed_differences", diff, diff.measure, verdict,
                                           locate))
        else:
            quarantine.append(_unjudged("printed_differences", diff, diff.measure,
                                        diff.printed_value))
    added = _missing_differences(differences, readings, verdicts, reading_names)
    for diff, issue in added:
        differences.append(diff)
        issues.append(issue)
        resolved.add(("printed_differences", diff.directorate, diff.service_area, None,
                      diff.stage, diff.measure))
    if "printed_differences" in records or added:
        records["printed_differences"] = differences
    kept_quarantine = [q for q in first.findings.quarantine
                       if (q.table_name, q.directorate, q.service_area, q.period, q.stage,
                           q.field) not in resolved]
    # A figure the first reading could not read or place (unparseable, under a misspelt
    # header, in a dashboard whose area it could not tell) may read better again.
    for q in kept_quarantine:
        if q.table_name in FIGURE_TABLES:
            pages.add(q.page)
    kept_quarantine = _drop_recovered_columns(kept_quarantine, records)
    resolved |= {(q.table_name, q.directorate, q.service_area, q.period, q.stage, q.field)
                 for q in first.findings.quarantine if q not in kept_quarantine}
    kept_issues = [i for i in first.findings.issues if i.check_name not in _RECORD_CHECKS
                   and not (i.check_name == "value_quarantined" and _resolved_issue(i, resolved))]
    context = _Checked(records, report_year)
    return VerifiedRecords(records, kept_issues + issues + _quarantine_issues(quarantine)
                           + run_checks(context), kept_quarantine + quarantine, pages)


_RESTATED_IN = {"stage_outcomes": "top_ten", "top_ten": "stage_outcomes"}


def blank_partner_pages(records: Mapping[str, Sequence[Record]],
                        verdicts: Mapping[FigureKey, Verdict]) -> set[int]:
    """The pages of the rows where a figure nothing restates should be restated but was read
    blank (a cell whose figure OCR did not see at all): reading that page again may find it.
    The 2019/20 300 dpi scan's Repairs dashboard read its S2 '7%' as nothing, and the Top
    Ten's 7% had nothing to confirm it; no other figure sent that page to be read again."""
    wanted = {(_RESTATED_IN[key[0]], *key[1:]) for key, verdict in verdicts.items()
              if verdict.value is None and key[0] in _RESTATED_IN
              and verdict.reason == UNCONFIRMED[False]}
    return {record.page for table in _RESTATED_IN  # type: ignore[attr-defined]
            for record in records.get(table, ()) for measure in MEASURES
            if getattr(record, measure) is None
            and figure_key(table, record, measure) in wanted}


@dataclass
class _Checked:
    records: dict[str, list[Record]]
    report_year: str


def _add_missing(records: dict[str, list[Record]], table: str, readings: Sequence[Any],
                 verdicts: Mapping[FigureKey, Verdict],
                 names: Sequence[str]) -> list[DataQualityIssue]:
    """A row the first reading missed (a cell it could not place) but a later one read: added
    from that reading, with only its confirmed figures, each with its `ocr_verified` finding
    (the 2019/20 100 dpi scan loaded 36 such figures of Tenancy & Estates without one)."""
    issues: list[DataQualityIssue] = []
    have = {figure_key(table, r, "")[:5] for r in records.get(table, [])}
    for reading in readings[1:]:
        for record in reading.records.get(table, ()):
            row = figure_key(table, record, "")[:5]
            if row in have:
                continue
            have.add(row)
            update: dict[str, Any] = {}
            for measure in MEASURES:
                verdict = verdicts.get(figure_key(table, record, measure))
                value = verdict.value if verdict else None
                update[measure] = None if value is None else (
                    value if measure in PERCENT else int(value))
            if any(v is not None for v in update.values()):
                added = record.model_copy(update=update)
                records.setdefault(table, []).append(added)
                issues += [_verified(table, added, measure, verdict, names)
                           for measure in MEASURES if update[measure] is not None
                           and (verdict := verdicts[figure_key(table, record, measure)])]
    return issues


def _missing_differences(differences: Sequence[Record], readings: Sequence[Any],
                         verdicts: Mapping[FigureKey, Verdict], names: Sequence[str]
                         ) -> list[tuple[PrintedDifference, DataQualityIssue]]:
    """A Difference the first reading did not read (or could not parse) but a later one read
    and the arithmetic confirmed: added from that reading, with its `ocr_verified` finding
    (the 2018/19 150 dpi scan's Repairs S3 -4 was read only by the crops)."""
    have = {(d.directorate, d.service_area, d.stage, d.measure) for d in differences
            if isinstance(d, PrintedDifference)}
    added: list[tuple[PrintedDifference, DataQualityIssue]] = []
    for reading in readings[1:]:
        for diff in reading.records.get("printed_differences", ()):
            if not isinstance(diff, PrintedDifference) or diff.printed_value is None:
                continue
            where = (diff.directorate, diff.service_area, diff.stage, diff.measure)
            verdict = verdicts.get(("printed_differences", *where[:2], "", *where[2:]))
            if where in have or verdict is None or verdict.value is None:
                continue
            have.add(where)
            found = diff.model_copy(update={"printed_value": verdict.value})
            added.append((found, _verified("printed_differences", found, diff.measure,
                                           verdict, names)))
    return added


# The figures each stage prints (stage 1 has no previous stage, stage 3 no escalation).
_STAGE_MEASURES = {1: ("received", "upheld_pct", "escalated"), 2: MEASURES,
                   3: ("received", "upheld_pct", "upheld_not_upheld_prev_pct")}


def _drop_recovered_columns(rows: list[QuarantinedValue],
                            records: Mapping[str, Sequence[Record]]) -> list[QuarantinedValue]:
    """The first reading's rows for a column whose header OCR misspelt ('upheid') are dropped
    when another reading filled every figure of that table row: the value is loaded, verified,
    under the column it belongs to. Otherwise they stay, as for any unknown header."""
    complete: dict[tuple[str, str, str], bool] = {}
    for table in ("stage_outcomes", "top_ten"):
        for r in records.get(table, []):
            row = (table, r.service_area, r.period)  # type: ignore[attr-defined]
            filled = all(getattr(r, m) is not None
                         for m in _STAGE_MEASURES[r.stage])  # type: ignore[attr-defined]
            complete[row] = complete.get(row, True) and filled
    return [q for q in rows if not (q.stage is None and q.reason.startswith("column header")
                                    and complete.get((q.table_name, q.service_area or "",
                                                      q.period or "")))]


def _quarantine_key(table: str, record: Record, measure: str) -> tuple:
    return (table, record.directorate, record.service_area,  # type: ignore[attr-defined]
            record.period, record.stage, measure)  # type: ignore[attr-defined]


def _resolved_issue(issue: DataQualityIssue, resolved: set[tuple]) -> bool:
    return any(issue.directorate == d and issue.service_area == a and issue.stage == s
               and (issue.period or None) == (p or None) and issue.detail.startswith(f"{t}.{m} ")
               for t, d, a, p, s, m in resolved)


def _verified(table: str, record: Record, measure: str, verdict: Verdict,
              names: Sequence[str]) -> DataQualityIssue:
    stage = record.stage  # type: ignore[attr-defined]
    period = getattr(record, "period", None)
    value = verdict.value if verdict.value is not None else 0.0
    label = LABELS.get((stage, measure), measure)
    where = f" ({period})" if period else ""
    return DataQualityIssue(
        severity=CHECKS["ocr_verified"].severity, check_name="ocr_verified",
        directorate=record.directorate, service_area=record.service_area,  # type: ignore
        period=period, stage=stage, page=record.page,  # type: ignore[attr-defined]
        detail=f"{table}.{measure} {label}{where} = {_fmt(value, measure)}, read by OCR "
               f"({names[verdict.reading or 0]}), confirmed: {'; '.join(verdict.confirmed_by)}")


def _unconfirmed(table: str, record: Record, measure: str, verdict: Verdict,
                 locate: Locate) -> QuarantinedValue:
    readings = ", ".join(_fmt(c.value, measure) for c in verdict.candidates)
    page = record.page  # type: ignore[attr-defined]
    first = _fmt(verdict.candidates[0].value, measure) if verdict.candidates else ""
    box = locate(page, first) if locate and first else ""
    return QuarantinedValue(
        table_name=table, directorate=record.directorate,  # type: ignore[attr-defined]
        service_area=record.service_area, period=getattr(record, "period", None),  # type: ignore
        stage=record.stage, field=measure, raw_text=readings,  # type: ignore[attr-defined]
        page=page, reason=f"OCR figure not confirmed: {verdict.reason}; read as "
                          f"{readings}{f'; crop {box}' if box else ''}")


# A figure no verdict speaks for: the base reading placed it where no reading that read its
# page did (a reading again of other pages changed which dashboard the page's tables belong
# to: the 2019/20 100 dpi scan loaded 11 Transforming Homes figures so, unverified).
_UNJUDGED = ("OCR figure not confirmed: no reading of its page placed it here (its dashboard "
             "was told apart by a reading of other pages), so nothing checked it")


def _unjudged(table: str, record: Record, measure: str, value: float) -> QuarantinedValue:
    return QuarantinedValue(
        table_name=table, directorate=record.directorate,  # type: ignore[attr-defined]
        service_area=record.service_area, period=getattr(record, "period", None),  # type: ignore
        stage=record.stage, field=measure, raw_text=_fmt(value, measure),  # type: ignore
        page=record.page, reason=_UNJUDGED)  # type: ignore[attr-defined]


def _quarantine_issues(rows: list[QuarantinedValue]) -> list[DataQualityIssue]:
    return [DataQualityIssue(
        severity=CHECKS["value_quarantined"].severity, check_name="value_quarantined",
        directorate=q.directorate, service_area=q.service_area,
        period=q.period or None, stage=q.stage, page=q.page,
        detail=f"{q.table_name}.{q.field} {q.raw_text!r} quarantined: {q.reason}")
        for q in rows]

