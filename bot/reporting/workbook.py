"""The report's tables as an Excel workbook (openpyxl): a summary sheet, then one sheet per
section with its tables and a bar chart drawn by Excel from the visible counts.

A count below 5 is written as the text "< 5" (never the number), so neither a cell nor a chart
shows it; text from people (masked examples) is written as text, never as a formula."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.reporting.labels import day
from bot.reporting.privacy import HIDDEN, visible
from bot.reporting.report import Report
from bot.reporting.sections import Cell, Section

HEADING = Font(bold=True, size=13)
BOLD = Font(bold=True)
FILL = PatternFill("solid", fgColor="E7ECF2")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _value(cell: Cell) -> int | str:
    if isinstance(cell, int):
        return cell if visible(cell) else HIDDEN
    return str(cell)


def _put(sheet, row: int, col: int, value: Cell):
    """Write a cell; text always as text (= + - @ never become a formula)."""
    cell = sheet.cell(row, col)
    cell.value = _value(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_START):
            cell.quotePrefix = True
    return cell


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Zusammenfassung"
    sheet["A1"] = report.title
    sheet["A1"].font = Font(bold=True, size=15)
    period = report.period
    sheet["A2"] = f"Zeitraum: {day(period.start)} bis {day(period.end)}"
    sheet["A3"] = "Jede Zahl unter 5 steht als „< 5“; Beispielfragen sind maskiert."
    for row, sentence in enumerate(report.summary, start=5):
        _put(sheet, row, 1, sentence).alignment = Alignment(wrap_text=True)
    sheet.column_dimensions["A"].width = 120
    for section in report.sections:
        _section(book, section)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _section(book: Workbook, section: Section) -> None:
    sheet = book.create_sheet(section.title[:31].replace("/", "-").replace("?", ""))
    sheet["A1"] = section.title
    sheet["A1"].font = HEADING
    row = 2
    if section.note:
        _put(sheet, row, 1, section.note)
        row += 1
    widths: dict[int, int] = {}
    first_table: tuple[int, int, int] | None = None  # header row, rows, count column
    for table in section.tables:
        row += 1
        _put(sheet, row, 1, table.title).font = BOLD
        row += 1
        header_row = row
        for col, header in enumerate(table.headers, start=1):
            cell = _put(sheet, row, col, header)
            cell.font, cell.fill = BOLD, FILL
            widths[col] = max(widths.get(col, 8), len(header) + 2)
        for values in table.rows:
            row += 1
            for col, value in enumerate(values, start=1):
                _put(sheet, row, col, value)
                widths[col] = min(80, max(widths.get(col, 8), len(str(value)) + 2))
        if first_table is None and table.rows:
            count_col = next(
                (i + 1 for i, v in enumerate(table.rows[0]) if isinstance(v, int)), None
            )
            if count_col is not None:
                first_table = (header_row, len(table.rows), count_col)
        row += 1
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width
    if first_table is not None and section.chart is not None:
        header_row, count, count_col = first_table
        chart = BarChart()
        chart.type = "col" if section.chart.kind == "columns" else "bar"
        chart.title = section.chart.title
        chart.legend = None
        data = Reference(sheet, min_col=count_col, min_row=header_row, max_row=header_row + count)
        labels = Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + count)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(labels)
        chart.height, chart.width = 9, 18
        sheet.add_chart(chart, f"{get_column_letter(len(widths) + 2)}3")
