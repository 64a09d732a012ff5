"""The offer editor's form fields ↔ raw offer data (as typed; validation happens in the service)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from bot.core.languages import LANGUAGES

LOCALIZED = ("name", "summary", "description", "cost_note", "target_group.note")
SCALARS = (
    "id",
    "provider",
    "scope",
    "city",
    "district",
    "address",
    "opening_hours",
    "phone",
    "email",
    "website",
    "appointment",
    "cost",
    "last_reviewed",
    "source",
)


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def _number(text: str) -> Any:
    try:
        return float(text.replace(",", ".")) if "." in text or "," in text else int(text)
    except ValueError:
        return text


def offer_from_form(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in SCALARS:
        value = str(form.get(key) or "").strip()
        if value:
            data[key] = value
    for key in ("sample", "emergency"):
        data[key] = form.get(key) in ("on", "true", "1")
    for path in LOCALIZED:
        for lang in LANGUAGES:
            value = str(form.get(f"{path}.{lang}") or "").strip()
            if value:
                _put(data, f"{path}.{lang}", value)
    # the order of topics matters (the first is the main topic): keep the order the offer had,
    # newly ticked topics come after it
    chosen = [str(v) for v in form.getlist("topics") if str(v).strip()]
    before = [t for t in str(form.get("topics_order") or "").split(",") if t]
    data["topics"] = [t for t in before if t in chosen] + [t for t in chosen if t not in before]
    data["languages"] = [
        v.strip()
        for v in str(form.get("languages") or "").replace(";", ",").split(",")
        if v.strip()
    ]
    kinds = [str(v) for v in form.getlist("emergency_kinds")]
    if kinds:
        data["emergency_kinds"] = kinds
    group = data.setdefault("target_group", {})
    for key in ("age_min", "age_max"):
        value = str(form.get(f"target_group.{key}") or "").strip()
        if value:
            group[key] = _number(value)
    statuses = [str(v) for v in form.getlist("target_group.residence_status")]
    if statuses:
        group["residence_status"] = statuses
    if form.get("target_group.gender") == "women":
        group["gender"] = "women"
    if not group:
        data.pop("target_group")
    lat, lon = (str(form.get(k) or "").strip() for k in ("latitude", "longitude"))
    if lat or lon:
        data["coordinates"] = [_number(lat), _number(lon)]
    keywords: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        words = [w.strip() for w in str(form.get(f"keywords.{lang}") or "").split(";") if w.strip()]
        if words:
            keywords[lang] = words
    if keywords:
        data["keywords"] = keywords
    return data


def value_at(data: dict[str, Any] | None, path: str) -> Any:
    value: Any = data or {}
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
