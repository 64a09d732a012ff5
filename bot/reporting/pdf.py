"""The report as a PDF (fpdf2): pure Python, offline, no browser.

The font is FiraGO from the `pymupdf-fonts` package (SIL Open Font License): Latin with every
accent the 12 languages use, Cyrillic and Arabic script; `uharfbuzz` shapes Arabic, Persian and
Pashto text right to left. A text in a script the font lacks (Tigrinya's Ethiopic) is left out
with a note pointing to the workspace, where the same example is shown.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.reporting.charts import ACCENT, BAR, INK, MUTED, Chart
from bot.reporting.labels import day
from bot.reporting.privacy import SMALL, shown, visible
from bot.reporting.report import Report
from bot.reporting.sections import Section, Table, cell_text

FAMILY = "FiraGO"
LEFT_OUT = "[Text in einer Schrift, die der PDF-Schriftsatz nicht enthält – siehe Arbeitsbereich]"


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


@lru_cache(maxsize=1)
def font_files() -> tuple[Path, Path]:
    """FiraGO regular and bold as files (fpdf2 reads fonts from paths), written once per
    process into the temporary folder from the package's compressed copy."""
    from pymupdf_fonts import FiraGO_Bold, FiraGO_Regular

    folder = Path(tempfile.gettempdir()) / "wegweiser-fonts"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, module in (("FiraGO-Regular.ttf", FiraGO_Regular), ("FiraGO-Bold.ttf", FiraGO_Bold)):
        path = folder / name
        data = module.fontbuffer
        if not path.exists() or path.stat().st_size != len(data):
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(path)
        paths.append(path)
    return paths[0], paths[1]


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(font_files()[0])).getBestCmap())


@lru_cache(maxsize=1)
def _shaping() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def printable(text: str) -> str:
    """The text when the font can show it (and shape it), else the note."""
    covered = _covered()
    if any(ord(ch) not in covered for ch in text if not ch.isspace()):
        return LEFT_OUT
    if not _shaping() and any("\u0590" <= ch <= "\u08ff" for ch in text):
        return LEFT_OUT
    return text


class _Document(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        regular, bold = font_files()
        self.add_font(FAMILY, "", str(regular))
        self.add_font(FAMILY, "B", str(bold))
        if _shaping():
            self.set_text_shaping(True)
        self.set_auto_page_break(True, margin=16)
        self.set_margins(16, 16, 16)
        self.set_title(report.title)
        self.set_author("Wegweiser")
        self.set_lang("de")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*_rgb(MUTED))
        period = self.report.period
        self.cell(
            0,
            6,
            f"Wegweiser · {day(period.start)}–{day(period.end)} · Zahlen unter 5 als „< 5“ · "
            f"Seite {self.page_no()}/{{nb}}",
            align="C",
        )


def render_pdf(report: Report) -> bytes:
    pdf = _Document(report)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_text_color(*_rgb(INK))
    pdf.set_font(FAMILY, "B", 18)
    pdf.multi_cell(0, 9, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    period = report.period
    pdf.multi_cell(
        0,
        6,
        f"Zeitraum: {day(period.start)} bis {day(period.end)} · erstellt am "
        f"{report.created.strftime('%d.%m.%Y %H:%M')}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 13)
    pdf.cell(0, 8, "Zusammenfassung", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    for sentence in report.summary:
        pdf.multi_cell(0, 6, printable(sentence), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FAMILY, size=9)
    pdf.set_text_color(*_rgb(MUTED))
    pdf.multi_cell(
        0,
        5,
        "Datenschutz: Jede Zahl unter 5 erscheint als „< 5“; Anteile und Zeiten aus weniger "
        "als 5 Fällen werden nicht gezeigt. Keine Zahl lässt sich einer Person zuordnen; "
        "Beispielfragen sind maskiert (Namen, Telefonnummern, E-Mail-Adressen, Hausnummern).",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(*_rgb(INK))
    for section in report.sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section) -> None:
    if pdf.get_y() > 200:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 14)
    pdf.multi_cell(0, 8, section.title, new_x="LMARGIN", new_y="NEXT")
    if section.note:
        pdf.set_font(FAMILY, size=9)
        pdf.set_text_color(*_rgb(MUTED))
        pdf.multi_cell(0, 5, section.note, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*_rgb(INK))
    if section.chart is not None and section.chart.bars:
        _chart(pdf, section.chart)
    for table in section.tables:
        _table(pdf, table)


def _chart(pdf: FPDF, chart: Chart) -> None:
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(0, 6, chart.title, new_x="LMARGIN", new_y="NEXT")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if chart.kind == "columns":
        height, top = 45.0, chart.top
        if pdf.get_y() + height + 10 > pdf.h - 16:
            pdf.add_page()
        y0 = pdf.get_y() + height
        slot = width / max(1, len(chart.bars))
        every = max(1, round(len(chart.bars) / 13))
        pdf.set_font(FAMILY, size=6.5)
        for i, bar in enumerate(chart.bars):
            x = pdf.l_margin + i * slot + slot * 0.15
            value = bar.count if visible(bar.count) else SMALL
            h = max(0.6, height * value / top)
            _bar_rect(pdf, x, y0 - h, slot * 0.7, h, bar.count, bar.accent)
            if i % every == 0:
                pdf.text(x, y0 + 4, bar.label)
        pdf.set_y(y0 + 7)
        return
    label_w, row = 62.0, 6.0
    span = width - label_w - 16
    for bar in chart.bars[:14]:
        if pdf.get_y() + row > pdf.h - 16:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font(FAMILY, size=8.5)
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w - 2, row, printable(bar.label)[:42], align="R")
        value = bar.count if visible(bar.count) else SMALL
        length = max(1.0, span * value / chart.top)
        _bar_rect(pdf, pdf.l_margin + label_w, y + 1, length, row - 2, bar.count, bar.accent)
        pdf.set_font(FAMILY, "B", 8.5)
        pdf.set_xy(pdf.l_margin + label_w + length + 1.5, y)
        pdf.cell(14, row, shown(bar.count))
        pdf.set_y(y + row)
    pdf.ln(2)


def _bar_rect(pdf: FPDF, x: float, y: float, w: float, h: float, count: int, accent: bool) -> None:
    if visible(count):
        pdf.set_fill_color(*_rgb(ACCENT if accent else BAR))
        pdf.rect(x, y, w, h, style="F")
    else:  # never to scale: a light outlined stub
        pdf.set_fill_color(238, 241, 244)
        pdf.set_draw_color(*_rgb(MUTED))
        pdf.set_dash_pattern(dash=0.8, gap=0.6)
        pdf.rect(x, y, w, h, style="DF")
        pdf.set_dash_pattern()


def _table(pdf: FPDF, table: Table) -> None:
    if not table.rows:
        return
    pdf.ln(1)
    pdf.set_font(FAMILY, "B", 10)
    pdf.multi_cell(0, 6, table.title, new_x="LMARGIN", new_y="NEXT")
    columns = len(table.headers)
    size = 8.5 if columns <= 5 else 6.5
    pdf.set_font(FAMILY, size=size)
    widths = _widths(table)
    heading = FontFace(emphasis="BOLD", fill_color=(231, 236, 242))
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(200, 207, 215)
    with pdf.table(
        cell_fill_color=(246, 248, 250),
        cell_fill_mode="ROWS",
        col_widths=widths,
        headings_style=heading,
        line_height=size * 0.55,
        text_align=[("RIGHT" if _numeric(table, i) else "LEFT") for i in range(columns)],
        first_row_as_headings=True,
    ) as grid:
        grid.row([printable(h) for h in table.headers])
        for values in table.rows:
            grid.row([printable(cell_text(v)) for v in values])
    pdf.ln(2)


def _numeric(table: Table, column: int) -> bool:
    return all(
        isinstance(row[column], int)
        or (len(row[column]) <= 14 and row[column][:1] in "0123456789<–")
        for row in table.rows
    )


def _widths(table: Table) -> tuple[float, ...]:
    columns = len(table.headers)
    longest = [
        max([len(table.headers[i])] + [len(cell_text(r[i])) for r in table.rows[:50]])
        for i in range(columns)
    ]
    if columns > 5:  # the weekly table: the week, then equal columns
        return (14.0, *([10.0] * (columns - 1)))
    return tuple(max(8, min(60, n)) for n in longest)
