"""A generated history with known counts, for the figures, the dashboard and the report.

Quarter 3 of 2026 (1 July – 30 September), written straight into the tables the bot fills:

| city | requests | what |
|---|---|---|
| Magdeburg | 40 | housing answered 20 (Sudenburg 12, Cracau 3, none 5), language course answered 12, debt counselling answered 3, asked back 5 |
| Dresden | 30 | language course answered 15, job search from the menu 8, no offer 4, emergencies 3 |
| Dessau-Roßlau | 12 | residence permit answered 7, requests for a person 5 (3 without adviser) |
| no place | 10 | asked back 6, requests for a person 4 |

92 requests in all: answered 65, asked back 11, no offer 4, emergency 3, hand-off 9 (3 unreachable).
Languages: de 40, ar 28, uk 17, fa 7. Fields: Wohnen und Leben 23 (housing 20, debt 3),
Bildung und Sprache 27, Arbeit 8, Verwaltung und Rechte 7, Notfall 3.
Feedback: housing helpful 6 / not 7; language course helpful 9 / not 2.
Follow-up outcomes: mieterverein-magdeburg unreached 6, helped 2; integrationskurs-vhs-dresden
helped 5, not_helped 1. Cases: 6 in Arabic (first answer after 10…60 min, closed after 1…6 h),
3 in Ukrainian. Outside the quarter: 7 requests on 30 June and 1 October that must not count.
"""

from __future__ import annotations

import datetime as dt

from bot.storage.models import (
    DemandEvent,
    Feedback,
    FollowUpOutcome,
    HandoffTicket,
    UnansweredQuestion,
)

START = dt.date(2026, 7, 1)
END = dt.date(2026, 9, 30)
BASE = dt.datetime(2026, 7, 6, 10, 0, tzinfo=dt.UTC)  # a Monday

EXPECTED = {
    "requests": 92,
    "answered": 65,
    "clarify": 11,
    "no_offer": 4,
    "emergency": 3,
    "handoff": 9,
    "unreachable": 3,
    "languages": {"de": 40, "ar": 28, "uk": 17, "fa": 7},
    "cities": {"magdeburg": 40, "dresden": 30, "dessau-rosslau": 12, "": 10},
    "fields": {
        "housing_living": 23,
        "education_language": 27,
        "work": 8,
        "administration_rights": 7,
        "emergency": 3,
    },
    "topics": {"housing": 20, "debt_counselling": 3, "language_course": 27},
}


def _events() -> list[DemandEvent]:
    rows: list[tuple] = []  # (count, action, topics, language, city, district)
    rows += [
        (12, "answer", ["housing", "debt_counselling"], "ar", "magdeburg", "magdeburg-sudenburg")
    ]
    rows += [(3, "answer", ["housing"], "de", "magdeburg", "magdeburg-cracau")]
    rows += [(5, "answer", ["housing"], "de", "magdeburg", None)]
    rows += [(12, "answer", ["language_course"], "uk", "magdeburg", None)]
    rows += [(3, "answer", ["debt_counselling"], "de", "magdeburg", None)]
    rows += [(5, "clarify", ["housing"], "de", "magdeburg", None)]
    rows += [(10, "answer", ["language_course"], "de", "dresden", None)]
    rows += [(5, "answer", ["language_course"], "ar", "dresden", None)]
    rows += [(8, "menu", ["job_search"], "de", "dresden", None)]
    rows += [(4, "no_offer", [], "fa", "dresden", None)]
    rows += [(3, "emergency", ["crisis"], "fa", "dresden", None)]
    rows += [(7, "answer", ["residence_permit"], "ar", "dessau-rosslau", None)]
    rows += [(3, "handoff", [], "uk", "dessau-rosslau", None)]  # no adviser reachable
    rows += [(2, "handoff", [], "uk", "dessau-rosslau", None)]
    rows += [(6, "clarify", [], "de", None, None)]
    rows += [(4, "handoff", [], "ar", None, None)]
    out = []
    i = 0
    for count, action, topics, language, city, district in rows:
        for _ in range(count):
            extra: dict = {}
            if action == "handoff":
                extra["adviser"] = not (city == "dessau-rosslau" and count == 3)
            if action == "emergency":
                extra["kind"] = "medical"
            out.append(
                DemandEvent(
                    language=language,
                    action=action,
                    topics={"ids": topics, **extra},
                    city=city,
                    district=district,
                    created_at=BASE + dt.timedelta(days=(i * 7) % 84, hours=i % 9),
                )
            )
            i += 1
    # outside the quarter: never counted
    for when in (
        dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC),
    ):
        for _ in range(3 if when.month == 6 else 4):
            out.append(
                DemandEvent(
                    language="de",
                    action="answer",
                    topics={"ids": ["housing"]},
                    city="magdeburg",
                    created_at=when,
                )
            )
    return out


GAP_QUESTIONS = [
    # a group about vets in five languages, another about driving licences in four, two singles
    ("de", "Wo finde ich einen Tierarzt für meine Katze?", "no_offer"),
    ("en", "my dog is sick, where is a vet", "no_offer"),
    ("ar", "كلبي مريض أين أجد طبيب بيطري", "no_offer"),
    ("ru", "Моя кошка заболела, где ветеринар?", "unclear"),
    ("tr", "Köpeğim hasta, veteriner nerede?", "no_offer"),
    ("de", "Wie kann ich meinen Führerschein umschreiben lassen? Ich heiße Amina Yusuf", "unclear"),
    ("en", "how do I exchange my driving licence in Germany", "unclear"),
    ("uk", "Як обміняти водійські права в Німеччині?", "not_helpful"),
    ("fr", "comment échanger mon permis de conduire", "unclear"),
    ("de", "Gibt es eine Moschee in Magdeburg?", "no_offer"),
    ("en", "I want to talk to someone about my situation, call me 0176 1234567", "handoff"),
]


def rows() -> list:
    out: list = _events()
    for topic, offer, yes, no in (
        ("housing", "mieterverein-magdeburg", 6, 7),
        ("language_course", "integrationskurs-vhs-dresden", 9, 2),
    ):
        for i in range(yes + no):
            out.append(
                Feedback(
                    person_id=None,
                    offer_id=offer,
                    topic=topic,
                    helpful=i < yes,
                    language="de",
                    created_at=BASE + dt.timedelta(days=i),
                )
            )
    for offer, topic, outcomes in (
        ("mieterverein-magdeburg", "housing", ["unreached"] * 6 + ["helped"] * 2),
        ("integrationskurs-vhs-dresden", "language_course", ["helped"] * 5 + ["not_helped"]),
    ):
        for i, outcome in enumerate(outcomes):
            out.append(
                FollowUpOutcome(
                    offer_id=offer,
                    topic=topic,
                    outcome=outcome,
                    language="ar",
                    created_at=BASE + dt.timedelta(days=10 + i),
                )
            )
    for i in range(6):
        created = BASE + dt.timedelta(days=3 * i)
        out.append(
            HandoffTicket(
                case_number=f"W-AR{i}",
                person_id=None,
                status="closed",
                language="ar",
                topics={},
                created_at=created,
                first_answer_at=created + dt.timedelta(minutes=10 * (i + 1)),
                closed_at=created + dt.timedelta(hours=i + 1),
            )
        )
    for i in range(3):
        created = BASE + dt.timedelta(days=2 * i)
        out.append(
            HandoffTicket(
                case_number=f"W-UK{i}",
                person_id=None,
                status="open",
                language="uk",
                topics={},
                created_at=created,
                first_answer_at=created + dt.timedelta(minutes=5),
            )
        )
    for i, (language, text, reason) in enumerate(GAP_QUESTIONS):
        out.append(
            UnansweredQuestion(
                language=language,
                text=text,
                candidates={"topics": [], "reason": reason},
                created_at=BASE + dt.timedelta(days=i),
            )
        )
    return out


async def write_history(sessions) -> None:
    async with sessions() as session, session.begin():
        session.add_all(rows())
