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
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from report_model import (
    DEFAULT_SETUP,
    Block,
    FurnitureLine,
    Heading,
    PageBreak,
    PageSetup,
    Paragraph,
    Table,
    furniture_parts,
    row_parts,
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
    header_rows = list(table.header_rows) if with_header else []
    row_texts = header_rows + list(rows)
    docx_table = document.add_table(rows=len(row_texts), cols=len(table.widths_mm))
    docx_table.style = "Table Grid"
    docx_table.alignment = WD_TABLE_ALIGNMENT.CENTER
    docx_table.autofit = False
    for column, width in zip(docx_table.columns, table.widths_mm, strict=True):
        column.width = Mm(width)
    for row_index, (docx_row, texts) in enumerate(zip(docx_table.rows, row_texts, strict=True)):
        is_header = row_index < len(header_rows)
        for column, (cell, text) in enumerate(zip(docx_row.cells, texts, strict=True)):
            cell.width = Mm(table.widths_mm[column])
            centred = column in table.centred_columns
            _fill_cell(cell, text, bold=is_header, centred=centred, size=table.font_size,
                       font=font)
            if is_header:
                _shade(cell, "D9D9D9")
        if is_header:
            _mark_header_row(docx_row)
    if len(header_rows) == 2:
        _merge_group_row(docx_table, table)
    if table.cell_padding_pt is not None:
        _set_cell_padding(docx_table, table.cell_padding_pt)
    if borderless:
        _borderless(docx_table, len(header_rows))
    if break_before:
        # LibreOffice ignores page breaks inside a table but honours one on its first paragraph.
        docx_table.rows[0].cells[0].paragraphs[0].paragraph_format.page_break_before = True
    # A small gap after each table, as a council's Word template leaves.
    _tight(document.add_paragraph(), after_pt=0)


def _set_cell_padding(docx_table, points: float) -> None:
    """The table's default left/right cell margins (Word: Table Properties > Options)."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(round(points * 20)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties = docx_table._tbl.tblPr
    look = properties.find(qn("w:tblLook"))  # schema order: tblCellMar comes before tblLook
    if look is not None:
        look.addprevious(margins)
    else:
        properties.append(margins)


def _merge_group_row(docx_table, table: Table) -> None:
    """Merge the group row's cells across the columns each stage spans, and the first
    column's two header cells into one."""
    group = table.group_header or ()
    column = 0
    for _text, span in group:
        if span > 1:
            docx_table.cell(0, column).merge(docx_table.cell(0, column + span - 1))
        column += span
    docx_table.cell(0, 0).merge(docx_table.cell(1, 0))


def _add_field(paragraph, instruction: str, size: float, font: str) -> None:
    """A Word field (PAGE, NUMPAGES): begin, instruction, separator, shown value, end."""
    def run_with(element) -> None:
        run = paragraph.add_run()
        _set_run_font(run, size, font=font)
        run._r.append(element)

    for kind in ("begin", "instr", "separate", "value", "end"):
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        elif kind == "value":
            element = OxmlElement("w:t")
            element.text = "1"
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run_with(element)


def _add_furniture(document, section, lines: tuple[FurnitureLine, ...], text_width_mm: float,
                   font: str) -> None:
    """Running header/footer lines in the section's header and footer, page numbers as
    fields; left, centre and right parts of one place share a line through tab stops."""
    size = 8
    for place, story in (("top", section.header), ("bottom", section.footer)):
        here = {line.align: line.template for line in lines if line.place == place}
        if not here:
            continue
        paragraph = story.paragraphs[0]
        paragraph.style = document.styles["Normal"]
        _tight(paragraph)
        stops = paragraph.paragraph_format.tab_stops
        stops.add_tab_stop(Mm(text_width_mm / 2), WD_TAB_ALIGNMENT.CENTER)
        stops.add_tab_stop(Mm(text_width_mm), WD_TAB_ALIGNMENT.RIGHT)
        pieces = [here.get("left", ""), "\t", here.get("centre", ""), "\t", here.get("right", "")]
        while pieces and pieces[-1] in ("", "\t"):
            pieces.pop()
        for piece in pieces:
            for part in furniture_parts(piece):
                if part in ("{page}", "{pages}"):
                    _add_field(paragraph, "PAGE" if part == "{page}" else "NUMPAGES", size, font)
                else:
                    _set_run_font(paragraph.add_run(part), size, font=font)


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
        setattr(section, side, Mm(setup.margins_mm))
    section.top_margin = section.bottom_margin = Mm(setup.margins_mm)
    if setup.furniture:
        section.header_distance = section.footer_distance = Mm(setup.margins_mm / 3)
        page_width = 297 if setup.orientation == "landscape" else 210
        _add_furniture(document, section, setup.furniture, page_width - 2 * setup.margins_mm,
                       font)
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
            # A forced break makes two Word tables, the second starting a page: drawn exactly
            # like one table broken across pages, with or without its header row again.
            first, *rest = row_parts(block)
            _add_table(document, block, True, first, pending_break, font, borderless)
            for part in rest:
                _add_table(document, block, block.split_repeats_header, part, True, font,
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


def docx_batch_to_pdf(docx_paths: list[Path], out_dir: Path, soffice: str = "soffice",
                      timeout_s: float = SOFFICE_TIMEOUT_S) -> list[Path]:
    """Many .docx -> PDF in ONE LibreOffice start (much faster than one call each); returns
    the PDFs written to out_dir (stabilised like docx_to_pdf). A file LibreOffice could not
    convert is simply missing from the list."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="render-soffice-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        converted = Path(tmp, "out")
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(converted), *map(str, docx_paths)]
        subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
        written = []
        for docx_path in docx_paths:
            produced = converted / (docx_path.stem + ".pdf")
            if produced.exists():
                target = out_dir / produced.name
                target.write_bytes(_stabilise_pdf(produced.read_bytes()))
                written.append(target)
        return written


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
