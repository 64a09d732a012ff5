"""The directory as an Excel workbook (.xlsx) for translators and bulk edits, and back.

Sheet "Angebote": one row per offer (retired ones too, with their status), one column per field
and language; row 1 holds the labels people read, row 2 the column keys the upload reads, data
starts in row 3. Reference sheets list topics, cities and districts, languages and the allowed
values. Safety: uploads are size-limited (also uncompressed), read by openpyxl with defusedxml
(no XML entities), never evaluated (a formula is an error with its cell), and text starting
with = + - @ is written as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
import openpyxl.xml
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from bot.core.languages import LANGUAGES
from bot.directory.service import Change, LiveDirectory
from bot.i18n import Texts, staff_texts
from bot.knowledge.problems import Place, Problem
from bot.knowledge.schema import Appointment, Cost, EmergencyKind, ResidenceStatus, Scope

OFFERS_SHEET = "Angebote"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
FIRST_DATA_ROW = 3
LOCALIZED = ("name", "summary", "description", "target_group.note", "cost_note")
STATUS_ACTIVE, STATUS_RETIRED = "aktiv", "zurückgezogen"
YES, NO = "ja", "nein"
LIST_FIELDS = ("topics", "languages", "target_group.residence_status", "emergency_kinds")


def columns() -> list[str]:
    """The column keys of the offers sheet, in order."""
    keys = ["id", "status", "sample"]
    keys += [f"name.{lang}" for lang in LANGUAGES]
    keys += ["provider", "topics"]
    keys += [f"summary.{lang}" for lang in LANGUAGES]
    keys += [f"description.{lang}" for lang in LANGUAGES]
    keys += ["target_group.age_min", "target_group.age_max", "target_group.residence_status"]
    keys += ["target_group.gender"] + [f"target_group.note.{lang}" for lang in LANGUAGES]
    keys += ["languages", "scope", "city", "district", "address", "latitude", "longitude"]
    keys += ["opening_hours", "phone", "email", "website", "appointment", "cost"]
    keys += [f"cost_note.{lang}" for lang in LANGUAGES]
    keys += [f"keywords.{lang}" for lang in LANGUAGES]
    keys += ["emergency", "emergency_kinds", "last_reviewed", "source"]
    return keys


def _label(t: Texts, key: str) -> str:
    from bot.directory.wording import field_label

    if key == "status":
        return t._("Status")
    if key in ("latitude", "longitude"):
        return t._("Latitude") if key == "latitude" else t._("Longitude")
    return field_label(t, key)


def _text_cell(cell, value: Any) -> None:
    """Write a value; strings always as text (no formula injection: = + - @ stay text)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            cell.quotePrefix = True


def _offer_row(data: dict[str, Any], retired: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": data["id"],
        "status": STATUS_RETIRED if retired else STATUS_ACTIVE,
        "sample": YES if data.get("sample") else NO,
        "provider": data.get("provider"),
        "topics": ", ".join(data.get("topics", [])),
        "languages": ", ".join(data.get("languages", [])),
        "scope": data.get("scope"),
        "city": data.get("city"),
        "district": data.get("district"),
        "address": data.get("address"),
        "opening_hours": data.get("opening_hours"),
        "phone": data.get("phone"),
        "email": data.get("email"),
        "website": data.get("website"),
        "appointment": data.get("appointment"),
        "cost": data.get("cost"),
        "emergency": YES if data.get("emergency") else NO,
        "emergency_kinds": ", ".join(data.get("emergency_kinds", [])),
        "last_reviewed": data.get("last_reviewed"),
        "source": data.get("source"),
    }
    if data.get("coordinates"):
        row["latitude"], row["longitude"] = data["coordinates"]
    group = data.get("target_group") or {}
    row["target_group.age_min"] = group.get("age_min")
    row["target_group.age_max"] = group.get("age_max")
    row["target_group.residence_status"] = ", ".join(group.get("residence_status", []))
    row["target_group.gender"] = group.get("gender")
    for path in LOCALIZED:
        values: Any = data
        for part in path.split("."):
            values = (values or {}).get(part)
        for lang, text in (values or {}).items():
            row[f"{path}.{lang}"] = text
    for lang, words in (data.get("keywords") or {}).items():
        row[f"keywords.{lang}"] = "; ".join(words)
    return row


def export_workbook(live: LiveDirectory, language: str = "de") -> bytes:
    t = staff_texts(language)
    knowledge = live.knowledge
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = OFFERS_SHEET
    keys = columns()
    bold = Font(bold=True)
    grey = Font(color="777777", size=9)
    for index, key in enumerate(keys, start=1):
        _text_cell(sheet.cell(1, index), _label(t, key))
        sheet.cell(1, index).font = bold
        _text_cell(sheet.cell(2, index), key)
        sheet.cell(2, index).font = grey
        width = 40 if key.startswith(("description", "summary")) else 18
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "B3"
    rows = [
        (o.model_dump(mode="json", exclude_none=True), False) for o in knowledge.offers.values()
    ]
    rows += [(data, True) for _, data in sorted(live.retired.items())]
    rows.sort(key=lambda r: r[0]["id"])
    for r, (data, retired) in enumerate(rows, start=FIRST_DATA_ROW):
        values = _offer_row(data, retired)
        for c, key in enumerate(keys, start=1):
            value = values.get(key)
            if value not in (None, ""):
                _text_cell(sheet.cell(r, c), value)
                sheet.cell(r, c).alignment = Alignment(vertical="top", wrap_text=False)
    _reference_sheets(book, live, t)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _reference_sheets(book, live: LiveDirectory, t: Texts) -> None:
    knowledge = live.knowledge
    header = PatternFill("solid", fgColor="E8EEF4")

    def sheet(title: str, head: Sequence[str], rows: list[Sequence[Any]]) -> None:
        ws = book.create_sheet(title)
        for c, value in enumerate(head, start=1):
            _text_cell(ws.cell(1, c), value)
            ws.cell(1, c).font = Font(bold=True)
            ws.cell(1, c).fill = header
            ws.column_dimensions[get_column_letter(c)].width = 28
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                if value not in (None, ""):
                    _text_cell(ws.cell(r, c), value)
        ws.freeze_panes = "A2"

    sheet(
        t._("Topics"),
        [
            t._("Field of action"),
            t._("Topic id"),
            *(f"{t._('Name')} ({lang})" for lang in LANGUAGES),
        ],
        [
            [f.name.get("de", f.id), topic.id, *(topic.name.get(lang, "") for lang in LANGUAGES)]
            for f in knowledge.fields
            for topic in f.topics
        ],
    )
    places: list[Sequence[Any]] = []
    for city in knowledge.cities:
        places.append([city.id, "", city.name.get("de", city.id), "; ".join(city.names())])
        for d in city.districts:
            places.append([city.id, d.id, d.name, "; ".join(d.names()[1:])])
    sheet(t._("Places"), [t._("City"), t._("District id"), t._("Name"), t._("Other names")], places)
    sheet(
        t._("Languages"),
        [t._("Code"), t._("Name")],
        [[lang, t.language_name(lang)] for lang in LANGUAGES],
    )
    allowed = [
        ("status", f"{STATUS_ACTIVE}, {STATUS_RETIRED}"),
        ("sample, emergency", f"{YES}, {NO}"),
        ("scope", ", ".join(s.value for s in Scope)),
        ("appointment", ", ".join(a.value for a in Appointment)),
        ("cost", ", ".join(c.value for c in Cost)),
        ("target_group.residence_status", ", ".join(r.value for r in ResidenceStatus)),
        ("target_group.gender", "women"),
        ("emergency_kinds", ", ".join(k.value for k in EmergencyKind)),
        ("last_reviewed", "2026-12-01"),
        ("opening_hours", "Mo-Fr 09:00-16:00; Sa 10:00-12:00"),
        ("keywords.*", t._("separated by ;")),
        ("topics, languages", t._("separated by ,")),
    ]
    sheet(t._("Allowed values"), [t._("Column"), t._("Values")], allowed)


# -- reading -------------------------------------------------------------------------------


@dataclass
class WorkbookRead:
    change: Change
    problems: list[Problem]
    rows: int


def _problem(code: str, place: Place, **params: Any) -> Problem:
    return Problem(code, place, params)


def _check_archive(data: bytes) -> Problem | None:
    if len(data) > MAX_UPLOAD_BYTES:
        return _problem(
            "file_too_large", Place(field="file"), limit=MAX_UPLOAD_BYTES // (1024 * 1024)
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
            names = archive.namelist()
    except zipfile.BadZipFile:
        return _problem("not_workbook", Place(field="file"))
    if total > MAX_UNCOMPRESSED_BYTES:
        return _problem("file_too_large", Place(field="file"), limit=MAX_UPLOAD_BYTES // 2**20)
    if "xl/workbook.xml" not in names or any(n.lower().endswith(".bin") for n in names):
        return _problem("not_workbook", Place(field="file"))
    return None


def _cell_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _yes(value: Any) -> bool:
    return str(value).strip().lower() in ("ja", "yes", "true", "1", "wahr", "x")


def _split(value: Any, separator: str) -> list[str]:
    if value is None:
        return []
    return [p.strip() for p in str(value).split(separator) if p.strip()]


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_workbook(data: bytes, live: LiveDirectory) -> WorkbookRead:
    """The uploaded workbook as a change of the offers it lists (nothing written)."""
    problem = _check_archive(data)
    if problem is not None:
        return WorkbookRead(Change(problems=[problem]), [problem], 0)
    assert openpyxl.xml.DEFUSEDXML, "defusedxml must be installed for safe uploads"
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_vba=False)
    except Exception:
        problem = _problem("not_workbook", Place(field="file"))
        return WorkbookRead(Change(problems=[problem]), [problem], 0)
    if OFFERS_SHEET not in book.sheetnames:
        problem = _problem("sheet_missing", Place(sheet=OFFERS_SHEET), value=OFFERS_SHEET)
        return WorkbookRead(Change(problems=[problem]), [problem], 0)
    sheet = book[OFFERS_SHEET]
    known = set(columns())
    header: dict[int, str] = {}
    problems: list[Problem] = []
    for cell in sheet[2]:
        key = _cell_text(cell.value)
        if key is None:
            continue
        if key not in known:
            problems.append(
                _problem(
                    "column_unknown",
                    Place(sheet=OFFERS_SHEET, row=2, column=cell.column_letter),
                    value=key,
                )
            )
            continue
        header[cell.column] = key
    letters = {key: get_column_letter(col) for col, key in header.items()}
    rows_of: dict[str, int] = {}
    change = Change(problems=problems)
    count = 0
    for row in sheet.iter_rows(min_row=FIRST_DATA_ROW):
        values: dict[str, Any] = {}
        number = row[0].row
        for cell in row:
            key = header.get(cell.column)
            if key is None or cell.value is None:
                continue
            if cell.data_type == "f":
                problems.append(
                    _problem(
                        "formula",
                        Place(sheet=OFFERS_SHEET, row=number, column=cell.column_letter, field=key),
                    )
                )
                continue
            values[key] = _cell_text(cell.value)
        values = {k: v for k, v in values.items() if v is not None}
        if not values:
            continue
        count += 1
        offer_id = str(values.get("id") or f"row-{number}")
        if offer_id in rows_of:
            problems.append(
                _problem(
                    "duplicate_offer",
                    Place(sheet=OFFERS_SHEET, row=number, column=letters.get("id"), field="id"),
                    value=offer_id,
                    other=f"{OFFERS_SHEET}!{rows_of[offer_id]}",
                )
            )
            continue
        rows_of[offer_id] = number
        status = str(values.get("status") or STATUS_ACTIVE).lower()
        retired_now = offer_id in live.retired
        if status in (STATUS_RETIRED, "retired"):
            if not retired_now and offer_id in live.knowledge.offers:
                change.retire.add(offer_id)
            continue
        if retired_now:
            change.restore.add(offer_id)
        change.offers[offer_id] = _raw_offer(values)

    def locate(part: str, path: Sequence[str | int]) -> Place:
        offer_id = part.removeprefix("offer:")
        dotted = ".".join(str(p) for p in path if not isinstance(p, int))
        if path and path[0] == "coordinates":
            key = "latitude"
        elif dotted in letters:
            key = dotted
        else:
            key = next((k for k in letters if dotted.startswith(k) or k.startswith(dotted)), "id")
        return Place(
            sheet=OFFERS_SHEET,
            row=rows_of.get(offer_id),
            column=letters.get(key),
            field=".".join(str(p) for p in path),
            offer=offer_id,
        )

    change.locate = locate
    return WorkbookRead(change, problems, count)


def _raw_offer(values: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    group: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("status", "latitude", "longitude"):
            continue
        if key in ("sample", "emergency"):
            raw[key] = _yes(value)
        elif key in ("topics", "languages", "emergency_kinds"):
            raw[key] = _split(value, ",")
        elif key == "target_group.residence_status":
            group["residence_status"] = _split(value, ",")
        elif key in ("target_group.age_min", "target_group.age_max"):
            group[key.split(".")[1]] = _number(value)
        elif key == "target_group.gender":
            group["gender"] = value
        elif key.startswith("target_group.note."):
            group.setdefault("note", {})[key.rsplit(".", 1)[1]] = str(value)
        elif key.startswith("keywords."):
            raw.setdefault("keywords", {})[key.split(".", 1)[1]] = _split(value, ";")
        elif "." in key and key.split(".")[0] in ("name", "summary", "description", "cost_note"):
            field_, lang = key.split(".", 1)
            raw.setdefault(field_, {})[lang] = str(value)
        elif key in ("phone",):
            raw[key] = str(_number(value))
        else:
            raw[key] = value if not isinstance(value, float | int) or key != "id" else str(value)
    if "latitude" in values or "longitude" in values:
        raw["coordinates"] = [values.get("latitude"), values.get("longitude")]
    if group:
        raw["target_group"] = group
    return raw
