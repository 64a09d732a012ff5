"""The figures as plain text: `wegweiser demand`, `wegweiser cases` and Telegram `/stats`.

German by default, English on request; every count through `privacy.shown` ("< 5")."""

from __future__ import annotations

import datetime as dt

from bot.i18n import Texts
from bot.knowledge.model import Knowledge
from bot.reporting import labels
from bot.reporting.figures import GAP_REASONS, OUTCOMES, SHARES, Figures
from bot.reporting.privacy import share, shown, visible
from bot.storage.models import HandoffTicket


def demand_text(
    figures: Figures, knowledge: Knowledge, t: Texts, questions: list[tuple[str, str]] = ()
) -> str:
    """What people asked for; `questions` are (language, masked text) of recent gaps."""
    lang = t.language
    period = figures.period
    lines = [
        t._(
            "Requests from {start} to {end} ({days} days): {n}",
            start=labels.day(period.start),
            end=labels.day(period.end),
            days=period.days,
            n=shown(figures.requests),
        )
    ]
    if figures.city or figures.language:
        parts = []
        if figures.city:
            parts.append(labels.city_name(knowledge, figures.city, t))
        if figures.language:
            parts.append(labels.language_label(t, figures.language))
        lines.append(t._("Only: {what}", what=", ".join(parts)))
    lines.append(
        "  "
        + " · ".join(
            f"{labels.share_label(t, key)}: {shown(figures.shares[key])} "
            f"({share(figures.shares[key], figures.requests)})"
            for key in SHARES
        )
    )
    lines.append(
        "  "
        + t._(
            "Requests for a person: {n}; of these without a reachable adviser: {unreachable}",
            n=shown(figures.handoff_requests),
            unreachable=shown(figures.handoff_unreachable),
        )
    )
    lines.append(
        "  "
        + t._(
            "Feedback on offers: helpful {helpful} · “not what I need” {not_helpful}",
            helpful=shown(figures.helpful),
            not_helpful=shown(figures.not_helpful),
        )
    )
    lines.append("")
    lines.append(t._("By field of action and topic (understood requests, best topic):"))
    for field_id, count, topics in figures.field_topics(knowledge):
        lines.append(f"{labels.field_name(knowledge, field_id, lang)}: {shown(count)}")
        for topic_id, n in topics:
            lines.append(f"  {shown(n):>5}  {labels.topic_name(knowledge, topic_id, lang)}")
    if not figures.topics:
        lines.append("  –")
    lines.append("")
    lines.append(
        t._("Languages:")
        + " "
        + ", ".join(f"{code} {shown(n)}" for code, n in figures.languages.most_common())
    )
    lines.append(
        t._("Cities:")
        + " "
        + ", ".join(
            f"{labels.city_name(knowledge, c, t)} {shown(n)}"
            for c, n in figures.cities.most_common()
        )
    )
    if figures.districts:
        lines.append(
            t._("Districts:")
            + " "
            + ", ".join(
                f"{labels.district_name(knowledge, key, t)} {shown(n)}"
                for key, n in figures.districts.most_common()
            )
        )
    followups = figures.followups
    if followups:
        total = sum(followups.values())
        lines.append("")
        lines.append(
            t._("Referral follow-up answers: {n}", n=shown(total))
            + " ("
            + ", ".join(
                f"{labels.outcome_label(t, key)} {shown(followups[key])}" for key in OUTCOMES
            )
            + ")"
        )
    lines.append("")
    lines.append(
        t._("Questions for the gaps queue:")
        + " "
        + ", ".join(f"{labels.gap_label(t, key)} {shown(figures.gaps[key])}" for key in GAP_REASONS)
    )
    if questions:
        lines.append(t._("Latest of them (masked):"))
        lines += [f"  [{language}] {text[:120]}" for language, text in questions]
    return "\n".join(lines)


def cases_text(
    figures: Figures, open_cases: list[HandoffTicket], t: Texts, now: dt.datetime
) -> str:
    """Open cases with their age, and how fast advisers answer and close (median and p90 of the
    period, by language; fewer than five cases give no time)."""
    lines = [t._("Open cases: {n}", n=len(open_cases))]
    case, language, age_label = t._("case"), t._("language"), t._("age")
    answered_label, claimed_label = t._("answered"), t._("claimed")
    median_label, cases_label = t._("median"), t._("cases")
    if open_cases:
        lines.append(
            f"  {case:<10} {language:<8} {age_label:>12}  {answered_label:<11} {claimed_label}"
        )
        for ticket in open_cases:
            answered = t._("yes") if ticket.first_answer_at else t._("no")
            claimed = t._("yes") if ticket.claimed_by else t._("no")
            age = labels.duration((now - ticket.created_at).total_seconds(), t)
            lines.append(
                f"  {ticket.case_number:<10} {ticket.language:<8} {age:>12}  {answered:<11} {claimed}"
            )
    period = figures.period
    lines.append("")
    lines.append(
        t._(
            "From {start} to {end}: requests for a person {n}, of these without a reachable adviser {unreachable} (answered with a counselling service's contact)",
            start=labels.day(period.start),
            end=labels.day(period.end),
            n=shown(figures.handoff_requests),
            unreachable=shown(figures.handoff_unreachable),
        )
    )
    cases = figures.cases
    lines.append(t._("Cases: {n}", n=shown(cases.cases if cases else 0)))
    lines.append(t._("Time from hand-off to the first adviser answer and to closing:"))
    rows = [(t._("all languages"), cases)] if cases else []
    rows += [
        (labels.language_label(t, code), line) for code, line in figures.cases_by_language.items()
    ]
    for label, line in rows:
        lines.append(f"  {label} ({cases_label}: {shown(line.cases)})")
        for name, values in (
            (t._("first answer"), line.first_answer),
            (t._("closing"), line.closing),
        ):
            if visible(values.n):
                lines.append(
                    f"    {name:<16} {median_label} {labels.duration(values.median, t):>12}   "
                    f"p90 {labels.duration(values.p90, t):>12}   (n={values.n})"
                )
            else:
                lines.append(f"    {name:<16} " + t._("fewer than 5 cases: no time shown"))
    return "\n".join(lines)
