"""A page's path objects as pdfminer paints them: each subpath one line, rect or curve dict,
in pdfplumber's page coordinates."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from typing import Any

import pypdfium2.raw as pdfium_c

from pipeline.extract.pdfium_base import (
    Matrix,
    Placer,
    Point,
    apply_matrix,
    mult_matrix,
    pdfium_function,
)

# pdfium's bézier segments come as three points; pdfminer's `c` is one operator
_MOVE, _BEZIER = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_BEZIERTO
_INT = ctypes.c_int
_segment_count = pdfium_function("FPDFPath_CountSegments", _INT)
# each path's segments: four calls per point; a segment is a pointer, passed on as is
_segment_of = pdfium_function("FPDFPath_GetPathSegment", pdfium_c.FPDF_PATHSEGMENT)
_point_of = pdfium_function("FPDFPathSegment_GetPoint", _INT)
_segment_kind = pdfium_function("FPDFPathSegment_GetType", _INT)
_segment_closes = pdfium_function("FPDFPathSegment_GetClose", _INT)


def _segments(path: Any) -> list[tuple[str, list[Point]]]:
    """pdfium's path as pdfminer's operators (m, l, c, h), points in the path's own space."""
    ops: list[tuple[str, list[Point]]] = []
    count = _segment_count(path)
    x, y = ctypes.c_float(), ctypes.c_float()
    x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
    start: Point | None = None
    pending: list[Point] = []
    for index in range(count):
        segment = _segment_of(path, index)
        _point_of(segment, x_ref, y_ref)
        point = (x.value, y.value)
        kind = _segment_kind(segment)
        closes = bool(_segment_closes(segment))
        if kind == _MOVE:
            ops.append(("m", [point]))
            start = point
        elif kind == _BEZIER:
            pending.append(point)
            if len(pending) == 3:
                ops.append(("c", pending))
                pending = []
        elif closes and point == start:
            ops.append(("h", []))  # a closing line back to the start is pdfminer's `h`
            continue
        else:
            ops.append(("l", [point]))
        if closes:
            ops.append(("h", []))
    return ops


def _subpaths(ops: list[tuple[str, list[Point]]]) -> Iterator[list[tuple[str, list[Point]]]]:
    current: list[tuple[str, list[Point]]] = []
    for op in ops:
        if op[0] == "m" and current:
            yield current
            current = []
        current.append(op)
    if current:
        yield current


def path_objects(path: Any, ctm: Matrix, placer: Placer,
                  style: dict[str, Any]) -> list[dict[str, Any]]:
    """pdfminer's paint_path: each subpath one line, rect or curve."""
    objects = []
    to_device = mult_matrix(ctm, placer.device)
    for sub in _subpaths(_segments(path)):
        if sub[0][0] != "m":
            continue
        shape = "".join(op for op, _ in sub)
        placed = [[apply_matrix(to_device, x, y) for x, y in points] for _, points in sub]
        first = placed[0][0]  # each point placed once: `pts` and `original` share them
        pts = [points[-1] if points else first for points in placed]
        original = [(op, *points) for (op, _), points in zip(sub, placed, strict=True)]
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"
            pts.pop()
        if shape in ("mlh", "ml"):
            kind, pts = "line", pts[:2]
        elif shape in ("mlllh", "mllll"):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or \
                (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
            kind = "rect" if pts[0] == pts[4] and square else "curve"
        else:
            kind = "curve"
        objects.append(_path_dict(kind, pts, original, placer, style))
    return objects


def _path_dict(kind: str, pts: list[Point], original: list[tuple[Any, ...]], placer: Placer,
               style: dict[str, Any]) -> dict[str, Any]:
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    obj: dict[str, Any] = {**style, "object_type": kind, "page_number": placer.page_number}
    if kind == "rect":  # LTRect's box is its two opposite corners
        (x0, y0), (x1, y1) = pts[0], pts[2]
        xs, ys = [x0, x1], [y0, y1]
    placer.box(obj, min(xs), min(ys), max(xs), max(ys))
    # placer.coord, inlined (the same sums): a page's rules have thousands of points
    left, base = placer.mb_x0, placer.mb_top + placer.height
    obj["pts"] = [(left + x, base - y) for x, y in pts]
    obj["path"] = [(op, *[(left + x, base - y) for x, y in points])
                   for op, *points in original]
    return obj


def path_style(path: Any, ctm: Matrix) -> dict[str, Any]:
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(path, fill_mode, stroke)
    width = ctypes.c_float()
    pdfium_c.FPDFPageObj_GetStrokeWidth(path, width)
    # pdfminer keeps the line width in user space (gstate.linewidth): undo the scale pdfium
    # applies with the object's matrix
    return {"linewidth": width.value, "stroke": bool(stroke.value),
            "fill": fill_mode.value != 0, "evenodd": fill_mode.value == 1,
            "stroking_color": None, "non_stroking_color": None, "dash": None}
