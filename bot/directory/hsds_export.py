"""Write the published directory as an HSDS 3.0 package: JSON files and the tabular CSV form.

The JSON files hold what the API answers, so a consumer can read either:

* `services.json`: every service fully nested (organization, locations, schedules, languages,
  phones, attributes with their terms) — the file to read; it is self-contained;
* `organizations.json`, `service_at_locations.json`, `taxonomies.json`, `taxonomy_terms.json`:
  the other objects, as `/organizations/{id}` etc. answer them;
* `index.json`: HSDS version, profile, language, counts and the list of files.

`tabular/` holds the same data as the HSDS tabular data package: one CSV per object type with the
columns of the official tabular schema, linked by ids, and a `datapackage.json` describing them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.directory.hsds import HsdsCatalogue
from bot.directory.hsds_vocabulary import HSDS_PROFILE, HSDS_VERSION

# The tables of the HSDS tabular form that Wegweiser fills: file → (object, columns), columns in
# the order of the official `compiled/tabular.json` (a test keeps them in step); numbers marked.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "organizations.csv": (
        "organization",
        ("id", "name", "alternate_name", "description", "email", "website", "tax_status",
         "tax_id", "year_incorporated#", "legal_status", "logo", "uri", "parent_organization_id"),
    ),
    "services.csv": (
        "service",
        ("id", "organization_id", "program_id", "name", "alternate_name", "description", "url",
         "email", "status", "interpretation_services", "application_process", "fees_description",
         "wait_time", "fees", "accreditations", "eligibility_description", "minimum_age#",
         "maximum_age#", "assured_date", "assurer_email", "licenses", "alert", "last_modified"),
    ),
    "attributes.csv": (
        "attribute",
        ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
    ),
    "service_at_location.csv": (
        "service_at_location",
        ("id", "service_id", "location_id", "description"),
    ),
    "locations.csv": (
        "location",
        ("id", "location_type", "url", "organization_id", "name", "alternate_name", "description",
         "transportation", "latitude#", "longitude#", "external_identifier",
         "external_identifier_type"),
    ),
    "phones.csv": (
        "phone",
        ("id", "location_id", "service_id", "organization_id", "contact_id",
         "service_at_location_id", "number", "extension#", "type", "description"),
    ),
    "addresses.csv": (
        "address",
        ("id", "location_id", "attention", "address_1", "address_2", "city", "region",
         "state_province", "postal_code", "country", "address_type"),
    ),
    "schedules.csv": (
        "schedule",
        ("id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to",
         "dtstart", "timezone#", "until", "count#", "wkst", "freq", "interval#", "byday",
         "byweekno", "bymonthday", "byyearday", "description", "opens_at", "closes_at",
         "schedule_link", "attending_type", "notes"),
    ),
    "service_areas.csv": (
        "service_area",
        ("id", "service_id", "name", "description", "extent", "extent_type", "uri"),
    ),
    "languages.csv": (
        "language",
        ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
    ),
    "taxonomy_terms.csv": (
        "taxonomy_term",
        ("id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id",
         "term_uri"),
    ),
    "metadata.csv": (
        "metadata",
        ("id", "resource_id", "resource_type", "last_action_date", "last_action_type",
         "field_name", "previous_value", "replacement_value", "updated_by"),
    ),
    "cost_options.csv": (
        "cost_option",
        ("id", "service_id", "valid_from", "valid_to", "option", "currency", "amount#",
         "amount_description"),
    ),
    "taxonomies.csv": ("taxonomy", ("id", "name", "description", "uri", "version")),
}  # fmt: skip


def columns(file: str) -> list[tuple[str, str]]:
    """(name, type) of a table's columns; type "number" or "string"."""
    return [
        (c.removesuffix("#"), "number" if c.endswith("#") else "string") for c in TABLES[file][1]
    ]


@dataclass
class ExportResult:
    folder: Path
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def package(catalogue: HsdsCatalogue) -> dict[str, list[dict[str, Any]]]:
    """The JSON files' contents, by file name."""
    return {
        "services.json": [catalogue.service_full(e) for e in catalogue.services],
        "organizations.json": [
            catalogue.organization_full(org_id, full_service=False)
            for org_id in catalogue.matching_organizations()
        ],
        "service_at_locations.json": [
            catalogue.sal_full(e) for e in catalogue.services if e.service_at_location
        ],
        "taxonomies.json": list(catalogue.taxonomies),
        "taxonomy_terms.json": [catalogue.taxonomy_term_full(t) for t in catalogue.terms],
    }


def tables(catalogue: HsdsCatalogue) -> dict[str, list[Mapping[str, Any]]]:
    """The rows of each CSV file."""
    rows: dict[str, list[Mapping[str, Any]]] = {file: [] for file in TABLES}
    rows["organizations.csv"] = [
        catalogue.organization_flat(org_id) for org_id in catalogue.matching_organizations()
    ]
    nested = {
        "phones": "phones.csv",
        "schedules": "schedules.csv",
        "service_areas": "service_areas.csv",
        "languages": "languages.csv",
        "cost_options": "cost_options.csv",
        "attributes": "attributes.csv",
        "metadata": "metadata.csv",
    }
    for entry in catalogue.services:
        rows["services.csv"].append(entry.service)
        for key, file in nested.items():
            rows[file].extend(entry.service.get(key, []))
        if entry.service_at_location and entry.location:
            rows["service_at_location.csv"].append(entry.service_at_location)
            rows["locations.csv"].append(entry.location)
            rows["addresses.csv"].extend(entry.location.get("addresses", []))
    rows["taxonomy_terms.csv"] = list(catalogue.terms)
    rows["taxonomies.csv"] = list(catalogue.taxonomies)
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_csv(path: Path, names: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> int:
    names = list(names)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in rows:
            writer.writerow([_cell(row.get(name)) for name in names])
            count += 1
    return count


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def export_package(catalogue: HsdsCatalogue, folder: Path, *, tabular: bool = True) -> ExportResult:
    """Write the package into `folder` (created if needed; our files in it are replaced)."""
    folder.mkdir(parents=True, exist_ok=True)
    result = ExportResult(folder)
    for name, items in package(catalogue).items():
        _write_json(folder / name, items)
        result.files.append(name)
        result.counts[name] = len(items)
    if tabular:
        (folder / "tabular").mkdir(exist_ok=True)
        resources = []
        for file, rows in tables(catalogue).items():
            cols = columns(file)
            count = _write_csv(folder / "tabular" / file, [n for n, _ in cols], rows)
            result.files.append(f"tabular/{file}")
            result.counts[f"tabular/{file}"] = count
            resources.append(
                {
                    "name": TABLES[file][0],
                    "path": file,
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "schema": {
                        "fields": [{"name": n, "type": t} for n, t in cols],
                        "primaryKey": "id",
                    },
                }
            )
        _write_json(
            folder / "tabular" / "datapackage.json",
            {
                "name": "wegweiser-hsds",
                "title": "Wegweiser directory (HSDS 3.0 tabular data package)",
                "profile": "tabular-data-package",
                "resources": resources,
            },
        )
        result.files.append("tabular/datapackage.json")
    _write_json(
        folder / "index.json",
        {
            "version": HSDS_VERSION,
            "profile": HSDS_PROFILE,
            "language": catalogue.lang,
            "revision": catalogue.snapshot.revision,
            "samples_included": catalogue.include_samples,
            "counts": result.counts,
        },
    )
    result.files.insert(0, "index.json")
    return result
