"""Spreadsheets and YAML folders: safe round trips, formulas refused with their cell."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import yaml

from bot.directory.service import folder_change
from bot.directory.workbook import OFFERS_SHEET, columns, export_workbook, read_workbook
from bot.directory.yaml_files import write_folder
from bot.knowledge.loader import load_knowledge


def _column(key: str) -> int:
    return columns().index(key) + 1


async def test_database_xlsx_database_changes_nothing(services) -> None:
    live = await services.directory.live()
    read = read_workbook(export_workbook(live), live)
    assert read.rows == len(live.knowledge.offers) + len(live.retired)
    preview = await services.directory.preview(read.change)
    assert preview.ok, [p.render() for p in preview.errors]
    assert preview.empty, (preview.changed, preview.added, preview.retired)


async def test_yaml_xlsx_yaml_round_trip(services, tmp_path: Path) -> None:
    live = await services.directory.live()
    read = read_workbook(export_workbook(live), live)
    preview = await services.directory.preview(read.change)
    write_folder(preview.knowledge, live.revision, tmp_path / "out")
    again = load_knowledge(tmp_path / "out")
    assert again.errors == []
    assert (
        again.knowledge.content_hash
        == load_knowledge(services.settings.knowledge_dir).knowledge.content_hash
    )
    # and the folder imports as "no change"
    assert (await services.directory.preview(folder_change(tmp_path / "out"))).empty


async def test_formulas_are_refused_and_never_written(services) -> None:
    live = await services.directory.live()
    book = openpyxl.load_workbook(io.BytesIO(export_workbook(live)))
    sheet = book[OFFERS_SHEET]
    sheet.cell(3, _column("description.de")).value = '=HYPERLINK("http://evil")'
    sheet.cell(4, _column("description.ar")).value = "-- وصف: بنقطتين"
    buffer = io.BytesIO()
    book.save(buffer)
    read = read_workbook(buffer.getvalue(), live)
    formula = [p for p in read.problems if p.code == "formula"]
    assert formula and formula[0].place.row == 3 and formula[0].place.sheet == OFFERS_SHEET
    preview = await services.directory.preview(read.change)
    assert not preview.ok
    assert len(preview.changed) == 0  # refused as a whole


async def test_text_that_looks_like_a_formula_stays_text(services) -> None:
    live = await services.directory.live()
    offer_id = next(iter(live.knowledge.offers))
    data = live.offer_data(offer_id)
    data["description"]["de"] = "=1+1 ist keine Formel"
    live.knowledge.offers[offer_id] = live.knowledge.offers[offer_id].model_validate(data)
    book = openpyxl.load_workbook(io.BytesIO(export_workbook(live)))
    sheet = book[OFFERS_SHEET]
    cells = [
        c for row in sheet.iter_rows(min_row=3) for c in row if c.value == "=1+1 ist keine Formel"
    ]
    assert cells and cells[0].data_type == "s"


def test_exported_yaml_quotes_colons(tmp_path: Path) -> None:
    from bot.directory.yaml_files import dump

    text = dump({"description": {"ar": "العنوان: شارع 1", "de": "- kein Listenpunkt", "x": "yes"}})
    assert yaml.safe_load(text) == {
        "description": {"ar": "العنوان: شارع 1", "de": "- kein Listenpunkt", "x": "yes"}
    }


async def test_oversized_and_foreign_files_are_refused(services) -> None:
    live = await services.directory.live()
    assert read_workbook(b"x" * (6 * 1024 * 1024), live).problems[0].code == "file_too_large"
    assert read_workbook(b"not a zip", live).problems[0].code == "not_workbook"
