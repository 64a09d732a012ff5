"""The figures laid out as sections (a chart and its tables), once for every output: the
dashboard, the print page, the PDF and the workbook render the same sections.

Table cells are `int` for counts (each output shows them through the small-count rule: "< 5")
or `str` for everything else (names, shares and durations, already suppressed here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.i18n import Texts
from bot.knowledge.model import Knowledge
from bot.reporting import labels
from bot.reporting.charts import Bar, Chart
from bot.reporting.figures import GAP_REASONS, OUTCOMES, SHARES, CaseLine, Figures
from bot.reporting.gaps import GapGroup
from bot.reporting.privacy import share, shown, visible

Cell = int | str


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Section:
    id: str
    title: str
    chart: Chart | None = None
    tables: list[Table] = field(default_factory=list)
    note: str | None = None


def build(
    figures: Figures, knowledge: Knowledge, t: Texts, gaps: list[GapGroup] | None = None
) -> list[Section]:
    lang = t.language
    out: list[Section] = []
    total = figures.requests

    overview = Table(
        t._("Requests by what the bot did"), [t._("What happened"), t._("Requests"), t._("Share")]
    )
    for key in SHARES:
        overview.rows.append(
            [labels.share_label(t, key), figures.shares[key], share(figures.shares[key], total)]
        )
    overview.rows.append([t._("all requests"), total, ""])
    extra = Table(
        t._("Further figures"),
        [t._("Figure"), t._("Count")],
        [
            [t._("requests for a person without a reachable adviser"), figures.handoff_unreachable],
            [t._("feedback “helpful”"), figures.helpful],
            [t._("feedback “not what I need”"), figures.not_helpful],
            [t._("questions for the gaps queue"), sum(figures.gaps.values())],
        ],
    )
    for key in GAP_REASONS:
        extra.rows.append([f"  {labels.gap_label(t, key)}", figures.gaps[key]])
    out.append(
        Section(
            "overview",
            t._("Requests at a glance"),
            Chart(
                t._("What the bot did with the requests"),
                [Bar(labels.share_label(t, k), figures.shares[k]) for k in SHARES],
            ),
            [overview, extra],
        )
    )

    field_ids = [f.id for f in knowledge.fields]
    weekly = Table(
        t._("Requests per week and field of action"),
        [
            t._("Week"),
            t._("Requests"),
            *[labels.field_name(knowledge, f, lang) for f in field_ids],
        ],
    )
    by_field = figures.weeks_by_field
    for monday, count in figures.weeks:
        counts = by_field.get(monday) or {}
        weekly.rows.append(
            [labels.week_label(monday, t), count, *[counts.get(f, 0) for f in field_ids]]
        )
    out.append(
        Section(
            "weeks",
            t._("Week by week"),
            Chart(
                t._("Requests per week"),
                [Bar(labels.week_label(m, t).split("/")[0], n) for m, n in figures.weeks],
                kind="columns",
            ),
            [weekly],
            t._("Topics are counted for understood requests only, with their best topic."),
        )
    )

    topics = Table(
        t._("Fields of action and topics"), [t._("Field of action"), t._("Topic"), t._("Requests")]
    )
    fields = figures.field_topics(knowledge)
    for field_id, count, rows in fields:
        name = labels.field_name(knowledge, field_id, lang)
        topics.rows.append([name, t._("all topics"), count])
        for topic_id, n in rows:
            topics.rows.append([name, labels.topic_name(knowledge, topic_id, lang), n])
    out.append(
        Section(
            "topics",
            t._("Fields of action and topics"),
            Chart(
                t._("Understood requests per field of action"),
                [Bar(labels.field_name(knowledge, f, lang), n) for f, n, _ in fields],
            ),
            [topics],
        )
    )

    languages = Table(t._("Languages"), [t._("Language"), t._("Requests"), t._("Share")])
    for code, n in figures.languages.most_common():
        languages.rows.append([labels.language_label(t, code), n, share(n, total)])
    out.append(
        Section(
            "languages",
            t._("Languages"),
            Chart(
                t._("Requests per language"),
                [Bar(labels.language_label(t, c), n) for c, n in figures.languages.most_common()],
            ),
            [languages],
        )
    )

    places = Table(t._("Cities and districts"), [t._("City"), t._("District"), t._("Requests")])
    for city_id, n in figures.cities.most_common():
        places.rows.append([labels.city_name(knowledge, city_id, t), t._("all districts"), n])
        for key, m in figures.districts.most_common():
            if key[0] == city_id:
                found = knowledge.districts.get(key[1])
                places.rows.append(
                    [labels.city_name(knowledge, city_id, t), found[1].name if found else key[1], m]
                )
    out.append(
        Section(
            "places",
            t._("Cities and districts"),
            Chart(
                t._("Requests per city"),
                [
                    Bar(labels.city_name(knowledge, c, t), n)
                    for c, n in figures.cities.most_common()
                ],
            ),
            [places],
            t._(
                "The city filter applies to requests; feedback, cases and follow-ups know no place."
            ),
        )
    )

    def feedback(title: str, first: str, counts: dict, name) -> Table:
        """Helpful / not what I need per topic or offer, the most answered first."""
        table = Table(
            title, [first, t._("helpful"), t._("not what I need"), t._("share “not what I need”")]
        )
        for key, votes in sorted(counts.items(), key=lambda x: -sum(x[1].values())):
            yes, no = votes[True], votes[False]
            table.rows.append([name(knowledge, key, lang), yes, no, share(no, yes + no)])
        return table

    by_topic = feedback(
        t._("Feedback per topic"), t._("Topic"), figures.feedback_topics, labels.topic_name
    )
    by_offer = feedback(
        t._("Feedback per offer"), t._("Offer"), figures.feedback_offers, labels.offer_name
    )
    out.append(
        Section(
            "feedback",
            t._("Helpful or not what I need"),
            Chart(
                t._("“Not what I need” per topic"),
                [
                    Bar(labels.topic_name(knowledge, tid, lang), c[False], accent=True)
                    for tid, c in sorted(
                        figures.feedback_topics.items(), key=lambda x: -x[1][False]
                    )[:12]
                ],
            ),
            [by_topic, by_offer],
        )
    )

    cases = Table(
        t._("Hand-off to advisers"),
        [
            t._("Language"),
            t._("Cases"),
            t._("first answer: median"),
            t._("first answer: p90"),
            t._("closing: median"),
            t._("closing: p90"),
        ],
    )
    if figures.cases is not None:
        cases.rows.append([t._("all languages"), *_case_cells(figures.cases, t)])
    for code, line in figures.cases_by_language.items():
        cases.rows.append([labels.language_label(t, code), *_case_cells(line, t)])
    out.append(
        Section(
            "cases",
            t._("Hand-off to advisers"),
            Chart(
                t._("Cases per language"),
                [
                    Bar(labels.language_label(t, c), line.cases)
                    for c, line in figures.cases_by_language.items()
                ],
            ),
            [
                cases,
                Table(
                    t._("Requests for a person"),
                    [t._("Figure"), t._("Count")],
                    [
                        [t._("requests for a person"), figures.handoff_requests],
                        [t._("of these without a reachable adviser"), figures.handoff_unreachable],
                        [t._("cases still open"), figures.open_cases],
                    ],
                ),
            ],
            t._("Times are shown for five cases or more."),
        )
    )

    header = [t._("reached, it helped"), t._("reached, did not help"), t._("could not reach")]
    per_offer = Table(
        t._("Follow-up answers per offer"),
        [t._("Offer"), *header, t._("share “could not reach”")],
    )
    for offer_id, counts in sorted(
        figures.followup_offers.items(), key=lambda x: -x[1]["unreached"]
    ):
        answered = sum(counts.values())
        per_offer.rows.append(
            [
                labels.offer_name(knowledge, offer_id, lang),
                *[counts[k] for k in OUTCOMES],
                share(counts["unreached"], answered),
            ]
        )
    per_topic = Table(
        t._("Follow-up answers per topic"),
        [t._("Topic"), *header, t._("share “could not reach”")],
    )
    for topic_id, counts in sorted(
        figures.followup_topics.items(), key=lambda x: -sum(x[1].values())
    ):
        answered = sum(counts.values())
        per_topic.rows.append(
            [
                labels.topic_name(knowledge, topic_id, lang),
                *[counts[k] for k in OUTCOMES],
                share(counts["unreached"], answered),
            ]
        )
    out.append(
        Section(
            "followup",
            t._("Did people reach the offers?"),
            Chart(
                t._("“Could not reach” per offer"),
                [
                    Bar(labels.offer_name(knowledge, oid, lang), c["unreached"], accent=True)
                    for oid, c in sorted(
                        figures.followup_offers.items(), key=lambda x: -x[1]["unreached"]
                    )[:12]
                ],
            ),
            [per_offer, per_topic],
            t._(
                "Asked a few days after an answer, only of people who agreed; a high share of “could not reach” suggests wrong contact details."
            ),
        )
    )

    if gaps is not None:
        table = Table(
            t._("Largest gaps"),
            [t._("Questions"), t._("Languages"), t._("Reasons"), t._("Examples (masked)")],
        )
        for group in gaps[:10]:
            table.rows.append(
                [
                    group.size,
                    ", ".join(group.languages),
                    ", ".join(
                        f"{labels.gap_label(t, r)} {shown(n)}" for r, n in group.reasons.items()
                    ),
                    " · ".join(f"[{q.language}] {q.masked}" for q in group.examples(3)),
                ]
            )
        out.append(
            Section(
                "gaps",
                t._("Largest gaps"),
                None,
                [table],
                t._(
                    "Questions the bot could not answer, answered with “not what I need” or routed to a person, grouped by meaning across languages; names, numbers and addresses masked."
                ),
            )
        )
    return out


def _case_cells(line: CaseLine, t: Texts) -> list[Cell]:
    cells: list[Cell] = [line.cases]
    for values in (line.first_answer, line.closing):
        if visible(values.n):
            cells += [labels.duration(values.median, t), labels.duration(values.p90, t)]
        else:
            cells += ["–", "–"]
    return cells


def cell_text(value: Cell) -> str:
    return shown(value) if isinstance(value, int) else value
