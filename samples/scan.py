"""Scanned renderings of the sample reports: what a printed committee copy looks like after
a trip through an office scanner.

Each page of a committed sample PDF is rendered with pypdfium2 at the scan's resolution,
in greyscale, turned by a slight skew, blurred a little (the scanner's optics), given noise
(paper grain and sensor noise), and saved as a JPEG at quality 60 inside a PDF of the same
page size, with no text layer and no creation date. Seeded (the seed plus the resolution):
the same arguments make the same images, and with the same Pillow and libjpeg the same bytes.

    .venv/bin/python samples/scan.py                 # the three golden years at 100/150/300 dpi
    .venv/bin/python samples/scan.py --years 2018-19 --dpi 150
    .venv/bin/python samples/scan.py --years 2018-19 --dpi 150 --pages 1 2   # the suite's

Output: tests/fixtures/pdfs/scanned/complaints-YYYY-YY-scanDPI.pdf, committed: the 2017/18,
2018/19 and 2019/20 ruled Word renderings at 100, 150 and 300 dpi (nine files, about 21 MB),
which bench/ocr.py measures, and the 2018/19 first two pages at 150 dpi, which
tests/test_ocr.py reads (the same images as the full scan's first two pages: the seed draws
page by page). A sub-folder, so the ruled-sample globs of other tests and benches
(tests/fixtures/pdfs/*.pdf) do not pick them up. Golden truth is the year's golden file, as
for every other rendering. Needs the `ocr` extra (numpy, Pillow).
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "tests" / "fixtures" / "pdfs"
OUT = SOURCES / "scanned"  # committed: the bench's full scans and the suite's two pages
YEARS = ("2017-18", "2018-19", "2019-20")
RESOLUTIONS = (100, 150, 300)
JPEG_QUALITY = 60
# "Slight": a page fed a little crooked turns by a fraction of a degree.
MAX_SKEW_DEGREES = 0.8
# Grey-level noise (standard deviation, of 255) and speckles per million pixels.
NOISE_SIGMA = 3.0
SPECKLES_PER_MILLION = 40


def source_for(year: str) -> Path:
    """The ruled Word rendering: a council's committee copy is printed from Word."""
    return SOURCES / f"complaints-{year}-word.pdf"


def scanned_page(page: pdfium.PdfPage, dpi: int, rng: np.random.Generator) -> Image.Image:
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    skew = float(rng.uniform(0.2, MAX_SKEW_DEGREES) * rng.choice([-1, 1]))
    image = image.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(radius=0.35 * dpi / 100))
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels + rng.normal(0.0, NOISE_SIGMA, pixels.shape)
    speckles = int(pixels.size * SPECKLES_PER_MILLION / 1e6)
    rows = rng.integers(0, pixels.shape[0], speckles)
    cols = rng.integers(0, pixels.shape[1], speckles)
    pixels[rows, cols] = rng.uniform(0, 120, speckles)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")


def scan_pdf(source: Path, dpi: int, seed: int, first: int = 1, last: int = 0) -> bytes:
    """The PDF's pages (`first` to `last`, 1-based; 0: to the end) as greyscale JPEG images,
    one per page, the page size kept."""
    rng = np.random.default_rng(seed)
    document = pdfium.PdfDocument(source)
    try:
        pages = [scanned_page(document[i], dpi, rng)
                 for i in range(first - 1, last or len(document))]
    finally:
        document.close()
    out = io.BytesIO()
    # No dates: a re-made scan is the same file, so a commit shows only real changes.
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi,
                  quality=JPEG_QUALITY, creationDate=None, modDate=None)
    return out.getvalue()


def scan_name(year: str, dpi: int, pages: tuple[int, int] | None = None) -> str:
    part = f"-pages{pages[0]}-{pages[1]}" if pages else ""
    return f"complaints-{year}-scan{dpi}{part}.pdf"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", nargs="*", default=list(YEARS))
    parser.add_argument("--dpi", nargs="*", type=int, default=list(RESOLUTIONS))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--pages", nargs=2, type=int, metavar=("FIRST", "LAST"),
                        help="only these pages (the suite's small scan: --pages 1 2)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pages = tuple(args.pages) if args.pages else None
    for year in args.years:
        for dpi in args.dpi:
            target = args.out / scan_name(year, dpi, pages)
            target.write_bytes(scan_pdf(source_for(year), dpi, args.seed + dpi,
                                        *(pages or (1, 0))))
            print(f"{target}: {target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
