"""Read HSDS 3.0 JSON from a file or a folder: services with their place in the input.

Accepted shapes, in any JSON file: a fully nested service, a list of them, an API page
(`{"contents": [...]}`), an organization with `services`, a service_at_location with `service`,
and taxonomy terms (used to name and map the terms that services refer to by id). A folder is
read file by file (`*.json`, sorted; Wegweiser's own export is such a folder).

Errors name their place as `file: $.json.path`, so a broken record can be found in a large file.
Nothing here knows about offers; `hsds_import` maps what is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Place:
    """Where a value stands in the input: file and JSON path."""

    file: str
    path: str = "$"

    def at(self, *parts: str | int) -> Place:
        path = self.path
        for part in parts:
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        return Place(self.file, path)

    def __str__(self) -> str:
        return f"{self.file}: {self.path}"


@dataclass(frozen=True)
class Problem:
    place: Place | str
    message: str

    def render(self) -> str:
        return f"{self.place}: {self.message}"


@dataclass
class FoundService:
    """One service as read, with the location/organization context it came with."""

    data: dict[str, Any]
    place: Place
    organization: dict[str, Any] | None = None  # from the enclosing organization file
    extra_locations: list[tuple[dict[str, Any], Place]] = field(default_factory=list)


@dataclass
class HsdsInput:
    services: list[FoundService] = field(default_factory=list)
    terms: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id
    organizations: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id
    errors: list[Problem] = field(default_factory=list)
    ignored: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _kind(item: dict[str, Any]) -> str:
    if {"version", "profile"} <= set(item):
        return "root"  # the API root or an export's index.json
    if "contents" in item and isinstance(item["contents"], list):
        return "page"
    if isinstance(item.get("service"), dict):
        return "service_at_location"
    if isinstance(item.get("services"), list):
        return "organization"
    if "status" in item or "service_at_locations" in item or "organization_id" in item:
        return "service"
    if {"taxonomy_id", "parent_id", "taxonomy_detail", "code"} & set(item):
        return "taxonomy_term"
    if "name" in item and "id" in item and "description" in item:
        return "organization_or_taxonomy"
    return "unknown"


def read_hsds(source: Path) -> HsdsInput:
    """Everything readable under `source` (a JSON file or a folder of them)."""
    result = HsdsInput()
    if source.is_dir():
        files = sorted(source.glob("*.json"))
        if not files:
            hint = (
                " (the tabular CSV form is not read: use the JSON files)"
                if any(source.rglob("*.csv"))
                else ""
            )
            result.errors.append(Problem(str(source), f"no HSDS JSON files (*.json){hint}"))
        root = source
    elif source.is_file():
        files, root = [source], source.parent
    else:
        result.errors.append(Problem(str(source), "no such file or folder"))
        return result
    for path in files:
        name = path.relative_to(root).as_posix() if source.is_dir() else path.name
        result.files.append(name)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            result.errors.append(Problem(name, f"not UTF-8 text ({exc.reason})"))
            continue
        except json.JSONDecodeError as exc:
            result.errors.append(
                Problem(f"{name}:{exc.lineno}:{exc.colno}", f"not valid JSON: {exc.msg}")
            )
            continue
        _walk(document, Place(name), result, None)
    return result


def _walk(value: Any, place: Place, result: HsdsInput, organization: dict[str, Any] | None) -> None:
    if isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, place.at(index), result, organization)
        return
    if not isinstance(value, dict):
        result.errors.append(
            Problem(
                place, f"expected an HSDS object or a list of them, found {type(value).__name__}"
            )
        )
        return
    kind = _kind(value)
    if kind == "page":
        _walk(value["contents"], place.at("contents"), result, organization)
    elif kind == "service":
        result.services.append(FoundService(value, place, organization))
    elif kind == "organization":
        if isinstance(value.get("id"), str):
            result.organizations[value["id"]] = value
        _walk(value["services"], place.at("services"), result, value)
    elif kind == "service_at_location":
        location = value.get("location")
        found = FoundService(value["service"], place.at("service"), organization)
        if isinstance(location, dict):
            found.extra_locations.append((location, place.at("location")))
        result.services.append(found)
    elif kind == "taxonomy_term":
        if isinstance(value.get("id"), str):
            result.terms[value["id"]] = value
    elif kind == "root":
        return
    elif kind == "organization_or_taxonomy":
        if isinstance(value.get("id"), str):
            result.organizations.setdefault(value["id"], value)
    else:
        result.ignored.append(Problem(place, "not an HSDS service, organization or term: ignored"))
