"""The pieces that give a low-resolution scan its alternative readings, on plain values (no
OCR): OCR's look-alikes folded into figures, an area name one OCR slip from the catalogue's,
figure crops stacked into one image and their texts handed back, and the page a crop reading
makes (a figure the crop could not read is left out, never copied from the first reading).
Misreads are the ones Tesseract made of the 100 dpi scan of the 2018/19 report."""

from __future__ import annotations

import pytest

from pipeline.config import area_catalogue
from pipeline.extract.ocr import OcrPage, OcrWord, figure_token
from pipeline.extract.ocr_crops import (
    replace_figures,
    stack,
    texts_by_band,
    words_to_read_again,
    worth_reading_again,
)
from pipeline.ocr_report import only_pages, sign_lost_reading, unsettled_only
from pipeline.ocr_tables import _known_name
from pipeline.verify_ocr import figure_key, figures
from tests.conftest import PDFS
from tests.test_ocr_verify import YEAR, perfect_reading, verify


@pytest.mark.parametrize(("read", "figure"), [
    ("\u201c12", "-12"),     # a minus read as an opening quote
    ("\u201cll", "-11"),     # ... and the ones as letters
    ("\u201c34%", "-34%"),
    ("22.", "22"),           # a speck after it
    ("2,", "2"),
    ("(0%).", "(0%)"),
    ("(2}", "(2)"),          # a bracket read as a brace
    ("-S0%", "-50%"),        # 'S' for '5' in a percentage
    ("NIA", "N/A"),
    ("O%", "0%"),            # as before: O, I, l in a figure
    ("1l", "11"),
])
def test_lookalikes_fold_into_the_figure_they_stand_for(read, figure):
    assert figure_token(read) == figure


@pytest.mark.parametrize("word", ["S1", "S2", "Homes.", "\u201cTenants", "ll", "-", "8B",
                                  "2019/2020", "Stage", "KPIs."])
def test_words_that_are_not_figures_are_left_as_read(word):
    assert figure_token(word) == word


@pytest.mark.parametrize(("read", "name"), [
    ("Environment Non\nRetum of Bins", "Environment Non Return of Bins"),
    ("Housing - Repalrs", "Housing - Repairs"),
    ("Place - Developmemt\nManagement", "Place - Development Management"),
    ("Non Retum of Bins", "Non Return of Bins"),
])
def test_an_area_name_one_ocr_slip_from_the_catalogue_is_read_as_its_name(read, name):
    catalogue = area_catalogue(None)
    corrected = _known_name(read, catalogue)
    assert corrected.replace("\u2013", "-") == name
    assert catalogue.resolve(corrected)[0] is not None


@pytest.mark.parametrize("read", [
    "Housing - Repairs",              # known: unchanged
    "Housing -\nTransforming\nHomes",
    "Children\u2019s - SEM",          # one letter of three: too far to tell
    "Parking Fines",                  # not in the catalogue at all
])
def test_other_names_are_left_as_printed(read):
    assert _known_name(read, area_catalogue(None)) == read


def test_stacked_crops_sit_a_gap_apart_and_texts_come_back_by_band():
    bands = stack([30, 40, 30], gap=20)
    assert bands == [(20, 50), (70, 110), (130, 160)]
    # Tesseract's words (text, left, top, bottom): two pieces of one crop, one crop empty,
    # one word whose box spills into the gap.
    words = [("(4", 10, 22, 48), ("5)", 40, 21, 49), ("-12", 12, 126, 158)]
    assert texts_by_band(words, bands, gap=20) == ["(45)", "", "-12"]


def word(text: str, x0: float) -> OcrWord:
    return OcrWord(text, x0, 100.0, x0 + 20, 110.0, 90.0)


def test_a_crop_reading_replaces_figures_and_never_copies_one_it_could_not_read():
    first = OcrPage(3, "otsu@300dpi", (word("Repairs", 10), word("22.", 100),
                                       word("6", 130), word("8B", 160), word("2's", 190)),
                    (), 0.1, 5.0)
    chosen = [i for i, w in enumerate(first.words) if worth_reading_again(w)]
    assert chosen == [1, 2, 3, 4]
    page = replace_figures(first, {1: "22", 2: "", 3: "(8)", 4: "2"}, "digits-otsu-3x")
    # '22.' read again as 22; '6' unread: left out (not a copy of the first reading's 6);
    # '8B' read as (8); "2's" (commentary) read as 2.
    assert [w.text for w in page.words] == ["Repairs", "22", "(8)", "2"]
    assert page.reading == "digits-otsu-3x"
    kept = replace_figures(first, {3: "x"}, "digits-otsu-3x")
    assert [w.text for w in kept.words] == ["Repairs", "22.", "6", "8B", "2's"]


# --- the Difference's lost minus, and what counts as a reading -----------------------------

def estates_difference(records: dict, value: float, raw: str) -> dict:
    """`records` with every Difference's text signed as the report prints it ('+32', '-12',
    '0'), and Estates Services' stage 1 received (48 - 92 = -44) read as `value` from `raw`."""
    changed = {name: list(rows) for name, rows in records.items()}
    changed["printed_differences"] = [
        d.model_copy(update={"printed_value": value, "raw_text": raw})
        if (d.service_area, d.stage, d.measure) == ("Estates Services", 1, "received") else
        d.model_copy(update={"raw_text": "N/A" if d.printed_value is None else
                             f"{d.printed_value:+g}" if d.printed_value else "0"})
        for d in records["printed_differences"]]
    return changed


def estates_loaded(result) -> list:
    return [d.printed_value for d in result.records["printed_differences"]
            if (d.service_area, d.stage, d.measure) == ("Estates Services", 1, "received")]


def test_a_difference_read_without_its_minus_is_confirmed_as_negative_by_the_arithmetic():
    reading = estates_difference(perfect_reading(), 44, "44")  # the scan lost the minus
    signs = sign_lost_reading([reading])
    assert [(d.service_area, d.stage, d.measure, d.printed_value, d.raw_text)
            for d in signs["printed_differences"]] == [
        ("Estates Services", 1, "received", -44, "44")]
    assert set(signs) == {"printed_differences"}  # nothing else: no copied figure agrees
    assert estates_loaded(verify(reading, reading)) == []  # 44 contradicts 48 - 92
    result = verify(reading, reading, signs)
    assert estates_loaded(result) == [-44]
    assert [i.detail for i in result.issues if i.check_name == "ocr_verified"
            and i.service_area == "Estates Services" and i.stage == 1
            and i.detail.startswith("printed_differences.received")] == [
        "printed_differences.received S1 rec'd = -44, read by OCR (third), confirmed: this "
        "year − last year = the printed Difference"]


def test_a_signed_difference_is_never_turned_round():
    # '+44' was read with a sign: no candidate is made, and +44 contradicts 48 - 92.
    reading = estates_difference(perfect_reading(), 44, "+44")
    assert sign_lost_reading([reading]) == {"printed_differences": []}
    assert estates_loaded(verify(reading, reading)) == []


def test_only_the_pages_a_reading_read_count_and_only_unsettled_figures_of_a_crop_reading():
    records = perfect_reading()
    page_two = only_pages(records, {2})
    assert {r.page for rows in page_two.values() for r in rows} == {2}
    assert only_pages(records, None) == records
    # A crop reading asked for Repairs' 2018/19 stage 1 received only.
    repairs = next(r for r in records["stage_outcomes"] if r.service_area == "Repairs"
                   and r.period == YEAR and r.stage == 1)
    wanted = figure_key("stage_outcomes", repairs, "received")
    # Every other figure settled, at a value the crops read otherwise: their dissent is left out.
    settled = {k: v + 1 for k, v in figures(records).items() if k != wanted}
    left = unsettled_only(records, settled)
    assert figures(left) == {wanted: 218.0}
    assert "commentary" not in left
    assert all(d.printed_value is None for d in left["printed_differences"])  # N/A only


def test_a_crop_reading_agreeing_with_a_settled_figure_is_a_second_reading_of_it():
    """The 2017/18 300 dpi scan: Housing Solutions' S2 % upheld, 36% and 31% with +5%, was
    confirmed by the first reading and read alike by the crops, but the crops' agreement was
    dropped with their dissent; a page read again then misread the Top Ten's 36% as 3%, and
    the dashboard's figures, read by one reading only, were held back."""
    records = perfect_reading()
    solutions = [r for r in records["stage_outcomes"] if r.service_area == "Housing Solutions"
                 and r.stage == 2]
    keys = [figure_key("stage_outcomes", r, "upheld_pct") for r in solutions]
    found = figures(records)
    settled = {keys[0]: found[keys[0]], keys[1]: found[keys[1]] + 5}  # agrees, dissents
    left = figures(unsettled_only(records, settled))
    assert left[keys[0]] == found[keys[0]]
    assert keys[1] not in left
    # A settled figure the crops could not read at all is not a reading of it either.
    unread = {name: [r.model_copy(update={"upheld_pct": None}) if r in solutions else r
                     for r in rows] if name == "stage_outcomes" else rows
              for name, rows in records.items()}
    assert keys[0] not in figures(unsettled_only(unread, settled))


def test_short_words_among_a_rows_figures_are_read_again_and_words_elsewhere_are_not():
    row = (1, 1, 3)
    words = tuple(OcrWord(text, x, 100.0, x + 15, 110.0, 90.0, row) for text, x in (
        ("2017-2018", 10), ("41", 100), ("36%", 130), ("2", 160), ("i", 190), ("mM", 220),
        ("0%", 250)))
    header = tuple(OcrWord(text, x, 80.0, x + 15, 90.0, 90.0, (1, 1, 2)) for text, x in (
        ("S1", 100), ("rec'd", 130), ("%", 160), ("upheld", 190)))
    chosen = words_to_read_again(header + words)
    assert [(header + words)[i].text for i in chosen] == ["41", "36%", "2", "i", "mM", "0%"]


def _one_image_pdf(pixels, dpi: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(out, format="PDF", resolution=dpi)
    return out.getvalue()


def test_a_low_resolution_scan_is_enlarged_from_its_own_pixels_bicubically():
    """A 100 dpi page image read at 300 dpi: its pixels, enlarged 3x by bicubic interpolation
    (cv2's, compared exactly), not pdfium's smoother rendering; a page image at the reading's
    resolution or finer, and a page with text, are rendered as before (None here)."""
    import cv2
    import numpy as np
    import pypdfium2 as pdfium

    from pipeline.extract.ocr_image import scan_image

    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (144, 72), dtype=np.uint8)  # 0.72 x 1.44 in at 100 dpi
    for data, dpi, want in ((_one_image_pdf(pixels, 100), 300, (216, 432)),
                            (_one_image_pdf(pixels, 300), 300, None),
                            (_one_image_pdf(pixels, 100), 100, None)):
        document = pdfium.PdfDocument(data)
        try:
            page = document[0]
            page_pixels = np.asarray(page.get_objects().__next__().get_bitmap(
                render=False).to_pil().convert("L"))
            got = scan_image(page, dpi)
        finally:
            document.close()
        if want is None:
            assert got is None
        else:
            assert page_pixels.shape == pixels.shape  # (Pillow stores it as a JPEG)
            assert np.array_equal(got, cv2.resize(page_pixels, want,
                                                  interpolation=cv2.INTER_CUBIC))
    text_page = pdfium.PdfDocument(PDFS / "complaints-2018-19-word.pdf")
    try:
        assert scan_image(text_page[0], 300) is None
    finally:
        text_page.close()


def test_a_coarse_scan_whose_tables_ocr_cannot_read_is_told_to_be_scanned_again():
    """The 2017/18 sample's 100 dpi scan: its 6.5 pt figures are 9 pixels high, and OCR reads
    no figure table header. 'Not a complaints report' would be wrong; at 150 dpi and finer,
    where a scan is readable, the error stays as it was."""
    from pipeline.errors import NotAComplaintsReportError
    from pipeline.ocr_report import tables_unread

    error = NotAComplaintsReportError("not a complaints report (no Top Ten or Comparative "
                                      "Data table found)", file_name="c-scan100.pdf")
    assert tables_unread(error, 10, 100).one_line() == (
        "c-scan100.pdf: no Top Ten or Comparative Data table read by OCR on its 10 scanned "
        "pages (100 dpi). A 100 dpi scan is too coarse for OCR to read the tables' small "
        "print: scan the printed copy again at 300 dpi.")
    assert tables_unread(error, 10, 150) is error


# The Comparative Data header of the 2017/18 report's Tenancy & Estates dashboard as Tesseract
# read it at 400 dpi from the 150 dpi scan: the first cell's 'vs' read 've', a speck in the
# S2 'having not been upheld' cell. Read as printed, that cell named '% upheld' again, and the
# S2 % upheld loaded was the next column's (14% and 9%, their Difference +5 agreeing).
ESTATES_HEADER = (
    "Comparison: 2017/18\nve 2016/17", "Stage 1\nwtal", "Saget\npropertion\nupheld",
    "=—s ange1\nreferred to\nStage 2", "Stage 2\nwtal", "Stage 2\nproportion\nupheld",
    "Stage 2\nupheld,\nhaving not\nbeen\n* upheld at\nStage 1", "Stage 2\nreferred te\nStage 3",
    "Stage 3\nwtal", "Stage 3\nproportion\nupheld",
    "Stage3\nupheld,\nhaving not\nbeen\nupheld at\nStage 2")
CANONICAL_LABELS = ("S1 rec'd", "S1 % upheld", "S1 escalated", "S2 rec'd", "S2 % upheld",
                    "% of S2 upheld not upheld at S1", "S2 escalated", "S3 rec'd",
                    "S3 % upheld", "% of S3 upheld not upheld at S2")


def _figure_phrases() -> list[str]:
    from pipeline.config import header_vocabulary

    tables = header_vocabulary().tables
    return [*tables["top_ten"], *tables["comparative"]]


def test_a_figure_header_in_canonical_order_is_read_so_though_its_first_cell_is_misspelt():
    from pipeline.ocr_tables import tidy_figure_header

    assert tidy_figure_header(ESTATES_HEADER, _figure_phrases()) == (
        ESTATES_HEADER[0], *CANONICAL_LABELS)


def test_two_header_cells_naming_one_column_are_both_blanked():
    """Nine figure cells (S1 escalated not read: not the canonical ten, so not read by order):
    the two that name S2 % upheld are made blank, as is the cell that reads as no header. The
    blanks are then the canonical columns between their named neighbours, exactly as many as
    there are blanks (S2 % upheld and % of S2 upheld not upheld at S1 between S2 rec'd and S2
    escalated; S3 % upheld between S3 rec'd and the last). Told from the nearest neighbour
    instead, the first blank was read as '% of S2 upheld not upheld at S1', and S2 % upheld's
    figures would have been loaded as that."""
    from pipeline.ocr_tables import tidy_figure_header

    header = ("Comparison: 2017/18 vs 2016/17", "Stage 1 total", "Stage 1 proportion upheld",
              "Stage 2 total", "Stage 2 proportion upheld",
              "Stage 2 upheld, having not been * upheld at Stage 1",
              "Stage 2 referred to Stage 3", "Stage 3 total", "Stage 3 prwxqt",
              "Stage 3 upheld, having not been upheld at Stage 2")
    assert tidy_figure_header(header, _figure_phrases()) == (
        header[0], "S1 rec'd", "S1 % upheld", "S2 rec'd", "S2 % upheld",
        "% of S2 upheld not upheld at S1", "S2 escalated", "S3 rec'd", "S3 % upheld",
        "% of S3 upheld not upheld at S2")


def test_a_table_that_is_no_figure_table_keeps_its_header():
    from pipeline.ocr_tables import tidy_figure_header

    header = ("", "Service commitments for the year 2018/2019")
    assert tidy_figure_header(header, _figure_phrases()) == header


def test_a_page_read_again_stays_scanned_so_its_header_is_tidied_too():
    """The 2019/20 Council Tax dashboard as adaptive@220dpi read it from the 150 dpi scan
    ('hot at stage 1'): in the document with that page read again, the page is still a scanned
    one, so its header is read as the canonical columns. (Before, a reading again lost its
    scanned pages: raw headers, and S2 % upheld loaded as 0% (0%), the next column's.)"""
    from pipeline.extract.document import DocumentBlocks, TableBlock, TextLine
    from pipeline.ocr_report import with_pages_read_again
    from pipeline.ocr_tables import scanned_pages, tidy_scanned_tables

    header = ("Year on year: 2019-20 v 2018-19", "New stage 1\ncases", "Upheld at\nstage 1",
              "Progressedto\nstage 2", "New stage 2\ncases", "Upheld at\nstage 2",
              "Upheld at\nstage 2 but\nhot at stage 1", "Progressedto\nstage 3",
              "Newstage3\ncases", "Upheld at\nstage 3(%)", "Upheld at\nstage 3 but\nhot at stage 2")
    table = TableBlock(page=2, top=100.0, bottom=200.0, rows=(
        header, ("2019-20", "47", "15%", "5", "5", "20%", "0%", "1", "1", "0%", "0%")))
    scan = OcrPage(1, "otsu@300dpi", (), (), 0.0, 1.0)
    document = DocumentBlocks("c.pdf", 2, [TextLine(1, 10.0, "Council Tax", 20.0)],
                              ocr_pages={1: scan, 2: replace_page(scan, 2)})
    again = with_pages_read_again(document, {2: [table]})
    assert set(scanned_pages(again)) == {1, 2}
    assert [b.page for b in again.blocks] == [1, 2]
    [tidied] = [b for b in tidy_scanned_tables(again, "Thurrock Council").blocks
                if isinstance(b, TableBlock)]
    assert tidied.rows[0] == (header[0], *CANONICAL_LABELS)


def replace_page(scan: OcrPage, page: int) -> OcrPage:
    from dataclasses import replace

    return replace(scan, page=page)


def test_crops_are_read_in_images_tesseract_accepts():
    """Tesseract refuses an image 32,767 pixels high or more: the 212 figure crops of a 300
    dpi page of the 2017/18 report (about 130 pixels each with the gap, enlarged 3x) made one
    36,216 high and the whole file failed. They go into as many images as keep each under
    30,000 pixels, in order."""
    from pipeline.extract.ocr_crops import GAP_PIXELS, MAX_CANVAS_HEIGHT, canvases

    heights = [146] * 212 + [31_000]
    batches = canvases(heights)
    assert [i for batch in batches for i in batch] == list(range(213))
    assert [len(b) for b in batches] == [176, 36, 1]  # 24 + 176 x (146 + 24) = 29,944
    for batch in batches[:-1]:
        assert GAP_PIXELS + sum(heights[i] + GAP_PIXELS for i in batch) <= MAX_CANVAS_HEIGHT
    assert canvases([]) == []


def test_tesseract_failing_is_no_timeout(monkeypatch):
    """pytesseract raises RuntimeError for its timeout and for Tesseract failing alike. A
    failure is an unreadable page (a reading again that fails leaves what was read), not
    'took over 3449.56s', which the file got 152 s in."""
    import pytesseract

    from pipeline.errors import ResourceLimitError, UnreadablePdfError
    from pipeline.extract.ocr import tesseract_data

    def too_large(*args, **kwargs):
        raise pytesseract.TesseractError(1, "Image too large: (306, 36216) Error during "
                                            "processing.")

    def timed_out(*args, **kwargs):
        raise RuntimeError("Tesseract process timeout")

    monkeypatch.setattr(pytesseract, "image_to_data", too_large)
    with pytest.raises(UnreadablePdfError) as failed:
        tesseract_data(None, "--psm 6", 3449.56, 3600)
    assert not isinstance(failed.value, ResourceLimitError)
    assert failed.value.one_line() == (
        "Tesseract could not read a scanned page (Image too large: (306, 36216) Error during "
        "processing.). Report the file to the maintainers.")
    monkeypatch.setattr(pytesseract, "image_to_data", timed_out)
    with pytest.raises(ResourceLimitError) as late:
        tesseract_data(None, "--psm 6", 12.0, 3600)
    assert late.value.one_line().startswith("took over 3600s reading a scanned page")


# --- figure crops cut tight to a word's glyphs ------------------------------------------------

def test_ink_runs_and_the_words_own_band():
    from pipeline.extract.ocr_crops import ink_runs, word_band

    assert ink_runs([False, True, True, False, True]) == [(1, 3), (4, 5)]
    assert ink_runs([True]) == [(0, 1)]
    assert ink_runs([]) == []
    # The row below's glyph tops come into the box's last rows: the band with most ink in
    # the box is the word's.
    runs = [(0, 3), (5, 30), (33, 40)]
    in_box = [0] * 5 + [12] * 25 + [0, 0, 0] + [9] * 5 + [0] * 2
    assert word_band(runs, in_box) == (5, 30)


@pytest.mark.parametrize(("first", "read", "kept"), [
    ("(31%)", "3%", "(3%)"),      # the crop lost the brackets: last year's figure still
    ("a)", "1", "1)"),            # one bracket, as read first (the Top Ten's cell mends it)
    ("(23", "(23)", "(23"),
    ("8B", "(8)", "(8)"),         # no bracket read first: the crop's as read
    ("-11", "+11", "+11"),        # signs are the crop's
])
def test_a_crop_figure_keeps_the_brackets_the_first_reading_read(first, read, kept):
    from pipeline.extract.ocr_crops import with_brackets_of

    assert with_brackets_of(first, read) == kept
    page = OcrPage(1, "otsu@300dpi", (word(first, 100),), (), 0.0, 1.0)
    assert [w.text for w in replace_figures(page, {0: read}, "crops").words] == [kept]


def test_a_crop_holds_the_words_glyphs_alone_at_the_readings_height():
    """A table row's line box from Tesseract reaches into the row below (the 2017/18 300 dpi
    scan's rows are 8 pt apart, their line boxes 11 pt high): line-high crops held the next
    row's glyph tops, and Tesseract read 160 of 312 such crops as nothing."""
    import cv2
    import numpy as np

    from pipeline.extract.ocr_crops import MARGIN, CropReading, _crop, ink_runs

    page = np.full((200, 300), 255, np.uint8)
    cv2.putText(page, "36%", (50, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)   # rows 79-100
    cv2.putText(page, "31%", (50, 140), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)   # rows 119-140
    scale = 300 / 72  # the image as a 300 dpi page: points = pixels / scale
    box = OcrWord("36%", 48 / scale, 76 / scale, 110 / scale, 126 / scale, 90.0, (1, 1, 1))
    reading = CropReading("crops", 40, "otsu")
    crop, enlarged = _crop(page, box, 300, reading)
    margin = int(40 * MARGIN)
    assert crop.shape[0] == 40 + 2 * margin
    inked = list((crop < 128).sum(axis=1) > 0)
    assert len(ink_runs(inked)) == 1  # one band of glyphs: none of the row below's
    assert 1.5 < enlarged < 2.5  # the glyphs, ~21 pixels high, made 40
    blank = np.full((200, 300), 250, np.uint8)  # no ink where the word was read
    assert _crop(blank, box, 300, reading)[0].size == 0
