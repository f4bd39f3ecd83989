"""Reporting for bench/layouts.py: per dimension value and overall, from this run's scores."""

from __future__ import annotations

import platform
from collections import defaultdict
from collections.abc import Iterable

from bench.layouts_measure import Measured
from samples import truth

COLUMNS = ("variants", "failed", "figure recall", "commentary similarity", "commentary exact",
           "commitment recall", "values wrong", "of which figures", "figures NULL", "quarantined")


def total(measured: Iterable[Measured]) -> truth.Score:
    summed = truth.Score()
    for m in measured:
        summed.add(m.score)
    return summed


def _share(part: float, whole: int) -> str:
    return f"{part / whole:.2%}" if whole else "-"


def row(label: str, score: truth.Score) -> list[str]:
    similarity = (f"{score.commentary_similarity / score.commentary_cells:.4f}"
                  if score.commentary_cells else "-")
    return [label, str(score.files), str(score.files_failed),
            _share(score.figures_recalled, score.figure_cells), similarity,
            _share(score.commentary_exact, score.commentary_cells),
            _share(score.commitments_recalled, score.commitment_rows),
            str(score.values_wrong), str(score.figures_wrong), str(score.figures_nulled),
            str(score.quarantined)]


def by_dimension(measured: list[Measured]) -> dict[str, dict[str, truth.Score]]:
    """dimension -> value -> summed score (producer and golden file count as dimensions)."""
    groups: dict[str, dict[str, truth.Score]] = defaultdict(lambda: defaultdict(truth.Score))
    for m in measured:
        labels = {"producer": m.entry["producer"], "golden": m.entry["golden"],
                  **m.entry["choices"]}
        for name, value in labels.items():
            groups[name][value].add(m.score)
    return groups


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def machine() -> str:
    import os

    return (f"{platform.platform()}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs")


def isolated_rows(measured: list[Measured]) -> list[list[str]]:
    """One row per drifted value, from the variants that drift only that value (plus a
    value it needs to show, fuzz.REQUIRES)."""
    groups: dict[str, truth.Score] = defaultdict(truth.Score)
    for m in measured:
        drifted = m.entry["drifted"]
        label = ", ".join(f"{k} = {v}" for k, v in drifted.items()) or "neutral (no drift)"
        groups[label].add(m.score)
    return [row(label, score) for label, score in sorted(groups.items())]


def markdown(sections: dict[str, list[Measured]], baseline: list[Measured],
             facts: dict[str, str], dimension_order: list[str]) -> str:
    """The report: run facts; overall (baseline, each plan); each drifted value alone; the
    random mix per dimension value; the most frequent quarantine reasons; wrong values."""
    isolated, mixed = sections["isolated"], sections["mixed"]
    everything = isolated + mixed
    overall = total(everything)
    parts = ["# Layout fuzzer benchmark (bench/layouts.py)", "",
             "Every figure below was measured by the run that wrote this file.", ""]
    parts += [f"- {key}: {value}" for key, value in facts.items()]
    parts += ["", "## Overall", "",
              table(["set", *COLUMNS], [
                  row("baseline: the committed sample PDFs", total(baseline)),
                  row("neutral layout (fuzzer, no drift)",
                      total(m for m in isolated if not m.entry["drifted"])),
                  row("one drifted value at a time", total(m for m in isolated
                                                             if m.entry["drifted"])),
                  row("random mix (every dimension drawn)", total(mixed)),
                  row("all variants", overall)]), ""]
    parts += ["## Each drifted value alone (other dimensions neutral; word + reportlab)", "",
              table(["drift", *COLUMNS], isolated_rows(isolated)), ""]
    groups = by_dimension(mixed)
    parts += ["## Random mix, per dimension value", ""]
    rows = []
    for name in ["producer", "golden", *dimension_order]:
        for value, score in sorted(groups[name].items()):
            rows.append(row(f"{name} = {value}", score))
    parts += [table(["dimension = value", *COLUMNS], rows), ""]
    parts += ["## Most frequent quarantine reasons (rows, all variants)", ""]
    parts += [f"- {count} × {reason}" for reason, count in
              overall.quarantine_reasons.most_common(20)] or ["- none"]
    parts += ["", "## Examples of values loaded wrong", ""]
    wrong = [(m.entry["file"], m.entry["drifted"], example) for m in everything
             for example in m.score.wrong_examples[:2]]
    parts += [f"- `{file}` (drift {drifted}): {example[:300]}"
              for file, drifted, example in wrong[:25]] or ["- none"]
    failed = [f"- {m.entry['file']}: {m.error}" for m in everything if m.error]
    parts += ["", "## Files failed", "", *(failed or ["- none"]), ""]
    return "\n".join(parts)
