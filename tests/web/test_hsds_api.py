"""The HSDS 3.0 read API: every answer against the official schemas, and its behaviour."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from typing import Any

import httpx

from bot.directory.hsds_vocabulary import NAMESPACE, SAMPLE_TEXT, hsds_id, plain, term_id
from bot.i18n import texts
from bot.services import Services
from tests.hsds_schemas import errors
from tests.web.hsds_client import web_client

LIST_SCHEMAS = {
    "/hsds/services": "compiled/service_list.json",
    "/hsds/organizations": "compiled/organization_list.json",
    "/hsds/service_at_locations": "compiled/service_at_location_list.json",
    "/hsds/taxonomies": "taxonomy.json",
    "/hsds/taxonomy_terms": "taxonomy_term.json",
}
ITEM_SCHEMAS = {
    "/hsds/services": "compiled/service.json",
    "/hsds/organizations": "compiled/organization.json",
    "/hsds/service_at_locations": "compiled/service_at_location.json",
    "/hsds/taxonomies": "taxonomy.json",
    "/hsds/taxonomy_terms": "taxonomy_term.json",
}
PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}


class Checked:
    """Validates every answer strictly and counts what it validated."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.responses = 0
        self.objects = 0

    def validate(self, schema: str, instance: Any, where: str) -> None:
        problems = errors(schema, instance, strict=True)
        assert not problems, f"{where} against {schema}:\n" + "\n".join(problems[:10])
        self.objects += 1

    async def page(self, path: str, schema: str, **params: Any) -> dict[str, Any]:
        response = await self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == PAGE_KEYS
        assert body["size"] == len(body["contents"])
        for i, item in enumerate(body["contents"]):
            self.validate(schema, item, f"{path}?{params} contents[{i}]")
        self.responses += 1
        return body

    async def item(self, path: str, schema: str, **params: Any) -> dict[str, Any]:
        response = await self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        self.validate(schema, response.json(), path)
        self.responses += 1
        return response.json()


async def test_every_answer_validates_against_the_official_schemas(services: Services) -> None:
    started = time.perf_counter()
    async with web_client(services, hsds_include_samples=True) as client:
        check = Checked(client)
        root = (await client.get("/hsds/")).json()
        assert root["version"] == "3.0" and root["openapi_url"].endswith("/hsds/openapi.json")
        for path, schema in LIST_SCHEMAS.items():
            first = await check.page(path, schema, per_page=1000)
            ids = [item["id"] for item in first["contents"]]
            assert ids and len(ids) == len(set(ids)) == first["total_items"]
            for ident in ids:
                await check.item(f"{path}/{ident}", ITEM_SCHEMAS[path])
        # the `full` and `minimal` forms of the lists, and another language
        await check.page("/hsds/services", "compiled/service.json", full="true", per_page=1000)
        await check.page("/hsds/services", "compiled/service_list.json", minimal="true")
        await check.page("/hsds/services", "compiled/service.json", full="true", lang="ar")
        await check.page(
            "/hsds/service_at_locations", "compiled/service_at_location.json", full="true"
        )
        await check.page(
            "/hsds/organizations",
            "compiled/organization.json",
            full="true",
            full_service="true",
            per_page=1000,
        )
        org = (await client.get("/hsds/organizations")).json()["contents"][0]["id"]
        full = await check.item(
            f"/hsds/organizations/{org}", "compiled/organization.json", full_service="true"
        )
        assert full["services"] and "attributes" in full["services"][0]
    print(
        f"\nHSDS schema validation: {check.responses} answers, {check.objects} objects valid "
        f"(strict) in {time.perf_counter() - started:.1f} s"
    )
    assert check.responses > 250


def test_the_strict_check_catches_a_misspelt_field() -> None:
    """Control: HSDS allows unknown fields; the tests do not, to catch typos in the mapping."""
    service = {"id": str(uuid.uuid4()), "name": "x", "status": "active", "fees_descripton": "x"}
    assert not errors("compiled/service.json", service)
    assert errors("compiled/service.json", service, strict=True)
    assert errors("compiled/service.json", {**service, "id": "not-a-uuid"})


async def check_samples_are_left_out_unless_turned_on(services: Services) -> None:
    knowledge = services.knowledge
    assert knowledge is not None
    real = sorted(o.id for o in knowledge.offers.values() if not o.sample)
    async with web_client(services) as client:
        body = (await client.get("/hsds/services", params={"per_page": 1000})).json()
        assert body["total_items"] == len(real)
        assert sorted(s["id"] for s in body["contents"]) == sorted(
            hsds_id("service", o) for o in real
        )
        assert all("alert" not in s for s in body["contents"])
        sample = next(o for o in knowledge.offers.values() if o.sample)
        missing = await client.get(f"/hsds/services/{hsds_id('service', sample.id)}")
        assert missing.status_code == 404
    async with web_client(services, hsds_include_samples=True) as client:
        body = (await client.get("/hsds/services", params={"per_page": 1000})).json()
        assert body["total_items"] == len(knowledge.offers)
        shown = (await client.get(f"/hsds/services/{hsds_id('service', sample.id)}")).json()
        assert shown["alert"] == plain(texts("de"), SAMPLE_TEXT)
        assert shown["alert"].startswith("Beispiel")
        codes = {a["taxonomy_term"]["code"] for a in shown["attributes"]}
        assert "sample" in codes


async def check_pages(services: Services) -> None:
    async with web_client(services, hsds_include_samples=True) as client:
        total = len(services.knowledge.offers)  # type: ignore[union-attr]
        first = (await client.get("/hsds/services", params={"per_page": 10})).json()
        assert (first["page_number"], first["size"], first["total_items"]) == (1, 10, total)
        assert first["total_pages"] == -(-total // 10)
        assert first["first_page"] and not first["last_page"] and not first["empty"]
        last = (
            await client.get(
                "/hsds/services", params={"per_page": 10, "page": first["total_pages"]}
            )
        ).json()
        assert last["last_page"] and not last["first_page"]
        assert last["size"] == (total % 10 or 10)
        beyond = (await client.get("/hsds/services", params={"page": 99})).json()
        assert beyond["contents"] == [] and beyond["size"] == 0 and not beyond["empty"]
        seen = []
        for page in range(1, first["total_pages"] + 1):
            body = (
                await client.get("/hsds/services", params={"per_page": 10, "page": page})
            ).json()
            seen += [s["id"] for s in body["contents"]]
        assert len(seen) == len(set(seen)) == total
        nothing = (await client.get("/hsds/services", params={"search": "xyzzy-nothing"})).json()
        assert nothing["empty"] and nothing["total_pages"] == 0 and nothing["contents"] == []
        lines = (await client.get("/hsds/services", params={"format": "ndjson"})).text
        assert len(lines.strip().splitlines()) == total


async def check_filters(services: Services) -> None:
    knowledge = services.knowledge
    assert knowledge is not None

    async def ids(**params: Any) -> set[str]:
        response = await client.get("/hsds/services", params={"per_page": 1000, **params})
        assert response.status_code == 200, response.text
        return {s["id"] for s in response.json()["contents"]}

    def services_of(predicate: Any) -> set[str]:
        return {hsds_id("service", o.id) for o in knowledge.offers.values() if predicate(o)}

    async with web_client(services, hsds_include_samples=True) as client:
        found = await ids(search="Jobcenter MAGDEBURG")
        assert hsds_id("service", "jobcenter-magdeburg") in found
        assert hsds_id("service", "jobcenter-dresden") not in found
        assert len(found) < 10
        arabic = knowledge.offers["mbe-caritas-magdeburg"].name["ar"]
        assert hsds_id("service", "mbe-caritas-magdeburg") in await ids(search=arabic)
        housing = services_of(lambda o: "housing" in o.topics)
        assert housing and await ids(taxonomy_term_id=term_id("topics", "housing")) == housing
        field = "housing_living"
        in_field = services_of(
            lambda o: any(knowledge.field_of_topic[t] == field for t in o.topics)
        )
        assert await ids(taxonomy_term_id=term_id("topics", field)) == in_field
        assert await ids(taxonomy_term_id=term_id("flags", "women_only")) == services_of(
            lambda o: o.target_group.gender == "women"
        )
        assert await ids(taxonomy_id=str(uuid.uuid4())) == set()
        caritas = hsds_id("service", "mbe-caritas-magdeburg")
        org = (await client.get(f"/hsds/services/{caritas}")).json()["organization_id"]
        same_provider = services_of(
            lambda o: o.provider == knowledge.offers["mbe-caritas-magdeburg"].provider
        )
        assert caritas in await ids(organization_id=org) == same_provider
        sal = (await client.get("/hsds/service_at_locations", params={"postcode": "39104"})).json()
        assert sal["total_items"] > 0
        assert all(
            "39104" in knowledge.offers[_offer_of(item["service_id"], knowledge)].address
            for item in sal["contents"]
        )
        near = await client.get(
            "/hsds/service_at_locations",
            params={"postcode": "39104", "proximity": "30000", "per_page": 1000},
        )
        in_magdeburg = services_of(lambda o: o.city == "magdeburg" and o.address is not None)
        assert {item["service_id"] for item in near.json()["contents"]} == in_magdeburg


def _offer_of(service_id: str, knowledge: Any) -> str:
    return next(o for o in knowledge.offers if hsds_id("service", o) == service_id)


async def check_modified_after_follows_the_offer_times(services: Services) -> None:
    """An offer changed in a new revision is the only one modified after the revision before."""
    from bot.directory.service import Change

    live = await services.directory.live()
    assert live is not None
    before = max(live.modified.values())
    data = live.offer_data("notruf-112-110")
    assert data is not None
    data["keywords"] = {**data.get("keywords", {}), "de": ["Notrufnummer"]}
    await asyncio.sleep(1.1)  # the API compares whole seconds
    outcome = await services.directory.apply(
        Change(offers={"notruf-112-110": data}), author="test", source="form"
    )
    assert outcome.revision is not None
    changed = (await services.directory.live()).modified["notruf-112-110"]
    async with web_client(services) as client:
        after = (before + dt.timedelta(seconds=1)).isoformat()  # "on or after": not the old time
        body = (await client.get("/hsds/services", params={"modified_after": after})).json()
        assert [s["id"] for s in body["contents"]] == [hsds_id("service", "notruf-112-110")]
        assert body["contents"][0]["last_modified"].startswith(changed.strftime("%Y-%m-%dT%H:%M"))
        everything = await client.get("/hsds/services", params={"modified_after": "2000-01-01"})
        assert everything.json()["total_items"] > 1


async def check_unknown_ids_and_bad_parameters_answer_json(services: Services) -> None:
    async with web_client(services) as client:
        for path in (
            "/hsds/services/",
            "/hsds/organizations/",
            "/hsds/service_at_locations/",
            "/hsds/taxonomies/",
            "/hsds/taxonomy_terms/",
        ):
            for ident in (str(uuid.uuid4()), "nope", "%00"):
                response = await client.get(path + ident)
                assert response.status_code == 404, (path, ident)
                assert "detail" in response.json()
        for params in (
            {"page": "0"},
            {"page": "x"},
            {"per_page": "100000"},
            {"full": "perhaps"},
            {"modified_after": "yesterday"},
            {"lang": "xx"},
            {"format": "xml"},
        ):
            response = await client.get("/hsds/services", params=params)
            assert response.status_code == 422, params
            assert "detail" in response.json()
        response = await client.get("/hsds/service_at_locations", params={"proximity": "-5"})
        assert response.status_code == 422


async def check_languages_and_fallback(services: Services) -> None:
    knowledge = services.knowledge
    assert knowledge is not None
    offer = knowledge.offers["mbe-caritas-magdeburg"]
    path = f"/hsds/services/{hsds_id('service', offer.id)}"
    async with web_client(services, hsds_include_samples=True) as client:
        german = await client.get(path)
        assert german.headers["content-language"] == "de"
        assert german.json()["name"] == offer.name["de"]
        ukrainian = await client.get(path, params={"lang": "uk"})
        assert ukrainian.json()["name"] == offer.name["uk"]
        assert ukrainian.headers["content-language"] == "uk"
        arabic = await client.get(path, headers={"Accept-Language": "fr;q=0.5, ar-SY, de;q=0.1"})
        assert arabic.json()["name"] == offer.name["ar"]
        pashto = (await client.get(path, params={"lang": "ps"})).json()
        assert pashto["name"] == offer.name["ps"]
        assert pashto["description"] == offer.description["ps"]
        terms = (await client.get("/hsds/taxonomy_terms", params={"lang": "ti"})).json()
        topic = knowledge.topics[terms["contents"][1]["code"]]
        assert terms["contents"][1]["name"] == topic.name["ti"]
        assert terms["contents"][1]["language"] == "ti"


async def check_ids_are_stable_uuid5(services: Services) -> None:
    """Pinned values: changing the namespace or the scheme would break every consumer."""
    assert hsds_id("service", "notruf-112-110") == str(
        uuid.uuid5(NAMESPACE, "service/notruf-112-110")
    )
    assert hsds_id("service", "notruf-112-110") == "f964f949-7b44-538d-bfa5-20e00c82516f"
    async with web_client(services) as client:
        first = (await client.get("/hsds/services", params={"per_page": 1000})).json()
    async with web_client(services, hsds_include_samples=False) as client:
        again = (await client.get("/hsds/services", params={"per_page": 1000})).json()
    assert [s["id"] for s in first["contents"]] == [s["id"] for s in again["contents"]]


async def check_mapping_of_one_offer(services: Services) -> None:
    knowledge = services.knowledge
    assert knowledge is not None
    offer = knowledge.offers["mbe-caritas-magdeburg"]
    async with web_client(services, hsds_include_samples=True) as client:
        service = (await client.get(f"/hsds/services/{hsds_id('service', offer.id)}")).json()
    assert service["organization"]["name"] == offer.provider
    assert service["minimum_age"] == 27 and "maximum_age" not in service
    assert service["eligibility_description"].startswith("Ab 27 Jahren.")
    assert service["application_process"] == "Termin empfohlen"
    assert service["cost_options"][0]["amount"] == 0
    assert service["phones"][0]["number"] == offer.phone
    assert service["email"] == offer.email and service["url"] == offer.website_str
    assert [lang["code"] for lang in service["languages"]] == offer.languages
    assert {lang["name"] for lang in service["languages"]} >= {"Deutsch", "Arabisch"}
    rows = [(r["byday"], r["opens_at"], r["closes_at"]) for r in service["schedules"]]
    assert rows == [
        ("MO,TH", "09:00", "12:00"),
        ("TU", "13:00", "17:00"),
        ("TH", "13:00", "16:00"),
    ]
    assert all(r["freq"] == "WEEKLY" for r in service["schedules"])
    (sal,) = service["service_at_locations"]
    location = sal["location"]
    assert (location["latitude"], location["longitude"]) == offer.coordinates
    (address,) = location["addresses"]
    assert address["address_1"] == "Max-Josef-Metzger-Straße 3"
    assert (address["postal_code"], address["city"], address["country"]) == (
        "39104",
        "Magdeburg",
        "DE",
    )
    assert address["state_province"] == "Sachsen-Anhalt"
    assert address["region"] == knowledge.districts[offer.district][1].name  # type: ignore[index]
    topics = [
        a["taxonomy_term"]["code"]
        for a in service["attributes"]
        if a["taxonomy_term"]["taxonomy_id"] == hsds_id("taxonomy", "topics")
    ]
    assert topics == offer.topics
    parent = next(a for a in service["attributes"] if a["link_type"] == "topic")["taxonomy_term"]
    assert parent["parent_id"] == term_id("topics", "administration_rights")
    assert service["last_modified"].endswith("Z")
    assert service["metadata"][0]["last_action_date"] == service["last_modified"]


async def check_openapi_description_is_served(services: Services) -> None:
    async with web_client(services) as client:
        spec = (await client.get("/hsds/openapi.json")).json()
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "http://testserver/hsds"}]
    assert "REQUIRED" not in spec["info"]["title"]
    assert set(spec["paths"]) == {
        "/",
        "/services",
        "/services/{id}",
        "/organizations",
        "/organizations/{id}",
        "/service_at_locations",
        "/service_at_locations/{id}",
        "/taxonomies",
        "/taxonomies/{id}",
        "/taxonomy_terms",
        "/taxonomy_terms/{id}",
    }
    services_op = spec["paths"]["/services"]["get"]
    assert {"$ref": "#/components/parameters/lang"} in services_op["parameters"]
    assert "404" in spec["paths"]["/services/{id}"]["get"]["responses"]
    sal = spec["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]
    assert sal["content"]["application/json"]["schema"]["$ref"].endswith(
        "compiled/service_at_location.json"
    )


async def test_behaviour(services: Services) -> None:
    """One database per run (the fixture's setup is the slow part), every behaviour in turn."""
    for check in (
        check_samples_are_left_out_unless_turned_on,
        check_pages,
        check_filters,
        check_unknown_ids_and_bad_parameters_answer_json,
        check_languages_and_fallback,
        check_ids_are_stable_uuid5,
        check_mapping_of_one_offer,
        check_openapi_description_is_served,
        check_modified_after_follows_the_offer_times,  # last: it changes the database
    ):
        await check(services)
