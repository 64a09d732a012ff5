"""HSDS files: the export package against the official schemas, the import of our own export
(round trip into an empty database) and of the official examples, and broken input."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from bot.directory.hsds import HsdsCatalogue
from bot.directory.hsds_apply import apply_offers, base_knowledge, preview
from bot.directory.hsds_export import TABLES, columns, export_package
from bot.directory.hsds_import import load_mapping, plan_import, slugify
from bot.directory.hsds_read import read_hsds
from bot.directory.hsds_schedules import parse_weekly
from bot.directory.hsds_vocabulary import hsds_id
from bot.directory.snapshot import DirectorySnapshot, live_snapshot
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Knowledge
from bot.services import open_services
from tests.conftest import KNOWLEDGE, make_settings
from tests.hsds_schemas import EXAMPLES_DIR, REMOTE_BASE, SCHEMA_DIR, errors, validator

FILE_SCHEMAS = {
    "services.json": "compiled/service.json",
    "organizations.json": "compiled/organization.json",
    "service_at_locations.json": "compiled/service_at_location.json",
    "taxonomies.json": "taxonomy.json",
    "taxonomy_terms.json": "taxonomy_term.json",
}
MODIFIED = dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def shipped() -> Knowledge:
    knowledge = load_knowledge(KNOWLEDGE).knowledge
    assert knowledge is not None
    return knowledge


def catalogue_of(knowledge: Knowledge, lang: str = "de") -> HsdsCatalogue:
    snapshot = DirectorySnapshot(
        1, knowledge, frozenset(), dict.fromkeys(knowledge.offers, MODIFIED)
    )
    return HsdsCatalogue(snapshot, lang, include_samples=True)


def comparable(services: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Services by id without the times of the database they came from."""
    return {
        s["id"]: {k: v for k, v in s.items() if k not in ("last_modified", "metadata")}
        for s in services
    }


def _typed(row: dict[str, str], file: str, required: list[str]) -> dict[str, Any]:
    """A CSV row as JSON: numbers parsed; an empty cell is absent, unless the column is required
    (then it was an empty string: CSV cannot tell the two apart)."""
    types = dict(columns(file))
    return {
        name: float(value) if types[name] == "number" else value
        for name, value in row.items()
        if value != "" or name in required
    }


def test_the_package_validates_against_the_official_schemas(
    shipped: Knowledge, tmp_path: Path
) -> None:
    started = time.perf_counter()
    result = export_package(catalogue_of(shipped), tmp_path)
    checked = 0
    for name, schema in FILE_SCHEMAS.items():
        items = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        assert items, name
        for index, item in enumerate(items):
            problems = errors(schema, item, strict=True)
            assert not problems, f"{name}[{index}]: {problems[:5]}"
            checked += 1
    assert result.counts["services.json"] == len(shipped.offers)
    tabular = json.loads((SCHEMA_DIR / "compiled" / "tabular.json").read_text(encoding="utf-8"))
    rows = 0
    for file, (table, _) in TABLES.items():
        official = tabular["properties"][table]["items"]
        assert official["path"] == file
        expected = [
            (n, p["type"])
            for n, p in official["properties"].items()
            if p.get("type") not in ("array", "object") and "$ref" not in p
        ]
        assert columns(file) == expected, file
        with (tmp_path / "tabular" / file).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == [n for n, _ in expected]
            row_check = validator(f"compiled/tabular.json#/properties/{table}/items")
            for index, row in enumerate(reader):
                typed = _typed(row, file, official.get("required", []))
                problems = sorted(e.message for e in row_check.iter_errors(typed))
                assert not problems, f"{file} row {index + 2}: {problems}"
                rows += 1
    package = json.loads((tmp_path / "tabular" / "datapackage.json").read_text(encoding="utf-8"))
    assert sorted(r["path"] for r in package["resources"]) == sorted(TABLES)
    services_csv = (tmp_path / "tabular" / "services.csv").read_text(encoding="utf-8")
    assert services_csv.count("\n") > len(shipped.offers)
    print(
        f"\nHSDS export validation: {checked} JSON objects and {rows} CSV rows valid "
        f"in {time.perf_counter() - started:.1f} s"
    )


def test_our_validator_resolves_references_locally() -> None:
    """taxonomy_term.json refers to taxonomy.json by its raw.githubusercontent.com address: the
    local copy answers (offline), and what it requires is enforced."""
    term = {"id": str(hsds_id("t", "1")), "name": "n", "description": "d"}
    assert not errors("taxonomy_term.json", term)
    broken = {**term, "taxonomy_detail": {"id": str(hsds_id("t", "2"))}}
    problems = errors("taxonomy_term.json", broken)
    assert any("'name' is a required property" in p for p in problems), problems
    assert errors("taxonomy_term.json", {**term, "id": "not-a-uuid"})
    assert validator("compiled/tabular.json").schema["$ref"].startswith(REMOTE_BASE)


async def test_round_trip_into_an_empty_database(
    shipped: Knowledge, database_url: str, tmp_path: Path
) -> None:
    """export → import into an empty database → export gives the same services."""
    first = tmp_path / "first"
    export_package(catalogue_of(shipped), first)
    found = read_hsds(first)
    services = await open_services(
        make_settings(database_url), ensure_knowledge=False, semantic=False
    )
    try:
        base = base_knowledge(services)
        assert base is not None and not base.offers and services.knowledge is None
        plan = plan_import(found, base)
        assert plan.ok and not plan.skipped and not plan.unmapped_terms
        assert sorted(plan.offers) == sorted(shipped.offers)
        assert preview(base.offers, plan.offers).added == sorted(shipped.offers)
        report = await apply_offers(services, plan.offers, base=base)
        assert report.ok, report.errors
        assert len(report.added) == len(shipped.offers)
        second = tmp_path / "second"
        snapshot = await live_snapshot(services)
        export_package(HsdsCatalogue(snapshot, "de", include_samples=True), second)
        # importing the same data again changes nothing
        again = plan_import(read_hsds(second), services.knowledge)  # type: ignore[arg-type]
        assert preview(services.knowledge.offers, again.offers).empty  # type: ignore[union-attr]
    finally:
        await services.close()
    before = json.loads((first / "services.json").read_text(encoding="utf-8"))
    after = json.loads((second / "services.json").read_text(encoding="utf-8"))
    assert comparable(after) == comparable(before)
    for offer_id, offer in plan.offers.items():
        original = shipped.offers[offer_id]
        same = ("topics", "scope", "city", "district", "coordinates", "sample", "provider")
        for key in same:
            assert getattr(offer, key) == getattr(original, key), (offer_id, key)
        if original.opening_hours:  # written canonically, the same week
            assert offer.opening_hours is not None
            assert (
                parse_weekly(offer.opening_hours).table
                == parse_weekly(original.opening_hours).table
            )
        assert offer.target_group.model_dump() == {
            **original.target_group.model_dump(),
            "note": {"de": original.target_group.note["de"]}
            if original.target_group.note
            else None,
        }, offer_id


def test_official_examples_import_and_report_what_does_not_map(
    shipped: Knowledge, tmp_path: Path
) -> None:
    found = read_hsds(EXAMPLES_DIR)
    assert not found.errors
    plain = plan_import(found, shipped, lang="en")
    assert plain.ok and not plain.offers and plain.services_read == 1
    (skipped,) = plain.skipped
    assert "no topic" in skipped.message and "service_full.json" in str(skipped.place)
    assert plain.unmapped_terms == {
        "3f7b145d-84af-42d7-8fae-eaca714b02b2": "3f7b145d-84af-42d7-8fae-eaca714b02b2 "
        "(code 'code', name 'name')"
    }

    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(
        "terms:\n  CODE: [psychosocial, family_counselling]\n", encoding="utf-8"
    )
    mapping = load_mapping(mapping_file, shipped)
    assert not mapping.errors
    nowhere = plan_import(found, shipped, mapping=mapping, lang="en")
    assert "MyCity" in nowhere.skipped[0].message and "--city" in nowhere.skipped[0].message

    plan = plan_import(found, shipped, mapping=mapping, lang="en", city="magdeburg")
    assert plan.ok and not plan.skipped
    offer = plan.offers["community-counselling"]
    assert offer.name == {"en": "Community Counselling", "de": "Community Counselling"}
    assert offer.topics == ["psychosocial", "family_counselling"]
    assert offer.provider == "Example Organization Inc."
    assert offer.phone == "+44 1234 234567"
    assert offer.languages == ["ur"]
    assert (offer.target_group.age_min, offer.target_group.age_max) == (12, 100)
    assert offer.cost.value == "fee" and offer.cost_note and "£50" in offer.cost_note["en"]
    assert offer.city == "magdeburg" and offer.scope.value == "city" and offer.coordinates is None
    assert offer.address == "1-30 Main Street, MyVillage, ABC 1234 MyCity"
    assert offer.opening_hours is None
    assert offer.last_reviewed == dt.date(2005, 1, 1)
    assert offer.source == "HSDS import, service ac148810-d857-441c-9679-408f346de14b"
    notes = " | ".join(p.render() for p in plan.notes)
    for expected in ("byweekno", "coordinates 100, 101", "--city", "extension", "funding"):
        assert expected in notes, expected


def test_reimport_keeps_the_offer_id_when_the_name_changes(
    shipped: Knowledge, tmp_path: Path
) -> None:
    service = json.loads((EXAMPLES_DIR / "service_full.json").read_text(encoding="utf-8"))
    service["attributes"] = []
    service["service_at_locations"] = []
    service["service_areas"] = [{"id": hsds_id("x", "1"), "name": "Dresden"}]
    mapping = tmp_path / "mapping.yaml"
    path = tmp_path / "one.json"
    service["attributes"] = [
        {"id": hsds_id("x", "2"), "taxonomy_term": {"id": hsds_id("x", "3"), "name": "Beratung"}}
    ]
    mapping.write_text("terms:\n  beratung: psychosocial\n", encoding="utf-8")
    path.write_text(json.dumps([service]), encoding="utf-8")
    first = plan_import(read_hsds(path), shipped, mapping=load_mapping(mapping, shipped))
    (offer,) = first.offers.values()
    assert offer.id == "community-counselling" and offer.city == "dresden"
    knowledge = dataclasses.replace(shipped, offers={**shipped.offers, offer.id: offer})
    service["name"] = "Gemeindeberatung Neu"
    path.write_text(json.dumps([service]), encoding="utf-8")
    again = plan_import(read_hsds(path), knowledge, mapping=load_mapping(mapping, shipped))
    assert list(again.offers) == ["community-counselling"]
    assert preview(knowledge.offers, again.offers).changed == {"community-counselling": ["name"]}


def test_names_collide_and_slugs() -> None:
    assert slugify("Migrationsberatung für Erwachsene (MBE) – Caritas") == (
        "migrationsberatung-fuer-erwachsene-mbe-caritas"
    )
    assert slugify("Straße der Begegnung") == "strasse-der-begegnung"
    assert slugify("مشاوره") == ""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[{"id": "a", "name": "x", "status": "active"},', "bad.json:1:"),
        ('[{"id": "a", "status": "active"}]', "bad.json: $[0].name: name is required"),
        ('{"id": "a", "name": 5, "status": "active"}', "bad.json: $.name: name must be a string"),
        (
            '{"id": "a", "name": "x", "status": "active", "phones": {"number": "1"}}',
            "bad.json: $.phones: phones must be a list",
        ),
        ("[1, 2]", "bad.json: $[0]: expected an HSDS object"),
    ],
)
def test_broken_input_is_refused_with_its_place(
    shipped: Knowledge, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    plan = plan_import(read_hsds(path), shipped)
    assert not plan.ok and not plan.offers
    assert any(p.render().startswith(expected) for p in plan.errors), [
        p.render() for p in plan.errors
    ]


def test_a_bad_mapping_file_names_its_line(shipped: Knowledge, tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(
        "terms:\n  a: housing\n  b: no_such_topic\n  c: [housing, 5]\n", encoding="utf-8"
    )
    mapping = load_mapping(path, shipped)
    rendered = [p.render() for p in mapping.errors]
    assert any(f"{path}:3" in r and "no_such_topic" in r for r in rendered), rendered
    assert any(f"{path}:4" in r for r in rendered), rendered
    assert mapping.topics == {"a": ("housing",)}


def test_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    ready_sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", ready_sqlite_url)
    monkeypatch.setenv("HSDS_INCLUDE_SAMPLES", "1")
    assert main(["knowledge", "export", "--format", "hsds", "--output", "out"]) == 0
    out = capsys.readouterr().out
    assert "services.json (88)" in out or "services.json (" in out
    assert (tmp_path / "out" / "tabular" / "services.csv").exists()

    assert main(["knowledge", "import", "--format", "hsds", "out", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "0 to add, 0 to change" in out and "dry run: the database was not changed" in out

    shutil.copytree(EXAMPLES_DIR, tmp_path / "examples")
    (tmp_path / "map.yaml").write_text("code: psychosocial\n", encoding="utf-8")
    argv = ["knowledge", "import", "--format", "hsds", "examples", "--mapping", "map.yaml"]
    assert main([*argv, "--city", "magdeburg", "--lang", "en", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+ community-counselling" in out and "byweekno" in out
    assert main(argv) == 1  # nowhere to place it without --city
    captured = capsys.readouterr()
    assert "place it with --city" in captured.out and "nothing to import" in captured.err

    (tmp_path / "broken.json").write_text('{"services": [{"id": 1}]', encoding="utf-8")
    assert main(["knowledge", "import", "--format", "hsds", "broken.json"]) == 1
    captured = capsys.readouterr()
    assert "broken.json:1:" in captured.err and "not changed" in captured.err
    assert "Traceback" not in captured.out + captured.err
