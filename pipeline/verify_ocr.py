"""Verification of OCR'd figures by the report's own arithmetic, before anything is loaded.

OCR misreads digits in ways that look right ('9' as '6', '-9' as '6-'). This report family
prints every figure more than once, and that redundancy is the checksum:

- the Comparative Data table's year rows and the Top Ten table print the same figures (this
  year's, and last year's in brackets);
- the Difference row is this year minus last year;
- the analysis commentary restates a stage's upheld rate and count ("44% of Stage 2's were
  upheld (40 received)").

Each relation ties two or three readings taken from different places of the page images. For
every figure, the candidate values are what each reading of the report (`ocr.Reading`:
other resolutions and binarisations) made of it; the values chosen are the ones that satisfy
the most relations. A figure is accepted only when a relation holding between it and another
figure confirms it; otherwise it is quarantined with its page, the box of its word on the
image and the reason, and loaded as NULL. A Difference that nothing confirms (it may be a
printed slip, or a misread) is quarantined and not loaded. Pure functions over records; this
module decides the verdicts, pipeline/ocr_verdicts.py makes the records of them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.normalise import previous_financial_year
from schemas.records import (
    Commentary,
    PrintedDifference,
    Record,
)

MEASURES = ("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct")
PERCENT = frozenset({"upheld_pct", "upheld_not_upheld_prev_pct"})
FIGURE_TABLES = ("stage_outcomes", "top_ten", "printed_differences")

# (table, directorate, service_area, period or "", stage, measure)
FigureKey = tuple[str, str, str, str, int, str]
Group = tuple[str, str, int, str]  # directorate, service_area, stage, measure

# The roles a figure plays in its group's relations.
THIS, LAST, DIFFERENCE, SUMMARY_THIS, SUMMARY_LAST, COMMENTARY = (
    "this", "last", "difference", "summary_this", "summary_last", "commentary")


@dataclass(frozen=True)
class Relation:
    """Figures (by role) that the report's layout ties together, and how it says so."""

    roles: tuple[str, ...]
    says: str

    def holds(self, values: Mapping[str, float | None]) -> bool | None:
        """True/False when every figure is there to check; None when one is missing."""
        got = [values.get(role) for role in self.roles]
        if any(v is None for v in got):
            return None
        if self.roles == (THIS, LAST, DIFFERENCE):
            return abs(got[0] - got[1] - got[2]) < 1e-9  # type: ignore[operator]
        return got[0] == got[1]


RELATIONS = (
    Relation((THIS, SUMMARY_THIS), "equals the Top Ten's figure"),
    Relation((LAST, SUMMARY_LAST), "equals the Top Ten's bracketed prior-year figure"),
    Relation((THIS, LAST, DIFFERENCE), "this year − last year = the printed Difference"),
    Relation((THIS, COMMENTARY), "restated in the analysis commentary"),
)


@dataclass(frozen=True)
class Candidate:
    value: float
    reading: int  # index of the reading that gave it (0: the first, the report's own)


@dataclass
class Verdict:
    """What was decided for one figure."""

    key: FigureKey
    value: float | None  # the accepted value (None: nothing accepted)
    reading: int | None
    confirmed_by: list[str] = field(default_factory=list)
    candidates: tuple[Candidate, ...] = ()
    reason: str = ""  # why nothing was accepted
    contested: bool = False  # unconfirmed, and a figure that should restate it was read

    @property
    def worth_reading_again(self) -> bool:
        """Another reading may confirm it (a figure with nothing to check it against
        cannot be confirmed by any reading)."""
        return self.value is None and self.contested


# --- figures out of records ----------------------------------------------------------------

def figure_key(table: str, record: Record, measure: str) -> FigureKey:
    period = getattr(record, "period", "") or ""
    return (table, record.directorate, record.service_area, period,  # type: ignore[attr-defined]
            record.stage, measure)  # type: ignore[attr-defined]


def figures(records: Mapping[str, Sequence[Record]]) -> dict[FigureKey, float]:
    """Every printed figure of one reading (NULLs left out: nothing to verify)."""
    found: dict[FigureKey, float] = {}
    for table in ("stage_outcomes", "top_ten"):
        for record in records.get(table, ()):
            for measure in MEASURES:
                value = getattr(record, measure)
                if value is not None:
                    found.setdefault(figure_key(table, record, measure), float(value))
    for diff in records.get("printed_differences", ()):
        if isinstance(diff, PrintedDifference) and diff.printed_value is not None:
            found.setdefault(("printed_differences", diff.directorate, diff.service_area, "",
                              diff.stage, diff.measure), float(diff.printed_value))
    return found


_PERCENT = re.compile(r"(\d{1,3})\s?%")
_RECEIVED = re.compile(r"(\d{1,5})\s+(?:[A-Za-z']+\s+){0,2}received", re.IGNORECASE)


def restated_figures(records: Mapping[str, Sequence[Record]],
                     report_year: str) -> dict[FigureKey, float]:
    """This year's upheld rate and count as the analysis commentary restates them: the first
    percentage and the first count followed by 'received' in a stage's key themes."""
    found: dict[FigureKey, float] = {}
    for row in records.get("commentary", ()):
        if not isinstance(row, Commentary) or not row.key_themes:
            continue
        text = row.key_themes
        base = ("commentary", row.directorate, row.service_area, report_year, row.stage)
        if match := _PERCENT.search(text):
            found[(*base, "upheld_pct")] = float(match.group(1))
        if match := _RECEIVED.search(text):
            found[(*base, "received")] = float(match.group(1))
    return found


def _role_key(role: str, group: Group, year: str, prior: str) -> FigureKey:
    directorate, area, stage, measure = group
    table, period = {THIS: ("stage_outcomes", year), LAST: ("stage_outcomes", prior),
                     DIFFERENCE: ("printed_differences", ""), SUMMARY_THIS: ("top_ten", year),
                     SUMMARY_LAST: ("top_ten", prior), COMMENTARY: ("commentary", year)}[role]
    return (table, directorate, area, period, stage, measure)


# --- choosing and confirming ---------------------------------------------------------------

def candidates_by_key(readings: Sequence[Mapping[FigureKey, float]]
                      ) -> dict[FigureKey, tuple[Candidate, ...]]:
    """Each figure's distinct values over the readings, the earliest reading's first."""
    found: dict[FigureKey, list[Candidate]] = {}
    for index, reading in enumerate(readings):
        for key, value in reading.items():
            options = found.setdefault(key, [])
            if all(c.value != value for c in options):
                options.append(Candidate(value, index))
    return {key: tuple(options) for key, options in found.items()}


def _groups(keys: Iterable[FigureKey]) -> set[Group]:
    return {(d, a, s, m) for table, d, a, _p, s, m in keys if table != "commentary"}


# A group's figures have a few candidates each; this bounds the combinations tried.
MAX_COMBINATIONS = 4096


def verify_group(group: Group, candidates: Mapping[FigureKey, tuple[Candidate, ...]],
                 year: str, prior: str, seen: Mapping[FigureKey, int] | None = None
                 ) -> list[Verdict]:
    """The values of one group (an area's measure at a stage) that satisfy the most relations;
    each figure with the relations that confirm it.

    Where a relation fails (a printed slip in the Difference row, or a misread), the figures
    the other relations confirm could still be one misread made twice (the same glyph read
    the same wrong way in the Top Ten and the dashboard). They are accepted only when at
    least two readings read them and every reading read the same value; otherwise they wait
    for another reading (or are quarantined)."""
    seen = seen or {}
    roles = [role for role in (THIS, LAST, DIFFERENCE, SUMMARY_THIS, SUMMARY_LAST, COMMENTARY)
             if _role_key(role, group, year, prior) in candidates]
    options = [candidates[_role_key(role, group, year, prior)] for role in roles]
    scored: list[tuple[int, int, dict[str, Candidate]]] = []
    for count, combination in enumerate(itertools.product(*options)):
        if count >= MAX_COMBINATIONS:
            break
        values = {role: c.value for role, c in zip(roles, combination, strict=True)}
        held = sum(bool(relation.holds(values)) for relation in RELATIONS)
        scored.append((held, sum(c.reading for c in combination),
                       dict(zip(roles, combination, strict=True))))
    top = max(held for held, _, _ in scored)
    # Every assignment satisfying the most relations: a figure is confirmed only when all of
    # them give it the same value and confirm it (a tie between readings decides nothing).
    bests = sorted(((order, pick) for held, order, pick in scored if held == top),
                   key=lambda best: best[0])
    chosen = bests[0][1]
    values = {role: c.value for role, c in chosen.items()}
    confirmed: dict[str, list[str]] = {role: [] for role in roles}
    for relation in RELATIONS:
        if relation.holds(values):
            for role in relation.roles:
                confirmed[role].append(relation.says)
    for _, other in bests[1:]:
        other_values = {role: c.value for role, c in other.items()}
        for role in roles:
            if other_values[role] != values[role] or not any(
                    relation.holds(other_values) for relation in RELATIONS
                    if role in relation.roles):
                confirmed[role] = []
    failing = any(relation.holds({r: c.value for r, c in pick.items()}) is False
                  for _, pick in bests for relation in RELATIONS)
    accepted: dict[str, list[str]] = {}
    reasons: dict[str, str] = {}
    for role in roles:
        key = _role_key(role, group, year, prior)
        says = confirmed[role]
        reasons[role] = "" if says else UNCONFIRMED[_has_partner(role, values)]
        if says and failing and (len(candidates[key]) > 1 or seen.get(key, 1) < 2):
            says, reasons[role] = [], _HELD_BACK
        accepted[role] = says
    _only_by_accepted(roles, accepted, reasons)
    verdicts = []
    for role in roles:
        if role == COMMENTARY:
            continue  # evidence only: the commentary's text is loaded as printed
        key = _role_key(role, group, year, prior)
        says, pick = accepted[role], chosen[role]
        # Another reading may still settle it: it was read once, or read differently, or a
        # figure it is checked against is itself unsettled. (A Difference two readings read
        # alike, against two settled years, is the report's own slip: reading on cannot help.)
        unsettled = seen.get(key, 1) < 2 or len(candidates[key]) > 1 or any(
            not accepted[other] for relation in RELATIONS if role in relation.roles
            for other in relation.roles if other != role and other in accepted
            and other != COMMENTARY)
        verdicts.append(Verdict(
            key, pick.value if says else None, pick.reading if says else None, says,
            candidates[key], reasons[role],
            not says and _has_partner(role, values) and unsettled))
    return verdicts


def _only_by_accepted(roles: Sequence[str], accepted: dict[str, list[str]],
                      reasons: dict[str, str]) -> None:
    """A relation confirms a figure only while the figures it ties it to are accepted too (the
    commentary always counts: its text is loaded as printed). A figure held back cannot vouch
    for another: the 2019/20 300 dpi scan read a dashboard's '77' as 7 twice and the Top
    Ten's as 7 once and 77 once; the Top Ten's was held back, and the dashboard's 7 was loaded
    on its word. Repeated until nothing changes (acceptance only shrinks)."""
    changed = True
    while changed:
        changed = False
        for role in roles:
            if role == COMMENTARY or not accepted[role]:
                continue
            kept = [relation.says for relation in RELATIONS
                    if role in relation.roles and relation.says in accepted[role]
                    and all(other in (role, COMMENTARY) or accepted.get(other)
                            for other in relation.roles)]
            if kept != accepted[role]:
                accepted[role], changed = kept, True
                if not kept:
                    reasons[role] = _PARTNER_HELD_BACK


_PARTNER_HELD_BACK = ("the figures that restate it were not accepted themselves (a relation of "
                      "its group fails, and fewer than two readings agree on them)")


_HELD_BACK = ("a relation of its group fails (a printed slip or a misread), and fewer than two "
              "readings agree on it")


UNCONFIRMED = {
    False: "nothing in the report restates it (no Top Ten, year or Difference figure read)",
    True: "it disagrees with the figures that restate it (Top Ten, other year, Difference, "
          "commentary)"}


def _has_partner(role: str, values: Mapping[str, float | None]) -> bool:
    return any(values.get(r) is not None for relation in RELATIONS if role in relation.roles
               for r in relation.roles if r != role)


def verify_figures(readings: Sequence[Mapping[str, Sequence[Record]]],
                   report_year: str) -> dict[FigureKey, Verdict]:
    """A verdict for every figure any reading saw."""
    prior = previous_financial_year(report_year)
    per_reading = [{**figures(r), **restated_figures(r, report_year)} for r in readings]
    candidates = candidates_by_key(per_reading)
    seen: dict[FigureKey, int] = {}
    for reading in per_reading:
        for key in reading:
            seen[key] = seen.get(key, 0) + 1
    verdicts: dict[FigureKey, Verdict] = {}
    for group in sorted(_groups(candidates)):
        for verdict in verify_group(group, candidates, report_year, prior, seen):
            verdicts[verdict.key] = verdict
    return verdicts
