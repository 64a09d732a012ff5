"""Words the workspace shows from data (statuses, sources, roles, audit actions), marked for the
staff catalog so that every one has a German and an English text."""

from __future__ import annotations

from bot.i18n import _

WORDS = (
    # offer and item statuses in previews and revisions
    _("added"),
    _("changed"),
    _("retired"),
    _("restored"),
    _("removed"),
    # where a revision came from
    _("form"),
    _("xlsx"),
    _("yaml"),
    _("rollback"),
    _("restore"),
    _("retire"),
    _("gaps"),
    _("hsds"),
    # roles
    _("admin"),
    _("editor"),
    _("viewer"),
    # audit actions and objects
    _("sign-in"),
    _("sign-in blocked"),
    _("create"),
    _("edit"),
    _("restore version"),
    _("upload"),
    _("add"),
    _("remove"),
    _("password"),
    _("offer"),
    _("directory"),
    _("account"),
    _("topic"),
    _("city"),
    # reference item kinds
    _("field"),
    _("intent"),
    _("handoff"),
    _("template"),
    _("exemplar"),
    _("outside"),
    # command line
    _("error"),
    _("warning"),
)
