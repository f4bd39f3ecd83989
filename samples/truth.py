"""Golden file -> the rows the warehouse should hold, and a score of what it does hold.

Written from the golden JSON only, never from the pipeline's output; used by both
bench/layouts.py and tests/test_layout_fuzz.py. Pure Python plus a read-only DuckDB query
(no PDF library), so the tests need nothing beyond the test extra.

Keys carry the catalogue directorate: a reorganised area printed under another directorate
(samples/fuzz.py `moved_areas`) is still expected under its catalogue directorate.
Commitments printed without numbers are expected numbered in printed order (the golden
numbers are 1..n in printed order, so the expected item_no is the golden one).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

# The golden file lists figures in printed column order; this is what each column means.
GOLDEN_COLUMNS = {
    "s1_received": (1, "received"), "s1_upheld_pct": (1, "upheld_pct"),
    "s1_escalated": (1, "escalated"), "s2_received": (2, "received"),
    "s2_upheld_pct": (2, "upheld_pct"),
    "s2_upheld_not_upheld_s1_pct": (2, "upheld_not_upheld_prev_pct"),
    "s2_escalated": (2, "escalated"), "s3_received": (3, "received"),
    "s3_upheld_pct": (3, "upheld_pct"),
    "s3_upheld_not_upheld_s2_pct": (3, "upheld_not_upheld_prev_pct"),
}
MEASURES = ("received", "upheld_pct", "escalated", "upheld_not_upheld_prev_pct")
TEXT_FIELDS = ("key_themes", "service_response", "complaints_team_comment")
FIGURE_TABLES = ("stage_outcomes", "top_ten")
_DASHES = re.compile(r"[\u2010-\u2015\u2212-]")

FigureKey = tuple[str, str, str, str, int, str]  # table, directorate, area, period, stage, measure
RowKey = tuple[Any, ...]


def folded(text: str | None) -> str:
    """Whitespace and dash variants folded; nothing else forgiven (the documented folding)."""
    return re.sub(r"\s+", " ", _DASHES.sub("-", text or "")).strip()


def next_year(period: str) -> str:
    start = int(period[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}"


def expected_figures(golden: dict) -> dict[FigureKey, float | None]:
    """Every printed figure cell: Comparative Data (stage_outcomes) and Top Ten, current and
    prior year; None is a printed 'N/A'. Measures a stage does not print are not cells."""
    cells: dict[FigureKey, float | None] = {}
    for table, entries in (("stage_outcomes", golden["dashboards"]), ("top_ten",
                                                                      golden["top_ten"])):
        for entry in entries:
            figures = entry["comparative"] if table == "stage_outcomes" else entry
            for period, values in ((golden["report_year"], figures["current"]),
                                   (golden["prior_year"], figures["prior"])):
                for column, value in zip(golden["figure_columns"], values, strict=True):
                    stage, measure = GOLDEN_COLUMNS[column]
                    cells[(table, entry["directorate"], entry["service_area"], period, stage,
                           measure)] = value
    return cells


def expected_commentary(golden: dict) -> dict[RowKey, str | None]:
    """Every Analysis cell: (directorate, area, stage, field) -> text (None: printed empty)."""
    return {(d["directorate"], d["service_area"], row["stage"], name): row[name]
            for d in golden["dashboards"] for row in d["analysis"] for name in TEXT_FIELDS}


def expected_commitments(golden: dict) -> dict[RowKey, tuple[str, str | None]]:
    """Every commitment: (directorate, area, year, item_no) -> (commitment, progress).
    Next year's commitments have no progress (None)."""
    this_year, coming = golden["report_year"], next_year(golden["report_year"])
    rows: dict[RowKey, tuple[str, str | None]] = {}
    for d in golden["dashboards"]:
        for item in d["commitments_current"]:
            rows[(d["directorate"], d["service_area"], this_year, item["item_no"])] = (
                item["commitment"], item["progress"])
        for item in d["commitments_next"]:
            rows[(d["directorate"], d["service_area"], coming, item["item_no"])] = (
                item["commitment"], None)
    return rows


# -- what a warehouse holds for one file ----------------------------------------------------

@dataclass
class Loaded:
    figures: list[tuple[FigureKey, float | None]]  # every loaded cell, duplicates kept
    commentary: list[tuple[RowKey, str | None]]
    commitments: list[tuple[RowKey, tuple[str, str | None]]]
    quarantine: list[tuple[str, str, str, int]]  # table_name, field, reason, page
    found: bool  # the file is in the warehouse at all
    item_no_inferred: set[bool] = field(default_factory=set)  # over every commitment row
    findings: list[tuple[str, str | None]] = field(default_factory=list)  # check, area


def loaded_rows(db: Path, file_name: str) -> Loaded:
    """One file's rows, read through the warehouse's documented tables (docs/schema.md)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        def rows(sql: str) -> list[tuple]:
            return con.execute(sql, [file_name]).fetchall()

        found = bool(rows("SELECT 1 FROM reports WHERE file_name = ?"))
        figures: list[tuple[FigureKey, float | None]] = []
        for table in FIGURE_TABLES:
            for directorate, area, period, stage, *values in rows(
                    f"SELECT directorate, service_area, period, stage, {', '.join(MEASURES)} "
                    f"FROM {table} JOIN reports USING (report_id) WHERE file_name = ?"):
                for measure, value in zip(MEASURES, values, strict=True):
                    figures.append(((table, directorate, area, period, stage, measure), value))
        commentary = []
        for directorate, area, stage, *texts in rows(
                f"SELECT directorate, service_area, stage, {', '.join(TEXT_FIELDS)} "
                "FROM commentary JOIN reports USING (report_id) WHERE file_name = ?"):
            for name, text in zip(TEXT_FIELDS, texts, strict=True):
                commentary.append(((directorate, area, stage, name), text))
        commitments = [((d, a, y, n), (c, p)) for d, a, y, n, c, p in rows(
            "SELECT directorate, service_area, commitment_year, item_no, commitment, progress "
            "FROM service_commitments JOIN reports USING (report_id) WHERE file_name = ?")]
        quarantine = rows("SELECT table_name, field, reason, page FROM quarantine "
                          "JOIN reports USING (report_id) WHERE file_name = ? "
                          "ORDER BY page, table_name, field, reason")
        inferred = {r[0] for r in rows("SELECT DISTINCT item_no_inferred FROM "
                                       "service_commitments JOIN reports USING (report_id) "
                                       "WHERE file_name = ?")}
        findings = rows("SELECT check_name, service_area FROM data_quality_issues "
                        "JOIN reports USING (report_id) WHERE file_name = ?")
        return Loaded(figures, commentary, commitments, quarantine, found, inferred, findings)
    finally:
        con.close()


# -- scoring --------------------------------------------------------------------------------

@dataclass
class Score:
    """Counts for one file (or a sum of files): recall, wrong values, quarantine."""

    files: int = 0
    files_failed: int = 0
    figure_cells: int = 0
    figures_recalled: int = 0
    figures_wrong: int = 0
    figures_nulled: int = 0  # loaded NULL where golden has a number (a failed value's load)
    commentary_cells: int = 0
    commentary_exact: int = 0
    commentary_similarity: float = 0.0  # sum of difflib ratios, one per expected cell
    commitment_rows: int = 0
    commitments_recalled: int = 0
    texts_wrong: int = 0
    quarantined: int = 0
    wrong_examples: list[str] = field(default_factory=list)
    quarantine_reasons: Counter = field(default_factory=Counter)

    @property
    def values_wrong(self) -> int:
        return self.figures_wrong + self.texts_wrong

    def add(self, other: Score) -> None:
        for name in ("files", "files_failed", "figure_cells", "figures_recalled",
                     "figures_wrong", "figures_nulled", "commentary_cells", "commentary_exact",
                     "commentary_similarity", "commitment_rows", "commitments_recalled",
                     "texts_wrong", "quarantined"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wrong_examples += other.wrong_examples[: max(0, 20 - len(self.wrong_examples))]
        self.quarantine_reasons.update(other.quarantine_reasons)


def _ratio(got: str | None, want: str | None) -> float:
    return difflib.SequenceMatcher(None, folded(got), folded(want)).ratio()


def score(golden: dict, loaded: Loaded, failed: bool = False) -> Score:
    """Compare one file's loaded rows with its golden file. A loaded value counts as wrong
    when it differs from the golden value, belongs to a key the golden file does not have,
    or repeats a key already loaded; a NULL loaded for a printed number is counted apart
    (`figures_nulled`: the pipeline loads a value it quarantines as NULL)."""
    result = Score(files=1, files_failed=int(failed or not loaded.found))
    figures = expected_figures(golden)
    result.figure_cells = len(figures)
    seen: set = set()
    for key, value in loaded.figures:
        if key in figures and key not in seen:
            if value == figures[key]:
                result.figures_recalled += 1
            elif value is None:  # the pipeline loads a value that failed as NULL
                result.figures_nulled += 1
            else:
                result.figures_wrong += 1
                result.wrong_examples.append(f"{key}: {value!r} != {figures[key]!r}")
        elif value is not None:  # a measure the stage does not print, or a duplicate
            result.figures_wrong += 1
            result.wrong_examples.append(f"{key}: {value!r} not in golden (or repeated)")
        seen.add(key)

    commentary = expected_commentary(golden)
    result.commentary_cells = len(commentary)
    got_text: dict[RowKey, str | None] = {}
    for key, text in loaded.commentary:
        if key in got_text or key not in commentary:
            if folded(text):
                result.texts_wrong += 1
                result.wrong_examples.append(f"commentary {key}: not in golden (or repeated)")
            continue
        got_text[key] = text
        if folded(text) != folded(commentary[key]):
            result.texts_wrong += 1
            result.wrong_examples.append(f"commentary {key}: {text!r} != {commentary[key]!r}")
    for key, want in commentary.items():
        got = got_text.get(key)
        result.commentary_similarity += _ratio(got, want) if key in got_text else 0.0
        result.commentary_exact += key in got_text and folded(got) == folded(want)

    commitments = expected_commitments(golden)
    result.commitment_rows = len(commitments)
    got_rows: dict[RowKey, tuple[str, str | None]] = {}
    for key, (text, progress) in loaded.commitments:
        if key in got_rows or key not in commitments:
            result.texts_wrong += 1 + bool(folded(progress))
            result.wrong_examples.append(f"commitment {key}: not in golden (or repeated)")
            continue
        got_rows[key] = (text, progress)
        want_text, want_progress = commitments[key]
        wrong = (folded(text) != folded(want_text)) + (folded(progress) != folded(want_progress))
        result.texts_wrong += wrong
        if wrong:
            result.wrong_examples.append(f"commitment {key}: {(text, progress)!r} != "
                                         f"{(want_text, want_progress)!r}")
        else:
            result.commitments_recalled += 1

    result.quarantined = len(loaded.quarantine)
    result.quarantine_reasons.update(f"{table}.{fld}: {reason}"
                                     for table, fld, reason, _page in loaded.quarantine)
    return result


def variant_batches(entries: list[dict]) -> list[list[dict]]:
    """Layout variants grouped so that no batch holds two of one golden report: a report's
    identity is (council, year), so each batch is ingested as a council of its own (the
    variants print the same council and year, and would otherwise be re-issues of each other)."""
    batches: list[list[dict]] = []
    seen: Counter = Counter()
    for entry in entries:
        index = seen[entry["golden"]]
        seen[entry["golden"]] += 1
        if index == len(batches):
            batches.append([])
        batches[index].append(entry)
    return batches


def ingest_variants(entries: list[dict], folder: Path, db: Path, workers: int = 2,
                    limits: Any = None) -> list[Any]:
    """Ingest every entry's PDF into `db`, one council per batch (see variant_batches); the
    outcomes of every file. `limits`: the ingest's bounds (its defaults if None)."""
    from pipeline.run import ingest

    outcomes: list[Any] = []
    for number, batch in enumerate(variant_batches(entries), start=1):
        summary = ingest([folder / e["file"] for e in batch], db, workers=workers,
                         council=f"Layout Variants {number}", limits=limits)
        outcomes.extend(summary.outcomes)
    return outcomes

