"""The committed scans (tests/fixtures/pdfs/scanned/) are samples/scan.py's renderings of the
ruled Word samples from its seed: every golden year at every resolution, whole, and their
images the ones the script makes (checked on one page at 100 dpi: cheap, about a second).
bench/ocr.py measures these files; it does not re-render them."""

from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from samples import scan

SEED = 14  # samples/scan.py's default; each resolution's scan draws from SEED + dpi


def page_image(path, index: int) -> np.ndarray:
    """The page's one image as stored (the JPEG decoded), not a rendering of the page."""
    document = pdfium.PdfDocument(path)
    try:
        page = document[index]
        [image] = [o for o in page.get_objects() if o.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]
        return np.asarray(image.get_bitmap().to_pil().convert("L"), dtype=np.int16)
    finally:
        document.close()


def page_sizes(path) -> list[tuple[float, float]]:
    document = pdfium.PdfDocument(path)
    try:
        return [document[i].get_size() for i in range(len(document))]
    finally:
        document.close()


@pytest.mark.parametrize("year", scan.YEARS)
def test_every_year_is_committed_whole_at_every_resolution(year):
    source = page_sizes(scan.source_for(year))
    for dpi in scan.RESOLUTIONS:
        path = scan.OUT / scan.scan_name(year, dpi)
        # Every page, the page size kept to within the pixel the image's size rounds to.
        scanned = page_sizes(path)
        assert len(scanned) == len(source), path.name
        assert scanned == [pytest.approx(size, abs=72 / dpi) for size in source], path.name
        document = pdfium.PdfDocument(path)
        try:
            assert not document[0].get_textpage().get_text_range().strip()  # no text layer
        finally:
            document.close()


def test_a_committed_page_is_what_scan_py_makes_from_its_seed():
    committed = page_image(scan.OUT / scan.scan_name("2017-18", 100), 0)
    source = pdfium.PdfDocument(scan.source_for("2017-18"))
    try:
        def made(seed: int) -> np.ndarray:
            image = scan.scanned_page(source[0], 100, np.random.default_rng(seed))
            return np.asarray(image, dtype=np.int16)

        ours, other_seed = made(SEED + 100), made(SEED + 101)
    finally:
        source.close()
    assert ours.shape == committed.shape == (1170, 827)  # A4 at 100 dpi
    # Compared before JPEG, so a different libjpeg cannot fail it: quality 60 moves a few
    # pixels at ink edges by up to ~80 grey levels (15 pixels of 967,590 here). Another
    # skew and noise (another seed) moves ink edges by whole pixels: thousands of them.
    far = np.abs(ours - committed) > 64
    assert far.sum() < committed.size / 10_000
    assert (np.abs(other_seed - committed) > 64).sum() > committed.size / 1_000


@pytest.mark.parametrize("year, dpi", [("2018-19", 150), ("2017-18", 100)])
def test_the_suites_two_page_scans_are_the_full_scans_first_pages(year, dpi):
    """tests/test_ocr.py and test_ocr_coarse_scan.py read two pages, not the bench's whole
    scan: they are the same images (samples/scan.py --pages 1 2 draws the same seed)."""
    cut = scan.OUT / scan.scan_name(year, dpi, (1, 2))
    whole = scan.OUT / scan.scan_name(year, dpi)
    assert len(page_sizes(cut)) == 2
    for index in (0, 1):
        assert np.array_equal(page_image(cut, index), page_image(whole, index)), index
