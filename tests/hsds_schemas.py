"""The official HSDS 3.0 schemas, offline: validators for API responses and export files.

The schemas are read from the copy in `tests/data/hsds-3.0/` (CC BY-SA 4.0, see its README).
Their references point to raw.githubusercontent.com; a local registry answers them, so nothing
goes to the network. Formats (uuid, email, uri, date, date-time) are checked, not just annotated.

`strict` validators additionally forbid properties a schema does not define (HSDS itself allows
them everywhere): a misspelt field name in our mapping then fails instead of passing unnoticed.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HSDS_DIR = Path(__file__).parent / "data" / "hsds-3.0"
SCHEMA_DIR = HSDS_DIR / "schema"
EXAMPLES_DIR = HSDS_DIR / "examples"
REMOTE_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

FORMATS = FormatChecker()


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    if not parts.scheme or not (parts.netloc or parts.path) or " " in value:
        raise ValueError(f"not an absolute URI: {value!r}")
    return True


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None or "T" not in value:
        raise ValueError(f"not an RFC 3339 date-time: {value!r}")
    return True


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def _strictify(schema: Any) -> Any:
    """A copy in which every object schema with `properties` forbids other properties."""
    if isinstance(schema, dict):
        out = {k: _strictify(v) for k, v in schema.items()}
        if isinstance(schema.get("properties"), dict) and "additionalProperties" not in schema:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strictify(v) for v in schema]
    return schema


@cache
def registry(strict: bool = False) -> Registry:
    """Every schema file under its raw.githubusercontent.com address."""
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        name = path.relative_to(SCHEMA_DIR).as_posix()
        if name == "openapi.json":
            continue
        contents = _load(name)
        if strict:
            contents = _strictify(contents)
        resources.append(
            (
                REMOTE_BASE + name,
                Resource.from_contents(contents, default_specification=DRAFT202012),
            )
        )
    return Registry().with_resources(resources)


@cache
def validator(name: str, *, strict: bool = False) -> Draft202012Validator:
    """A validator for `name` (e.g. "compiled/service.json", "taxonomy.json")."""
    schema = {"$ref": REMOTE_BASE + name}
    return Draft202012Validator(schema, registry=registry(strict), format_checker=FORMATS)


def errors(name: str, instance: Any, *, strict: bool = False) -> list[str]:
    """Every violation, as "json.path: message" lines (empty when valid)."""
    found = validator(name, strict=strict).iter_errors(instance)
    return sorted(f"{e.json_path}: {e.message}" for e in found)


def openapi_self_contained() -> dict[str, Any]:
    """The official openapi.json with its remote references inlined under
    `components/schemas`, so schemathesis can use it offline.

    One correction: upstream declares `compiled/service.json` as the answer of
    `/service_at_locations/{id}`; it is `compiled/service_at_location.json` (the endpoint returns
    a service at a location, and the compiled schema for it exists).
    """
    spec = copy.deepcopy(_load("openapi.json"))
    sal = spec["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]
    sal["content"]["application/json"]["schema"]["$ref"] = REMOTE_BASE + (
        "compiled/service_at_location.json"
    )
    components = spec.setdefault("components", {}).setdefault("schemas", {})

    def local_name(url: str) -> str:
        return url.removeprefix(REMOTE_BASE).removesuffix(".json").replace("/", "_")

    def inline(node: Any, base: str) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                url = ref if ref.startswith("http") else base + ref
                name = local_name(url)
                if name not in components:
                    components[name] = {}  # placeholder against cycles
                    target = _load(url.removeprefix(REMOTE_BASE))
                    folder = url.rsplit("/", 1)[0] + "/"
                    components[name] = inline(target, folder)
                return {
                    **{k: v for k, v in node.items() if k != "$ref"},
                    "$ref": f"#/components/schemas/{name}",
                }
            return {k: inline(v, base) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v, base) for v in node]
        return node

    spec["paths"] = inline(spec["paths"], REMOTE_BASE)
    return spec
