"""pdfplumber's table finder (edges -> intersections -> cells -> tables), the same tables, with
its slowest step done the same way faster.

`pdfplumber.table.intersections_to_cells` asks, for each pair of points it tries, whether one
edge joins them, and builds both points' sets of edge boxes again every time it asks (60,000
times for the ten sample reports), and scans every later point for those directly below and
to the right. Here each point's edge boxes are made once and the points are grouped by x and
by y once; the points are tried in the same order, so the cells are the same, in the same order
(tests/test_table_finder.py compares them with pdfplumber's own on every sample page).
"""

from __future__ import annotations

import math
from typing import Any

from pdfplumber import table as plumber_table
from pdfplumber.page import Page
from pdfplumber.table import Table, TableFinder, TableSettings, cells_to_tables
from pdfplumber.utils import obj_to_bbox

Point = tuple[float, float]
Bbox = tuple[float, float, float, float]


def intersections_to_cells(intersections: dict[Point, dict[str, list[Any]]]) -> list[Bbox]:
    """`pdfplumber.table.intersections_to_cells`: every point's smallest cell, in the order of
    the sorted points."""
    points = sorted(intersections)
    if any(math.isnan(x) or math.isnan(y) for x, y in points):  # NaN groups nowhere
        return plumber_table.intersections_to_cells(intersections)  # type: ignore[arg-type]
    vertical = {p: {obj_to_bbox(e) for e in edges["v"]} for p, edges in intersections.items()}
    horizontal = {p: {obj_to_bbox(e) for e in edges["h"]} for p, edges in intersections.items()}
    column: dict[float, list[Point]] = {}  # points of one x, by y (the sorted order)
    row: dict[float, list[Point]] = {}  # points of one y, by x
    for point in points:
        column.setdefault(point[0], []).append(point)
        row.setdefault(point[1], []).append(point)

    def joined(p1: Point, p2: Point) -> bool:
        return (p1[0] == p2[0] and not vertical[p1].isdisjoint(vertical[p2])) or \
            (p1[1] == p2[1] and not horizontal[p1].isdisjoint(horizontal[p2]))

    cells: list[Bbox] = []
    for x, y in points:
        point = (x, y)
        below = [p for p in column[x] if p[1] > y]
        right = [p for p in row[y] if p[0] > x]
        cell = _smallest_cell(point, below, right, intersections, joined)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest_cell(point: Point, below: list[Point], right: list[Point],
                   intersections: dict[Point, Any], joined: Any) -> Bbox | None:
    """pdfplumber's `find_smallest_cell`, over the points below and to the right found once."""
    for below_pt in below:
        if not joined(point, below_pt):
            continue
        for right_pt in right:
            if not joined(point, right_pt):
                continue
            bottom_right = (right_pt[0], below_pt[1])
            if bottom_right in intersections and joined(bottom_right, right_pt) \
                    and joined(bottom_right, below_pt):
                return (point[0], point[1], bottom_right[0], bottom_right[1])
    return None


class _TableFinder(TableFinder):
    """`pdfplumber.table.TableFinder` with the cells found by `intersections_to_cells` above."""

    def __init__(self, page: Page, settings: TableSettings) -> None:
        self.page = page
        self.settings = settings
        self.edges = self.get_edges()
        self.intersections = plumber_table.edges_to_intersections(
            self.edges, settings.intersection_x_tolerance, settings.intersection_y_tolerance)
        self.cells = intersections_to_cells(self.intersections)  # type: ignore[arg-type]
        self.tables = [Table(self.page, group) for group in cells_to_tables(self.cells)]


def find_tables(page: Page, settings: dict[str, Any] | TableSettings) -> list[Table]:
    """`page.find_tables(settings)`: the same tables."""
    return _TableFinder(page, TableSettings.resolve(settings)).tables
