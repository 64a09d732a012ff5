"""A property-based run of the official HSDS 3.0 `openapi.json` against the live application.

Schemathesis generates requests from the official description (positive and negative data for
every parameter, plus every real id of every object), the application answers them through the
real stack (SQLite and PostgreSQL), and schemathesis checks each answer: no server error, the
declared content type, the official (compiled) response schema, and rejection of invalid data.
Not checked: status-code conformance (the description declares only 200, so every 404 for an
unknown id and every 422 for a bad parameter would count against it).

Generation is derandomised (the same cases on every run) and bounded, so the run takes seconds.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from bot.directory.hsds import HsdsCatalogue
from bot.directory.snapshot import DirectorySnapshot
from bot.knowledge.loader import load_knowledge
from bot.services import Services
from tests.conftest import KNOWLEDGE
from tests.hsds_schemas import openapi_self_contained
from tests.web.hsds_client import web_client

BASE = "http://testserver/hsds"
EXAMPLES_PER_MODE = 25
CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def schema() -> Any:
    spec = openapi_self_contained()
    spec["servers"] = [{"url": BASE}]
    return schemathesis.openapi.from_dict(spec)


def _generate(operation: Any, mode: GenerationMode, examples: int) -> list[Any]:
    cases: list[Any] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    return cases


@pytest.fixture(scope="module")
def generated(schema: Any) -> dict[str, Any]:
    """Cases for every operation of the official description (generated once per module)."""
    started = time.perf_counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    cases: list[Any] = []
    for operation in operations:
        has_query = any(p.location == "query" for p in operation.iter_parameters())
        cases += _generate(
            operation, GenerationMode.POSITIVE, EXAMPLES_PER_MODE if has_query else 5
        )
        if has_query:
            cases += _generate(operation, GenerationMode.NEGATIVE, EXAMPLES_PER_MODE)
    return {
        "operations": operations,
        "cases": cases,
        "seconds": time.perf_counter() - started,
    }


def _real_id_cases(schema: Any, ids: dict[str, list[str]]) -> list[Any]:
    """Cases with real object ids (every third; every id is validated in test_hsds_api), so the
    fully nested answers are checked against the official description too."""
    cases = []
    for path, values in ids.items():
        operation = schema[path]["GET"]
        cases += [operation.Case(path_parameters={"id": value}) for value in values[::3]]
    return cases


async def _ids(client: Any) -> dict[str, list[str]]:
    async def all_ids(path: str) -> list[str]:
        page = (await client.get(f"{BASE}{path}", params={"per_page": 1000})).json()
        return [item["id"] for item in page["contents"]]

    return {
        "/services/{id}": await all_ids("/services"),
        "/organizations/{id}": await all_ids("/organizations"),
        "/service_at_locations/{id}": await all_ids("/service_at_locations"),
        "/taxonomies/{id}": await all_ids("/taxonomies"),
        "/taxonomy_terms/{id}": await all_ids("/taxonomy_terms"),
    }


async def test_official_openapi_property_run(
    services: Services, schema: Any, generated: dict[str, Any]
) -> None:
    started = time.perf_counter()
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    answered: Counter[str] = Counter()
    async with web_client(services, hsds_include_samples=True) as client:
        cases = generated["cases"] + _real_id_cases(schema, await _ids(client))
        for case in cases:
            request = case.as_transport_kwargs(base_url=BASE)
            response = await client.request(
                request["method"],
                request["url"],
                params=request.get("params"),
                headers=request.get("headers"),
            )
            statuses[response.status_code] += 1
            if response.status_code == 200:
                answered[case.operation.label] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as exc:  # one group naming every failed check
                failures.append(f"{case.operation.label} {request.get('params')}: {exc}")
    print(
        f"\nHSDS schemathesis: {len(generated['operations'])} operations, {len(cases)} cases "
        f"({len(generated['cases'])} generated in {generated['seconds']:.1f} s, "
        f"{len(cases) - len(generated['cases'])} real ids), statuses {dict(sorted(statuses.items()))}, "
        f"{len(failures)} failures, {time.perf_counter() - started:.1f} s to run"
    )
    assert not failures, "\n\n".join(failures[:5])
    assert set(statuses) <= {200, 404, 422}
    # every operation answered real data, not only errors
    assert set(answered) == {operation.label for operation in generated["operations"]}


def test_the_checks_catch_an_answer_that_breaks_the_schema(schema: Any) -> None:
    """Control: the same checks pass a real service and fail it without `name` and `status`."""
    knowledge = load_knowledge(KNOWLEDGE).knowledge
    assert knowledge is not None
    catalogue = HsdsCatalogue(DirectorySnapshot(1, knowledge), include_samples=True)
    entry = catalogue.services[0]
    service_id = entry.service["id"]
    operation = schema["/services/{id}"]["GET"]

    def answer(body: dict[str, Any]) -> httpx.Response:
        response = httpx.Response(
            200, json=body, request=httpx.Request("GET", f"{BASE}/services/{service_id}")
        )
        response.elapsed = dt.timedelta(milliseconds=1)
        return response

    full = catalogue.service_full(entry)
    operation.Case(path_parameters={"id": service_id}).validate_response(
        answer(full), checks=CHECKS
    )
    broken = {k: v for k, v in full.items() if k not in ("name", "status")}
    with pytest.raises(FailureGroup) as failure:
        operation.Case(path_parameters={"id": service_id}).validate_response(
            answer(broken), checks=CHECKS
        )
    assert '"name" is a required property' in "".join(traceback.format_exception(failure.value))
