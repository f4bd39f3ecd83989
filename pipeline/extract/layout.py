"""Recognise tables by what their headers say (vocabulary in schemas/headers.toml).

Pure functions over plain rows of cell strings: no PDF needed to test them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.config import header_vocabulary
from pipeline.normalise import financial_year, fold_name, squash, stage_number

Column = tuple[int, str]  # (stage, measure)


def _folded(text: str | None) -> str:
    return fold_name(text).replace(" and ", " & ")


def has_phrase(text: str | None, phrases: Sequence[str]) -> bool:
    folded = _folded(text)
    return any(_folded(p) in folded for p in phrases)


def starts_with_phrase(text: str | None, phrases: Sequence[str]) -> bool:
    folded = _folded(text)
    return any(folded.startswith(_folded(p)) for p in phrases)


def is_difference_label(text: str | None) -> bool:
    return has_phrase(squash(text), header_vocabulary().tables["difference_row"])


def is_period_label(text: str | None) -> bool:
    return financial_year(text) is not None and len(squash(text)) <= 24


def names_known_table(rows: Sequence[Sequence[str | None]]) -> bool:
    """Does a table's top (first two rows) say what one of the report's tables says? Evidence
    that a document is a complaints report; which family it is, is decided later."""
    phrases = [p for key, listed in header_vocabulary().tables.items()
               if key != "difference_row" for p in listed]
    return any(has_phrase(squash(cell), phrases) for row in rows[:2] for cell in row if cell)


def looks_like_figure_rows(rows: Sequence[Sequence[str | None]]) -> bool:
    """Rows labelled by a year or 'Difference': a comparative table continued without header."""
    labels = [squash(next((c for c in row if c and c.strip()), "")) for row in rows]
    labels = [label for label in labels if label]
    return bool(labels) and all(is_period_label(x) or is_difference_label(x) for x in labels)


def header_stage(text: str) -> int | None:
    for pattern in header_vocabulary().stage_patterns:
        match = pattern.search(text)
        if match:
            return stage_number(match.group(1))
    return None


_PREVIOUS_STAGE = re.compile(r"not\s+upheld\s+at\s+(?:s(?:tage)?\s*)?([123])\b", re.IGNORECASE)
_NEXT_STAGE = re.compile(r"\bto\s+s(?:tage)?\s*([123])\b", re.IGNORECASE)


def column_stage(text: str, measure: str | None) -> int | None:
    """The stage a figure column describes, reading 'not upheld at S1' and 'escalated to S2'
    as pointing at the neighbouring stage rather than the column's own."""
    if measure == "upheld_not_upheld_prev_pct" and (match := _PREVIOUS_STAGE.search(text)):
        return int(match.group(1)) + 1
    if measure == "escalated" and (match := _NEXT_STAGE.search(text)):
        return int(match.group(1)) - 1
    return header_stage(text)


def header_measure(text: str) -> str | None:
    folded = _folded(text)
    for name, phrases in header_vocabulary().measures:
        if any(_folded(p) in folded for p in phrases):
            return name
    return None


def _stage_by_position(i: int, measure: str, explicit: dict[int, Column],
                       canonical: list[Column]) -> int | None:
    """The stage of the canonical column at i's distance from its nearest stage-named column."""
    before = [j for j in explicit if j < i]
    after = [j for j in explicit if j > i]
    for j in ([max(before)] if before else []) + ([min(after)] if after else []):
        k = canonical.index(explicit[j]) + (i - j)
        if 0 <= k < len(canonical) and canonical[k][1] == measure:
            return canonical[k][0]
    return None


def map_figure_columns(header_cells: Sequence[str | None]) -> list[Column | None]:
    """(stage, measure) for each figure header cell; blanks inferred from the canonical order.

    A header without a stage ('% upheld') takes the stage that the canonical order gives its
    position, counted from the nearest column that names its stage (so a '% upheld' after a
    blank 'S2 rec'd' is stage 2's); failing that, the stage of its neighbours.
    """
    texts = [squash(c) for c in header_cells]
    measures = [header_measure(t) if t else None for t in texts]
    stages = [column_stage(t, m) if t else None for t, m in zip(texts, measures, strict=True)]
    canonical = list(header_vocabulary().canonical_columns)
    explicit = {i: (s, m) for i, (s, m) in enumerate(zip(stages, measures, strict=True))
                if s and m and (s, m) in canonical}
    for i, measure in enumerate(measures):
        if measure and stages[i] is None:
            stages[i] = _stage_by_position(i, measure, explicit, canonical)
            if stages[i] is None:
                before = next((stages[j] for j in range(i - 1, -1, -1) if stages[j]), None)
                after = next((stages[j] for j in range(i + 1, len(stages)) if stages[j]), None)
                stages[i] = before or after
    columns: list[Column | None] = [
        (s, m) if s and m else None for s, m in zip(stages, measures, strict=True)
    ]
    for i, column in enumerate(columns):
        # A blank header, or one naming only its stage (a grouped 'Stage 1' over a blank
        # measure cell): the canonical column between its recognised neighbours, which must
        # then be of the printed stage.
        stage_only = bool(texts[i]) and measures[i] is None and header_stage(texts[i]) \
            and len(texts[i]) <= 12
        if column is not None or (texts[i] and not stage_only):
            continue
        printed_stage = header_stage(texts[i]) if stage_only else None
        prev = next((columns[j] for j in range(i - 1, -1, -1) if columns[j]), None)
        nxt = next((columns[j] for j in range(i + 1, len(columns)) if columns[j]), None)
        candidates = []
        if nxt in canonical:
            candidate_index = canonical.index(nxt) - 1
            # A neighbour naming a column the canonical order does not hold ('S1 ... not
            # upheld at', S3 escalated) places nothing; it raised ValueError here.
            if candidate_index >= 0 and (prev not in canonical
                                         or canonical.index(prev) < candidate_index):
                candidates.append(canonical[candidate_index])
        if prev in canonical and canonical.index(prev) + 1 < len(canonical):
            candidates.append(canonical[canonical.index(prev) + 1])
        for candidate in candidates:
            if candidate not in columns and printed_stage in (None, candidate[0]):
                columns[i] = candidate
                break
    return columns
