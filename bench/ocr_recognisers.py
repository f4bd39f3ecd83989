"""Recognisers compared on a scan's figure words: Tesseract's first reading (as the pipeline
reads a page at 150 dpi and over) against PP-OCR (ocr_ppocr, the recogniser of scans under
150 dpi), the page enlarged two and three times, each scored word by word against the text
PDF the scan was made from (issue 14: the 2017/18 scan at 100 dpi, 6.5 pt print).

Every figure word the text PDF prints (a count, a percentage, a signed Difference, 'N/A', with
or without brackets; in tables and prose alike) is looked for among each reading's words: the
nearest word whose centre is within 6 points of its own. Printed per reading: words read
right, read as something else, not found, and the seconds taken; then the words some reading
read right; then each reading's commonest misreadings.

    .venv/bin/python bench/ocr_recognisers.py                    # 2017/18 at 100 dpi
    .venv/bin/python bench/ocr_recognisers.py --year 2019-20 --dpi 150 --pages 1 2
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import pdfplumber  # noqa: E402

from pipeline.extract.ocr import Reading as OcrReading  # noqa: E402
from pipeline.extract.ocr import read_page  # noqa: E402
from pipeline.extract.ocr_image import render_page, straighten  # noqa: E402
from pipeline.extract.ocr_ppocr import recognise  # noqa: E402
from samples import scan  # noqa: E402

FIGURE = re.compile(r"^(?:[(+\-]?\d{1,5}%?\)?|\(?N/A\)?)$")
NEAR = 6.0  # points between centres
Word = tuple[str, float, float]  # text, centre x, centre y (points)


def nearest(words: list[Word], x: float, y: float) -> str | None:
    best, distance = None, NEAR
    for text, wx, wy in words:
        if abs(wx - x) + abs(wy - y) < distance:
            best, distance = text, abs(wx - x) + abs(wy - y)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", default="2017-18")
    parser.add_argument("--dpi", type=int, default=100)
    parser.add_argument("--pages", nargs="*", type=int, help="1-based; default: every page")
    parser.add_argument("--enlargements", nargs="*", type=int, default=[2, 3])
    args = parser.parse_args(argv)
    path = scan.OUT / scan.scan_name(args.year, args.dpi)
    dpi = min(450, max(300, 3 * args.dpi))  # as ocr.first_reading reads with Tesseract
    tesseract = OcrReading(f"Tesseract otsu@{dpi}dpi", dpi, "otsu")
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    misread: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    seconds: Counter[str] = Counter()
    with pdfplumber.open(scan.source_for(args.year)) as pdf:
        for index, page in enumerate(pdf.pages):
            if args.pages and index + 1 not in args.pages:
                continue
            printed = [w for w in page.extract_words() if FIGURE.match(w["text"])]
            clock = time.monotonic()
            first = read_page(path, index, tesseract, 600)
            seconds[tesseract.name] += time.monotonic() - clock
            readings = {tesseract.name: [(w.text, (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2)
                                         for w in first.words]}
            grey = straighten(render_page(path, index, args.dpi), first.skew_degrees)
            for times in args.enlargements:
                name = f"PP-OCRv6 small, enlarged {times}x"
                clock = time.monotonic()
                big = cv2.resize(grey, None, fx=times, fy=times, interpolation=cv2.INTER_CUBIC)
                words = recognise(big, args.dpi * times)
                seconds[name] += time.monotonic() - clock
                readings[name] = [(w.text, (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2)
                                  for w in words]
            for word in printed:
                x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
                right = False
                for name, words in readings.items():
                    read = nearest(words, x, y)
                    verdict = "right" if read == word["text"] else \
                        "not found" if read is None else "misread"
                    tallies[name][verdict] += 1
                    if verdict == "misread":
                        misread[name][(word["text"], str(read))] += 1
                    right = right or read == word["text"]
                tallies["some reading"]["right" if right else "none right"] += 1
    total = sum(tallies["some reading"].values())
    print(f"{path.name}: {total} printed figure words")
    print("| reading | right | misread | not found | seconds |")
    print("|---|---|---|---|---|")
    for name, tally in tallies.items():
        print(f"| {name} | {tally['right']} | {tally['misread']} | {tally['not found']} | "
              f"{seconds[name]:.0f} |" if name != "some reading" else
              f"| some reading right | {tally['right']} | – | – | – |")
    for name, pairs in misread.items():
        print(f"- {name}: " + ", ".join(f"{want!r} as {got!r} ×{n}"
                                        for (want, got), n in pairs.most_common(8)))


if __name__ == "__main__":
    main()
