"""Blocks -> PDF with reportlab platypus, the way a report generator makes one."""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from report_model import (
    DEFAULT_SETUP,
    Block,
    FurnitureLine,
    Heading,
    PageBreak,
    PageSetup,
    Paragraph,
    Table,
    row_parts,
)
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import SimpleDocTemplate, TableStyle
from reportlab.platypus import Table as RLTable

# Helvetica's built-in encoding has no Cyrillic, so embed a TrueType font (Arial metrics when
# Liberation Sans is installed) to keep the Top Ten's 'Тах' homoglyph as printed.
_LIBERATION = "/usr/share/fonts/truetype/liberation/"
_DEJAVU = "/usr/share/fonts/truetype/dejavu/"
# layout font -> (registered name, candidate (regular, bold) files, first that exists wins)
FONTS = {
    "sans": ("ReportSans", (
        (_LIBERATION + "LiberationSans-Regular.ttf", _LIBERATION + "LiberationSans-Bold.ttf"),
        (_DEJAVU + "DejaVuSans.ttf", _DEJAVU + "DejaVuSans-Bold.ttf"),
    )),
    "serif": ("ReportSerif", (
        (_LIBERATION + "LiberationSerif-Regular.ttf", _LIBERATION + "LiberationSerif-Bold.ttf"),
        (_DEJAVU + "DejaVuSerif.ttf", _DEJAVU + "DejaVuSerif-Bold.ttf"),
    )),
    "sans-narrow": ("ReportNarrow", (
        (_LIBERATION + "LiberationSansNarrow-Regular.ttf",
         _LIBERATION + "LiberationSansNarrow-Bold.ttf"),
        (_DEJAVU + "DejaVuSansCondensed.ttf", _DEJAVU + "DejaVuSansCondensed-Bold.ttf"),
    )),
    "sans-condensed": ("ReportCondensed", (
        (_DEJAVU + "DejaVuSansCondensed.ttf", _DEJAVU + "DejaVuSansCondensed-Bold.ttf"),
    )),
}
HEADING_SIZES = {0: 16, 1: 14, 2: 12}


def register_fonts(font: str = "sans") -> tuple[str, str]:
    name, candidates = FONTS[font]
    for regular, bold in candidates:
        if Path(regular).exists() and Path(bold).exists():
            pdfmetrics.registerFont(TTFont(name, regular))
            pdfmetrics.registerFont(TTFont(f"{name}-Bold", bold))
            return name, f"{name}-Bold"
    raise RuntimeError(f"no TrueType font found for {font!r} (apt-get install fonts-liberation)")


def _markup(text: str) -> str:
    return "<br/>".join(escape(line) for line in text.split("\n"))


class _Styles:
    def __init__(self, regular: str, bold: str) -> None:
        self.body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=12.5,
                                   spaceAfter=6)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11)
        self.cell_centred = ParagraphStyle("cell_c", parent=self.cell, alignment=TA_CENTER)
        self.header = ParagraphStyle("header", parent=self.cell, fontName=bold)
        self.header_centred = ParagraphStyle("header_c", parent=self.header, alignment=TA_CENTER)
        blue = colors.HexColor("#1F3C88")
        self.headings = {
            level: ParagraphStyle(f"h{level}", fontName=bold, fontSize=size, leading=size * 1.25,
                                  spaceAfter=8, textColor=blue if level == 1 else colors.black)
            for level, size in HEADING_SIZES.items()
        }


def _sized(style: ParagraphStyle, size: float) -> ParagraphStyle:
    if size == style.fontSize:
        return style
    return ParagraphStyle(f"{style.name}_{size:g}", parent=style, fontSize=size,
                          leading=round(size * 11 / 9, 2))


def _table(table: Table, styles: _Styles, with_header: bool, rows) -> RLTable:
    def cells(texts, plain: ParagraphStyle, centred: ParagraphStyle) -> list[RLParagraph]:
        plain, centred = _sized(plain, table.font_size), _sized(centred, table.font_size)
        return [
            RLParagraph(_markup(text), centred if c in table.centred_columns else plain)
            for c, text in enumerate(texts)
        ]

    header_rows = table.header_rows if with_header else ()
    padding = 4 if table.cell_padding_pt is None else table.cell_padding_pt
    data = [cells(row, styles.header, styles.header_centred) for row in header_rows]
    if len(header_rows) == 2:  # the stage names centred over their columns
        data[0] = [data[0][0]] + [
            RLParagraph(_markup(text), _sized(styles.header_centred, table.font_size))
            for text in header_rows[0][1:]
        ]
    data += [cells(row, styles.cell, styles.cell_centred) for row in rows]
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        # Close the cells of a row split over a page, as Word does.
        ("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), 0.5, colors.black),
        ("LINEABOVE", (0, "splitfirst"), (-1, "splitfirst"), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
    ]
    if with_header:
        last = len(header_rows) - 1
        commands.append(("BACKGROUND", (0, 0), (-1, last), colors.HexColor("#D9D9D9")))
    if len(header_rows) == 2:
        commands.append(("SPAN", (0, 0), (0, 1)))
        column = 0
        for _text, span in table.group_header or ():
            if span > 1:
                commands.append(("SPAN", (column, 0), (column + span - 1, 0)))
            column += span
    return RLTable(
        data,
        colWidths=[w * mm for w in table.widths_mm],
        style=TableStyle(commands),
        repeatRows=len(header_rows),
        splitInRow=1,  # long text rows break across pages, as Word does
        hAlign="CENTER",
        spaceAfter=10,
    )


def story(blocks: list[Block], styles: _Styles) -> list:
    flowables: list = []
    for block in blocks:
        if isinstance(block, PageBreak):
            flowables.append(RLPageBreak())
        elif isinstance(block, Heading):
            flowables.append(RLParagraph(_markup(block.text), styles.headings[block.level]))
        elif isinstance(block, Paragraph):
            flowables.append(RLParagraph(_markup(block.text), styles.body))
        elif isinstance(block, Table):
            first, *rest = row_parts(block)
            flowables.append(_table(block, styles, True, first))
            for part in rest:  # a forced page break inside the table
                flowables += [RLPageBreak(), _table(block, styles, block.split_repeats_header,
                                                    part)]
    return flowables


def _furniture_painter(lines: tuple[FurnitureLine, ...], font: str, margin: float,
                       pages: int):
    """onPage: draw the running header/footer lines in the margins, like a Word section's."""
    def paint(canvas, document) -> None:
        width, height = document.pagesize
        canvas.saveState()
        canvas.setFont(font, 8)
        for line in lines:
            text = line.template.format(page=canvas.getPageNumber(), pages=pages)
            y = height - margin * 0.55 if line.place == "top" else margin * 0.45 - 3
            if line.align == "left":
                canvas.drawString(margin, y, text)
            elif line.align == "centre":
                canvas.drawCentredString(width / 2, y, text)
            else:
                canvas.drawRightString(width - margin, y, text)
        canvas.restoreState()
    return paint


def render_reportlab_pdf(blocks: list[Block], pdf_path: Path, title: str,
                         setup: PageSetup = DEFAULT_SETUP) -> None:
    styles = _Styles(*register_fonts(setup.font))
    margin = setup.margins_mm * mm

    def build(target, pages: int) -> int:
        document = SimpleDocTemplate(
            target, pagesize=landscape(A4) if setup.orientation == "landscape" else A4,
            leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin,
            title=title, author="Complaints Team", creator="samples/render.py", invariant=1,
        )
        if not setup.furniture:
            document.build(story(blocks, styles))
        else:
            paint = _furniture_painter(setup.furniture, styles.body.fontName, margin, pages)
            document.build(story(blocks, styles), onFirstPage=paint, onLaterPages=paint)
        return document.page

    if setup.furniture:  # a first pass counts the pages for "Page n of N"
        pages = build(io.BytesIO(), 0)
        build(str(pdf_path), pages)
    else:
        build(str(pdf_path), 0)
