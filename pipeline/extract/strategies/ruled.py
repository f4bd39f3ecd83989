"""The `ruled` table strategy: pdfplumber's lines strategy, kept for tables drawn as a grid.

A table counts as ruled only when rules draw its columns: vertical lines, thin bars or
stroked rectangles inside it. Filled rectangles (header or zebra shading) also give
pdfplumber edges, so a borderless table's shaded rows come back as one-row "tables"; they
are not a grid, and their words are left to the `aligned` strategy.
"""

from __future__ import annotations

from typing import Any

from pdfplumber.page import Page
from pdfplumber.table import Table

from pipeline.extract.table_finder import find_tables

TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
# A filled rectangle at most this thick is a rule drawn as a bar (LibreOffice, Chromium).
RULE_THICKNESS = 2.0
# A vertical rule is at least this long (shorter bars are the ends of horizontal rules).
MIN_RULE_LENGTH = 3.0


def vertical_rules(page: Page) -> list[tuple[float, float, float]]:
    """(x, top, bottom) of every vertical rule on the page; shading is not a rule."""
    rules = [(line["x0"], line["top"], line["bottom"]) for line in page.lines
             if abs(line["x1"] - line["x0"]) < 1.0 and line["bottom"] - line["top"]
             >= MIN_RULE_LENGTH]
    for rect in page.rects:
        tall = rect["bottom"] - rect["top"] >= MIN_RULE_LENGTH
        if rect.get("stroke") and tall:
            rules += [(rect["x0"], rect["top"], rect["bottom"]),
                      (rect["x1"], rect["top"], rect["bottom"])]
        elif rect["x1"] - rect["x0"] <= RULE_THICKNESS and tall:
            rules.append(((rect["x0"] + rect["x1"]) / 2, rect["top"], rect["bottom"]))
    return rules


def is_ruled(table: Table, rules: list[tuple[float, float, float]]) -> bool:
    """Two or more vertical rules cross the table: a grid, not shading."""
    x0, top, x1, bottom = table.bbox
    inside = {round(x) for x, r_top, r_bottom in rules
              if x0 - 1 <= x <= x1 + 1 and r_top < bottom - 1 and r_bottom > top + 1}
    return len(inside) >= 2


# Rules closer than this (points) meet; a row's side borders share an end within it.
_RULE_TOLERANCE = 3.0


def closing_rules(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules a page break left out: where the side borders of a table row run on to the foot
    (or down from the top) of the page with no rule across their end, as some producers draw
    a row cut by a page break, the row is closed there so its cells are still read."""
    vertical = [e for e in edges if e["orientation"] == "v"]
    if len(vertical) < 2:
        return []
    horizontal = [e for e in edges if e["orientation"] == "h"]
    ends: dict[float, list[dict[str, Any]]] = {}
    for edge in vertical:
        for y in (edge["top"], edge["bottom"]):
            ends.setdefault(round(y), []).append(edge)
    closing = []
    for y, sides in ends.items():
        if len(sides) < 2:
            continue
        x0, x1 = min(e["x0"] for e in sides), max(e["x1"] for e in sides)
        if any(abs(h["top"] - y) <= _RULE_TOLERANCE and h["x0"] <= x0 + _RULE_TOLERANCE
               and h["x1"] >= x1 - _RULE_TOLERANCE for h in horizontal):
            continue
        closing.append({"x0": x0, "x1": x1, "top": float(y), "bottom": float(y),
                        "width": x1 - x0, "height": 0.0, "orientation": "h",
                        "object_type": "line"})
    return closing


def ruled_tables(page: Page, claimed: Any = None) -> list[Table]:
    rules = vertical_rules(page)
    if len({round(x) for x, _, _ in rules}) < 2:
        return []  # no table here can be ruled (`is_ruled`): skip the table finder
    closing = closing_rules(page.edges)
    settings = {**TABLE_SETTINGS, "explicit_horizontal_lines": closing} if closing \
        else TABLE_SETTINGS
    tables = find_tables(page, settings)  # page.find_tables, its slow step done faster
    return [table for table in tables if is_ruled(table, rules)]
