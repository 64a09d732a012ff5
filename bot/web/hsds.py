"""The HSDS 3.0 read API under `/hsds/`: public, read-only, thin over `bot.directory.hsds`.

Every route reads the directory through one function, `live_snapshot` (the seam the directory's
revisions plug into), and answers in the HSDS 3.0 API profile (`schema/openapi.json`): paginated
lists with `total_items … empty` and `contents`, fully nested objects by id. Unknown ids give 404
and bad parameters 422, both as JSON; `lang=xx` or `Accept-Language` chooses the language of the
texts (German by default, with the bot's fallback).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from bot.core.languages import DEFAULT_LANGUAGE, LANGUAGES, normalise_language
from bot.directory.hsds import HsdsCatalogue, ServiceEntry
from bot.directory.hsds_vocabulary import HSDS_PROFILE, HSDS_VERSION
from bot.directory.snapshot import live_snapshot

router = APIRouter(prefix="/hsds", tags=["HSDS 3.0"])

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
OPENAPI_FILE = Path(__file__).parent / "hsds_reference" / "openapi.json"
T = TypeVar("T")


# --- language, catalogue ------------------------------------------------------------------


def choose_language(lang: str | None, accept_language: str | None) -> str:
    """`lang` when given (422 when we do not speak it), else the best `Accept-Language` tag we
    speak, else German."""
    if lang is not None:
        chosen = normalise_language(lang)
        if chosen is None:
            raise HTTPException(
                422, f"lang: unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}"
            )
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        chosen = normalise_language(tag)
        if chosen:
            return chosen
    return DEFAULT_LANGUAGE


class _Catalogues:
    """Built catalogues per (directory state, language, samples); a new import makes new keys."""

    def __init__(self, size: int = 2 * len(LANGUAGES)) -> None:
        self.size = size
        self.items: OrderedDict[tuple[Any, ...], HsdsCatalogue] = OrderedDict()

    def get(self, key: tuple[Any, ...], build: Callable[[], HsdsCatalogue]) -> HsdsCatalogue:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        catalogue = self.items[key] = build()
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return catalogue


LangQuery = Annotated[
    str | None,
    Query(
        description="Language of the texts (de en ar uk ru fa ps tr ku ti fr vi); default: "
        "Accept-Language, else German. A text missing in that language falls back to German."
    ),
]


async def catalogue(request: Request, lang: LangQuery = None) -> HsdsCatalogue:
    """The published directory in the request's language (the one data dependency)."""
    language = choose_language(lang, request.headers.get("accept-language"))
    app_state = request.app.state
    snapshot = await live_snapshot(app_state.services)
    include = bool(app_state.settings.hsds_include_samples)
    if not hasattr(app_state, "hsds_catalogues"):
        app_state.hsds_catalogues = _Catalogues()
    return app_state.hsds_catalogues.get(
        (snapshot.key, language, include),
        lambda: HsdsCatalogue(snapshot, language, include_samples=include),
    )


Catalogue = Annotated[HsdsCatalogue, Depends(catalogue)]


def _answer(catalogue: HsdsCatalogue, payload: Any) -> JSONResponse:
    return JSONResponse(
        payload,
        headers={
            "Content-Language": catalogue.lang,
            "Vary": "Accept-Language",
            "Access-Control-Allow-Origin": "*",
        },
    )


def _not_found(kind: str, ident: str) -> HTTPException:
    return HTTPException(404, f"no {kind} with id {ident!r}")


# --- parameters ---------------------------------------------------------------------------

Page = Annotated[int, Query(ge=1, description="Page number, from 1.")]
PerPage = Annotated[
    int | None,
    Query(ge=1, le=MAX_PER_PAGE, description=f"Items per page (default {DEFAULT_PER_PAGE})."),
]
Format = Annotated[
    str, Query(description="`json` (paginated) or `ndjson` (every item, one per line).")
]
Search = Annotated[str | None, Query(description="Words that must all occur (any language).")]


def _check_format(value: str) -> str:
    if value not in ("json", "ndjson"):
        raise HTTPException(422, f"format: {value!r} is not one of json, ndjson")
    return value


def parse_modified_after(value: str | None) -> dt.datetime | None:
    """An ISO 8601 date or date-time; without a zone it is UTC."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise HTTPException(422, f"modified_after: not an ISO 8601 date-time: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _proximity(value: str | None, postcode: str | None) -> float | None:
    if value is None:
        return None
    try:
        metres = float(value)
    except ValueError:
        metres = math.nan
    if not math.isfinite(metres) or metres < 0:
        raise HTTPException(422, f"proximity: not a distance in metres: {value!r}")
    if postcode is None:
        raise HTTPException(422, "proximity needs postcode (the centre of the search)")
    return metres


def paginate(
    catalogue: HsdsCatalogue,
    items: Sequence[T],
    render: Callable[[T], Any],
    *,
    page: int,
    per_page: int | None,
    output: str,
    default_per_page: int = DEFAULT_PER_PAGE,
) -> Response:
    """The HSDS page envelope (or NDJSON of every item)."""
    if output == "ndjson":
        lines = "".join(json.dumps(render(item), ensure_ascii=False) + "\n" for item in items)
        return Response(
            lines,
            media_type="application/x-ndjson",
            headers={"Content-Language": catalogue.lang, "Access-Control-Allow-Origin": "*"},
        )
    size = per_page or default_per_page or 1
    total = len(items)
    pages = math.ceil(total / size)
    start = (page - 1) * size
    contents = [render(item) for item in items[start : start + size]] if start < total else []
    return _answer(
        catalogue,
        {
            "total_items": total,
            "total_pages": pages,
            "page_number": page,
            "size": len(contents),
            "first_page": page == 1,
            "last_page": page >= pages,
            "empty": total == 0,
            "contents": contents,
        },
    )


# --- routes -------------------------------------------------------------------------------


@router.get(
    "/",
    name="hsds_root",
    summary="API information: HSDS version, profile, OpenAPI description, endpoints",
)
async def root(request: Request) -> JSONResponse:
    base = str(request.url_for("hsds_root")).rstrip("/")
    return JSONResponse(
        {
            "version": HSDS_VERSION,
            "profile": HSDS_PROFILE,
            "openapi_url": f"{base}/openapi.json",
            "links": {
                name: f"{base}/{name}"
                for name in (
                    "services",
                    "organizations",
                    "service_at_locations",
                    "taxonomies",
                    "taxonomy_terms",
                )
            },
        },
        headers={"Access-Control-Allow-Origin": "*"},
    )


@router.get("/services", summary="Paginated services (one-to-one fields; `full` for nested)")
async def services(
    catalogue: Catalogue,
    search: Search = None,
    page: Page = 1,
    per_page: PerPage = None,
    format: Format = "json",
    taxonomy_term_id: Annotated[str | None, Query()] = None,
    taxonomy_id: Annotated[str | None, Query()] = None,
    organization_id: Annotated[str | None, Query()] = None,
    modified_after: Annotated[str | None, Query(description="ISO 8601; on or after")] = None,
    minimal: Annotated[bool, Query(description="only id, name, status, last_modified")] = False,
    full: Annotated[bool, Query(description="fully nested services")] = False,
) -> Response:
    output = _check_format(format)
    entries = catalogue.matching_services(
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=parse_modified_after(modified_after),
    )
    render: Callable[[ServiceEntry], Any]
    if minimal:
        render = catalogue.service_minimal
    elif full:
        render = catalogue.service_full
    else:
        render = catalogue.service_flat
    return paginate(
        catalogue,
        entries,
        render,
        page=page,
        per_page=per_page,
        output=output,
        default_per_page=len(entries) if minimal else DEFAULT_PER_PAGE,
    )


@router.get("/services/{id}", summary="One fully nested service")
async def service(id: str, catalogue: Catalogue) -> JSONResponse:
    entry = catalogue.service_by_id.get(id)
    if entry is None:
        raise _not_found("service", id)
    return _answer(catalogue, catalogue.service_full(entry))


@router.get("/organizations", summary="Paginated organizations")
async def organizations(
    catalogue: Catalogue,
    search: Search = None,
    full_service: Annotated[bool, Query(description="with full services (needs full)")] = False,
    full: Annotated[bool, Query(description="fully nested organizations")] = False,
    page: Page = 1,
    per_page: PerPage = None,
    format: Format = "json",
) -> Response:
    output = _check_format(format)
    ids = catalogue.matching_organizations(search=search)

    def render(org_id: str) -> dict[str, Any]:
        if full:
            return catalogue.organization_full(org_id, full_service=full_service)
        return catalogue.organization_flat(org_id)

    return paginate(catalogue, ids, render, page=page, per_page=per_page, output=output)


@router.get("/organizations/{id}", summary="One organization with its services and locations")
async def organization(
    id: str,
    catalogue: Catalogue,
    full_service: Annotated[
        bool, Query(description="full services instead of their fields")
    ] = False,
) -> JSONResponse:
    if id not in catalogue.organizations:
        raise _not_found("organization", id)
    return _answer(catalogue, catalogue.organization_full(id, full_service=full_service))


@router.get("/service_at_locations", summary="Paginated services at locations")
async def service_at_locations(
    catalogue: Catalogue,
    search: Search = None,
    taxonomy_term_id: Annotated[str | None, Query()] = None,
    taxonomy_id: Annotated[str | None, Query()] = None,
    organization_id: Annotated[str | None, Query()] = None,
    modified_after: Annotated[str | None, Query(description="ISO 8601; on or after")] = None,
    full: Annotated[bool, Query(description="fully nested")] = False,
    page: Page = 1,
    per_page: PerPage = None,
    format: Format = "json",
    postcode: Annotated[str | None, Query(description="postal code of the address")] = None,
    proximity: Annotated[str | None, Query(description="metres around the postcode")] = None,
) -> Response:
    output = _check_format(format)
    entries = [
        entry
        for entry in catalogue.matching_services(
            search=search,
            taxonomy_term_id=taxonomy_term_id,
            taxonomy_id=taxonomy_id,
            organization_id=organization_id,
            modified_after=parse_modified_after(modified_after),
            postcode=postcode,
            proximity_m=_proximity(proximity, postcode),
        )
        if entry.service_at_location is not None
    ]
    render = catalogue.sal_full if full else catalogue.sal_flat
    return paginate(catalogue, entries, render, page=page, per_page=per_page, output=output)


@router.get("/service_at_locations/{id}", summary="One fully nested service at a location")
async def service_at_location(id: str, catalogue: Catalogue) -> JSONResponse:
    entry = catalogue.sal_by_id.get(id)
    if entry is None:
        raise _not_found("service_at_location", id)
    return _answer(catalogue, catalogue.sal_full(entry))


@router.get("/taxonomies", summary="Paginated taxonomies")
async def taxonomies(
    catalogue: Catalogue,
    search: Search = None,
    page: Page = 1,
    per_page: PerPage = None,
    format: Format = "json",
) -> Response:
    output = _check_format(format)
    words = search.casefold().split() if search else []
    found = [
        tax
        for tax in catalogue.taxonomies
        if all(w in f"{tax['name']}\n{tax['description']}".casefold() for w in words)
    ]
    return paginate(catalogue, found, dict, page=page, per_page=per_page, output=output)


@router.get("/taxonomies/{id}", summary="One taxonomy")
async def taxonomy(id: str, catalogue: Catalogue) -> JSONResponse:
    found = catalogue.taxonomy_by_id.get(id)
    if found is None:
        raise _not_found("taxonomy", id)
    return _answer(catalogue, found)


@router.get("/taxonomy_terms", summary="Paginated taxonomy terms")
async def taxonomy_terms(
    catalogue: Catalogue,
    search: Search = None,
    page: Page = 1,
    per_page: PerPage = None,
    format: Format = "json",
    taxonomy_id: Annotated[str | None, Query()] = None,
    top_only: Annotated[bool, Query(description="only terms without a parent")] = False,
    parent_id: Annotated[str | None, Query()] = None,
) -> Response:
    output = _check_format(format)
    terms = catalogue.matching_terms(
        search=search, taxonomy_id=taxonomy_id, parent_id=parent_id, top_only=top_only
    )
    return paginate(
        catalogue, terms, catalogue.taxonomy_term_full, page=page, per_page=per_page, output=output
    )


@router.get("/taxonomy_terms/{id}", summary="One taxonomy term")
async def taxonomy_term(id: str, catalogue: Catalogue) -> JSONResponse:
    term = catalogue.term_by_id.get(id)
    if term is None:
        raise _not_found("taxonomy_term", id)
    return _answer(catalogue, catalogue.taxonomy_term_full(term))


# --- the OpenAPI description -------------------------------------------------------------


@cache
def _official_openapi() -> dict[str, Any]:
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"description": "What was wrong (a text, or a list of problems)"}},
    "required": ["detail"],
}
DESCRIPTION = """\
The directory of counselling and support offers for migrants that the Wegweiser bot answers from,
published in the Open Referral Human Services Data Specification (HSDS) 3.0.

* Texts are German by default; `lang=xx` or `Accept-Language` gives them in any of de, en, ar, uk,
  ru, fa, ps, tr, ku, ti, fr, vi (a text missing in that language falls back to German).
* Identifiers are stable UUIDs (version 5) derived from the directory's own ids.
* Topics and fields of action form the taxonomy "Wegweiser: Themen nach Handlungsfeldern";
  facts HSDS has no field for are attributes in "Wegweiser: Merkmale der Einträge".
* Unknown ids answer 404, bad parameters 422, both as JSON `{"detail": …}`.

This description adapts the official HSDS 3.0 `openapi.json` (Open Referral, CC BY-SA 4.0): the
answer of `/service_at_locations/{id}` refers to the compiled service_at_location schema.
"""


def adapted_openapi(server_url: str) -> dict[str, Any]:
    """The official description with our title, server, `lang` parameter and error answers."""
    spec = copy.deepcopy(_official_openapi())
    spec["info"] = {
        "title": "Wegweiser – HSDS 3.0 read API",
        "version": HSDS_VERSION,
        "summary": "The Wegweiser directory as Open Referral HSDS 3.0, read-only and public.",
        "description": DESCRIPTION,
        "license": {
            "name": "CC BY-SA 4.0 (API description derived from Open Referral HSDS)",
            "url": "https://creativecommons.org/licenses/by-sa/4.0/",
        },
    }
    spec["servers"] = [{"url": server_url}]
    sal = spec["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]
    sal["content"]["application/json"]["schema"]["$ref"] = sal["content"]["application/json"][
        "schema"
    ]["$ref"].replace("compiled/service.json", "compiled/service_at_location.json")
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components.setdefault("parameters", {})["lang"] = {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": "Language of the texts: de en ar uk ru fa ps tr ku ti fr vi (default: "
        "Accept-Language, else de).",
        "schema": {"type": "string", "enum": list(LANGUAGES)},
    }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path, item in spec["paths"].items():
        operation = item["get"]
        if path != "/":
            operation.setdefault("parameters", []).append({"$ref": "#/components/parameters/lang"})
            operation["responses"]["422"] = {"description": "A parameter is not valid", **error}
        if "{id}" in path:
            operation["responses"]["404"] = {"description": "No object with this id", **error}
    return spec


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> JSONResponse:
    base = str(request.url_for("hsds_root")).rstrip("/")
    return JSONResponse(adapted_openapi(base), headers={"Access-Control-Allow-Origin": "*"})
