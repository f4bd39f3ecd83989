"""Extraction: PDF pages -> blocks (tables and text lines, each with its page) -> table families.

`document` reads a PDF into a stream of blocks; `sections` splits the stream into service-area
dashboards; one module per table family turns blocks into raw (still textual) rows.
"""

EXTRACTOR_NAME = "pdfplumber-tables"
# 1.1: the aligned table strategy (tables without rules); 1.1.1: its text tables of one column,
# ended by a paragraph under them, and cut cells under a repeated header; 1.1.2: tight grouped
# headers, and text printed under a table header that no strategy read kept in quarantine;
# 1.2: page sources (pdfium, the default, and pdfminer: pipeline/extract/page_source.py);
# 1.2.1: words told apart at a gap over a fifth of the font size (cells.WORD_GAP), not 3 pt;
# a glyph without Unicode ('(cid:N)') folds as a separator in names, quarantines prose;
# 1.2.2: text a reader never sees (drawn invisibly, or under an opaque page image: a scan's
# OCR layer) is left out, its page read by our own OCR; 1.3: a page scanned under 150 dpi read
# by PP-OCR (extract/ocr_ppocr.py), OCR'd year labels and titles read through their slips
EXTRACTOR_VERSION = "1.3.0"
