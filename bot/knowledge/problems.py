"""Problems found in the directory, as structured data for people.

A problem has a severity, a place (file:line, an offer id and field path, or a sheet/row/column),
a code with its parameters and, where one exists, a suggested fix. The English wording lives in
`MESSAGES` and doubles as the gettext message id of the staff catalog (`locales/*/staff.po`),
so the command line and the workspace show the same sentences in German or English.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

Severity = Literal["error", "warning"]

# code → English message template (the gettext msgid). Placeholders in {braces}.
MESSAGES: Final[dict[str, str]] = {
    "yaml_syntax": "YAML syntax error: {detail}",
    "not_utf8": "The file is not UTF-8 text.",
    "not_mapping": "Expected a list of fields here (field: value).",
    "folder_missing": "The knowledge folder was not found.",
    "no_offers": "There are no offer files (offers/*.yaml).",
    "unknown_field": "Unknown field “{field}”.",
    "missing_field": "The required field “{field}” is missing.",
    "missing_language": "The text is missing in: {languages}.",
    "unknown_language": "Unknown language code(s): {languages}.",
    "empty_text": "The text for language {language} is empty.",
    "unknown_concept": "Danger concept(s) used but never defined, or badly named: {concepts}.",
    "empty_rule": "A danger rule needs at least one concept.",
    "bad_opening_hours": "The opening hours “{value}” cannot be read.",
    "bad_email": "“{value}” is not an e-mail address.",
    "bad_phone": "“{value}” is not a phone number.",
    "bad_url": "“{value}” is not a web address.",
    "bad_date": "“{value}” is not a date.",
    "date_in_future": "The review date {value} lies in the future.",
    "bad_choice": "“{value}” is not allowed here; allowed: {allowed}.",
    "bad_number": "“{value}” is not a number.",
    "bad_value": "Invalid value: {detail}",
    "bad_bbox": "The map section must be south, west, north, east (south < north, west < east).",
    "age_order": "The minimum age is greater than the maximum age.",
    "nationwide_with_place": "A nationwide offer has no city or district.",
    "city_required": "A city is required for this kind of offer ({scope}).",
    "local_needs_address": "An offer on site needs an address and a map point.",
    "no_contact": "The offer needs at least one way to reach it (phone, e-mail, website, address).",
    "emergency_kinds_without_emergency": "Kinds of emergency are only for emergency offers.",
    "bad_id": "“{value}” cannot be an id: use lowercase letters, digits and hyphens.",
    "id_not_file_name": "The id “{value}” must equal the file name “{expected}”.",
    "duplicate_offer": "The offer id “{value}” exists twice (also in {other}).",
    "duplicate_topic": "The topic id “{value}” exists twice.",
    "duplicate_region": "The place id “{value}” exists twice.",
    "contract_topic_missing": "The topic “{value}” of the fixed taxonomy is missing.",
    "unknown_topic": "Unknown topic “{value}”.",
    "unknown_city": "Unknown city “{value}”.",
    "unknown_district": "Unknown district “{value}” in {city}.",
    "district_outside": "The centre of district “{value}” lies outside the map section of {city}.",
    "coordinates_outside": "The map point {lat}, {lon} lies outside {city}.",
    "formula": "The cell contains a formula; only plain values are read.",
    "sheet_missing": "The sheet “{value}” is missing.",
    "column_unknown": "Unknown column “{value}”.",
    "file_too_large": "The file is too large (at most {limit} MB).",
    "not_workbook": "The file is not an Excel workbook (.xlsx).",
    "offer_retired": "The offer “{value}” is retired; restore it to change it.",
    "offer_unknown": "There is no offer “{value}”.",
    "stale_edit": "Someone saved this offer meanwhile (version {value}); reload and try again.",
    # warnings
    "missing_translation": "The translation ({language}) is missing.",
    "sample_contact": "An example.org contact, but the offer is not marked as a sample.",
    "stale_review": "Last reviewed on {value}: more than 12 months ago.",
    "hours_override": "“{later}” replaces the earlier rule for {days} instead of adding to it.",
    "thin_lexicon": "The topic “{value}” has {have} phrases in {language}; {need} or more match well.",
    "topic_without_offer": "The topic “{value}” has no offer yet.",
}

# code → English template of the suggestion shown with the problem.
SUGGESTIONS: Final[dict[str, str]] = {
    "did_you_mean": "Did you mean “{value}” ({label})?",
    "did_you_mean_field": "Did you mean the field “{value}”?",
    "write_date": "Please write dates as 2026-12-01.",
    "use_date": "Write it as {value}.",
    "use_district": "Use “{value}” for {label}.",
    "use_city": "Use “{value}” for {label}.",
    "hours_examples": "Examples: “Mo-Fr 09:00-16:00”, “Mo-Th 09:00-16:00; Fr 09:00-12:00”, "
    "“Tu,Th 14:00-18:00”, “24/7”. Days: Mo Tu We Th Fr Sa Su.",
    "use_hours": "Write it as “{value}”.",
    "hours_add": "To add the hours, write “{value}”.",
    "email_example": "Example: beratung@example.org",
    "phone_example": "Example: +49 391 1234567 or 0391 1234567",
    "url_example": "Example: https://www.example.org/beratung",
    "mark_sample": "Mark the offer as a sample, or enter the real contact.",
    "review_again": "Check the details and set today as review date.",
    "district_centre": "Use the centre of {label}: {value}.",
    "translate": "Add the translation (or ask a translator via the spreadsheet).",
    "use_choice": "Choose one of: {allowed}.",
}


@dataclass(frozen=True)
class Place:
    """Where a problem is: a file and line, an offer and field, or a spreadsheet cell."""

    file: Path | None = None
    line: int | None = None
    offer: str | None = None
    field: str = ""  # dotted path inside the offer or file, e.g. "description.ar"
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def render(self, root: Path | None = None) -> str:
        if self.sheet is not None:
            cell = f"{self.sheet}!{self.column or ''}{self.row or ''}"
            return f"{cell} ({self.field})" if self.field else cell
        if self.file is not None:
            name: Path = self.file
            if root is not None:
                with contextlib.suppress(ValueError):
                    name = self.file.relative_to(root)
            return f"{name}:{self.line}" if self.line else f"{name}"
        if self.offer:
            return f"{self.offer}: {self.field}" if self.field else self.offer
        return self.field or "-"


@dataclass(frozen=True)
class Suggestion:
    """A suggested fix: a sentence and, when it is a value, the field to put it in."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    field: str | None = None  # the field path the value belongs to (a fix to click)
    value: Any = None

    @property
    def message(self) -> str:
        return format_template(SUGGESTIONS[self.code], self.params)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in the directory."""

    code: str
    place: Place
    params: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "error"
    suggestion: Suggestion | None = None

    @property
    def warning(self) -> bool:
        return self.severity == "warning"

    @property
    def file(self) -> Path | None:
        return self.place.file

    @property
    def line(self) -> int | None:
        return self.place.line

    @property
    def field(self) -> str:
        return self.place.field

    @property
    def message(self) -> str:
        """The English wording (the command line translates it through the staff catalog)."""
        detail = format_template(MESSAGES.get(self.code, "{detail}"), self.params)
        return f"{self.place.field}: {detail}" if self.place.field else detail

    def render(self, root: Path | None = None) -> str:
        return f"{self.place.render(root)}: {self.severity}: {self.message}"


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_template(template: str, params: dict[str, Any]) -> str:
    """Fill a template without failing on a placeholder that has no value."""
    return template.format_map(_Missing(params))
