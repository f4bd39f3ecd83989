"""Blocks -> .docx (python-docx) -> PDF (LibreOffice headless), the way a council makes one."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from report_model import (
    DEFAULT_SETUP,
    Block,
    Heading,
    PageBreak,
    PageSetup,
    Paragraph,
    Table,
)

FONT = "Arial"  # LibreOffice prints it with the metric-compatible Liberation Sans
# layout font -> the font a council's Word template names (LibreOffice prints the
# metric-compatible Liberation or DejaVu face found by fontconfig).
FONTS = {
    "sans": FONT,
    "serif": "Times New Roman",
    "sans-narrow": "Arial Narrow",
    "sans-condensed": "DejaVu Sans Condensed",
}
HEADING_SIZES = {0: 16, 1: 14, 2: 12}
FIXED_TIME = dt.datetime(2019, 7, 1, 9, 0, 0)
SOFFICE_TIMEOUT_S = 180


def _set_run_font(run, size: float, bold: bool = False, font: str = FONT) -> None:
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), font)


def _tight(paragraph, after_pt: float = 0) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after_pt)
    fmt.line_spacing = 1.0


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _mark_header_row(row) -> None:
    """Word's 'Repeat as header row at the top of each page'."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _fill_cell(cell, text: str, bold: bool, centred: bool, size: float = 9,
               font: str = FONT) -> None:
    """One paragraph per printed line, as typed in Word."""
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for index, line in enumerate(lines):
        if index:
            paragraph = cell.add_paragraph()
        _tight(paragraph)
        if centred:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if line:
            _set_run_font(paragraph.add_run(line), size, bold, font)


def _borderless(docx_table, header_rows: int) -> None:
    """A borderless table style as councils' templates have it: rules above and below the
    table and between rows, none between columns, and every other body row shaded."""
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        border = OxmlElement(f"w:{side}")
        if side in ("left", "right", "insideV"):
            border.set(qn("w:val"), "nil")
        else:
            border.set(qn("w:val"), "single")
            border.set(qn("w:sz"), "4")
            border.set(qn("w:space"), "0")
            border.set(qn("w:color"), "7F7F7F")
        borders.append(border)
    properties = docx_table._tbl.tblPr
    existing = properties.find(qn("w:tblBorders"))
    if existing is not None:
        properties.remove(existing)
    look = properties.find(qn("w:tblLook"))  # schema order: tblBorders comes before tblLook
    if look is not None:
        look.addprevious(borders)
    else:
        properties.append(borders)
    for index, row in enumerate(docx_table.rows[header_rows:]):
        if index % 2:
            for cell in row.cells:
                _shade(cell, "E8EDF4")


def _add_table(document, table: Table, with_header: bool, rows, break_before: bool,
               font: str = FONT, borderless: bool = False) -> None:
    row_texts = ([table.header] if with_header else []) + list(rows)
    docx_table = document.add_table(rows=len(row_texts), cols=len(table.widths_mm))
    docx_table.style = "Table Grid"
    docx_table.alignment = WD_TABLE_ALIGNMENT.CENTER
    docx_table.autofit = False
    for column, width in zip(docx_table.columns, table.widths_mm, strict=True):
        column.width = Mm(width)
    for row_index, (docx_row, texts) in enumerate(zip(docx_table.rows, row_texts, strict=True)):
        is_header = with_header and row_index == 0
        for column, (cell, text) in enumerate(zip(docx_row.cells, texts, strict=True)):
            cell.width = Mm(table.widths_mm[column])
            centred = column in table.centred_columns
            _fill_cell(cell, text, bold=is_header, centred=centred, size=table.font_size,
                       font=font)
            if is_header:
                _shade(cell, "D9D9D9")
        if is_header:
            _mark_header_row(docx_row)
    if borderless:
        _borderless(docx_table, 1 if with_header else 0)
    if break_before:
        # LibreOffice ignores page breaks inside a table but honours one on its first paragraph.
        docx_table.rows[0].cells[0].paragraphs[0].paragraph_format.page_break_before = True
    # A small gap after each table, as a council's Word template leaves.
    _tight(document.add_paragraph(), after_pt=0)


def build_docx(blocks: list[Block], path: Path, title: str,
               setup: PageSetup = DEFAULT_SETUP, borderless: bool = False) -> None:
    font = FONTS[setup.font]
    document = Document()
    section = document.sections[0]
    if setup.orientation == "landscape":
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(15))
    section.top_margin = section.bottom_margin = Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(10)

    pending_break = False
    for block in blocks:
        if isinstance(block, PageBreak):
            pending_break = True
        elif isinstance(block, Heading):
            paragraph = document.add_paragraph()
            _tight(paragraph, after_pt=8)
            paragraph.paragraph_format.keep_with_next = True
            paragraph.paragraph_format.page_break_before = pending_break
            run = paragraph.add_run(block.text)
            _set_run_font(run, HEADING_SIZES[block.level], bold=True, font=font)
            if block.level == 1:
                run.font.color.rgb = RGBColor(0x1F, 0x3C, 0x88)
            pending_break = False
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph()
            _tight(paragraph, after_pt=6)
            paragraph.paragraph_format.page_break_before = pending_break
            _set_run_font(paragraph.add_run(block.text), 10, font=font)
            pending_break = False
        elif isinstance(block, Table):
            if block.split_after_row is None:
                _add_table(document, block, True, block.rows, pending_break, font, borderless)
            else:
                # Two Word tables, the second starting a page: drawn exactly like one table
                # broken across pages, continuing without its header row.
                head, tail = block.rows[: block.split_after_row], block.rows[block.split_after_row:]
                _add_table(document, block, True, head, pending_break, font, borderless)
                _add_table(document, block, block.split_repeats_header, tail, True, font,
                           borderless)
            pending_break = False

    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, "Complaints Team", "Complaints Team"
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    document.save(str(path))


def _stabilise_pdf(data: bytes) -> bytes:
    """Fix LibreOffice's dates, checksum and random /ID in place (same lengths: offsets hold)."""
    data = re.sub(rb"D:\d{14}", b"D:20190701090000", data)
    data = re.sub(rb"/DocChecksum /[0-9A-F]{32}", b"/DocChecksum /" + b"0" * 32, data)
    return re.sub(rb"<[0-9A-F]{32}>", b"<" + b"0" * 32 + b">", data)


def docx_to_pdf(docx_path: Path, pdf_path: Path, soffice: str = "soffice") -> None:
    with tempfile.TemporaryDirectory(prefix="render-soffice-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        out_dir = Path(tmp, "out")
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(out_dir), str(docx_path)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT_S)
        produced = out_dir / (docx_path.stem + ".pdf")
        if result.returncode != 0 or not produced.exists():
            raise RuntimeError(f"soffice failed ({result.returncode}): {result.stderr.strip()}")
        pdf_path.write_bytes(_stabilise_pdf(produced.read_bytes()))


def render_word_pdf(blocks: list[Block], pdf_path: Path, title: str,
                    setup: PageSetup = DEFAULT_SETUP, borderless: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="render-docx-") as tmp:
        docx_path = Path(tmp, pdf_path.stem + ".docx")
        build_docx(blocks, docx_path, title, setup, borderless)
        soffice = shutil.which("soffice") or "/usr/bin/soffice"
        docx_to_pdf(docx_path, pdf_path, soffice)


def render_word_borderless_pdf(blocks: list[Block], pdf_path: Path, title: str,
                               setup: PageSetup = DEFAULT_SETUP) -> None:
    """The Word producer with the borderless table style (no vertical rules, zebra rows)."""
    render_word_pdf(blocks, pdf_path, title, setup, borderless=True)
