"""Problems, field names and places in the staff's language (German first, English second).

The English templates of `bot.knowledge.problems` are the message ids of the `staff` gettext
domain; field paths become the labels people see in the workspace ("Beschreibung (Arabisch)").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.i18n import Texts, _
from bot.knowledge.problems import MESSAGES, SUGGESTIONS, Problem, format_template

# field path part → label (msgids of the staff domain)
FIELD_LABELS: dict[str, str] = {
    "id": _("Id"),
    "sample": _("Sample entry"),
    "name": _("Name"),
    "provider": _("Provider"),
    "topics": _("Topics"),
    "summary": _("Summary"),
    "description": _("Description"),
    "target_group": _("Target group"),
    "age_min": _("Minimum age"),
    "age_max": _("Maximum age"),
    "residence_status": _("Residence status"),
    "gender": _("Only for women"),
    "note": _("Note"),
    "languages": _("Languages spoken"),
    "scope": _("Reach"),
    "city": _("City"),
    "district": _("District"),
    "address": _("Address"),
    "coordinates": _("Map point"),
    "opening_hours": _("Opening hours"),
    "phone": _("Phone"),
    "email": _("E-mail"),
    "website": _("Website"),
    "appointment": _("Appointment"),
    "cost": _("Cost"),
    "cost_note": _("Note on cost"),
    "keywords": _("Keywords"),
    "emergency": _("Emergency offer"),
    "emergency_kinds": _("Kinds of emergency"),
    "last_reviewed": _("Last reviewed"),
    "source": _("Source"),
    "lexicon": _("Phrases"),
    "aliases": _("Other names"),
    "center": _("Centre"),
    "bbox": _("Map section"),
    "districts": _("Districts"),
    "fields": _("Fields of action"),
    "cities": _("Cities"),
}


@dataclass(frozen=True)
class Worded:
    """A problem as people read it."""

    severity: str
    where: str  # file:line, sheet!cell or the field label
    field: str  # the dotted field path (for placing the message next to its input)
    label: str  # the field's label
    message: str
    suggestion: str | None
    fix_field: str | None
    fix_value: Any
    code: str


def language_name(t: Texts, code: str) -> str:
    return t.language_name(code) if len(code) <= 3 else code


def field_label(t: Texts, path: str) -> str:
    """'description.ar' → 'Beschreibung (Arabisch)'; 'target_group.age_min' → 'Mindestalter'."""
    parts = [p for p in path.split(".") if p and not p.isdigit()]
    if not parts:
        return ""
    language = None
    if (
        len(parts) > 1
        and len(parts[-1]) <= 3
        and parts[-1].islower()
        and parts[-1] not in FIELD_LABELS
    ):
        language = parts.pop()
    label = t._(FIELD_LABELS[parts[-1]]) if parts[-1] in FIELD_LABELS else parts[-1]
    return f"{label} ({language_name(t, language)})" if language else label


def _params(t: Texts, params: dict[str, Any]) -> dict[str, Any]:
    shown = dict(params)
    if "language" in shown:
        shown["language"] = language_name(t, str(shown["language"]))
    if "languages" in shown:
        shown["languages"] = ", ".join(
            language_name(t, c.strip()) for c in str(shown["languages"]).split(",")
        )
    if "field" in shown and isinstance(shown["field"], str):
        shown["field"] = field_label(t, shown["field"]) or shown["field"]
    return shown


def word(problem: Problem, t: Texts, root: Path | None = None) -> Worded:
    params = _params(t, problem.params)
    message = format_template(t._(MESSAGES.get(problem.code, "{detail}")), params)
    hint = problem.suggestion
    suggestion = None
    if hint is not None:
        suggestion = format_template(t._(SUGGESTIONS[hint.code]), _params(t, hint.params))
    place = problem.place
    label = field_label(t, place.field)
    if place.file is not None or place.sheet is not None:
        where = place.render(root)
    else:
        where = label or place.offer or ""
    return Worded(
        severity=problem.severity,
        where=where,
        field=place.field,
        label=label,
        message=message,
        suggestion=suggestion,
        fix_field=hint.field if hint is not None else None,
        fix_value=hint.value if hint is not None else None,
        code=problem.code,
    )


def line(problem: Problem, t: Texts, root: Path | None = None) -> str:
    """One line for the command line: place, severity, field, message, suggestion."""
    worded = word(problem, t, root)
    severity = t._("error") if problem.severity == "error" else t._("warning")
    text = f"{worded.where}: {severity}: "
    if worded.label and (problem.place.file is not None or problem.place.sheet is not None):
        text += f"{worded.label}: "
    text += worded.message
    if worded.suggestion:
        text += f" → {worded.suggestion}"
    return text
