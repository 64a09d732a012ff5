"""A short automatic summary in German for the steering group ("Die meisten Anfragen
betrafen …"). Every number in it follows the small-count rule; a sentence whose figures are too
small to show is left out rather than written with "< 5"."""

from __future__ import annotations

from bot.i18n import staff_texts
from bot.knowledge.model import Knowledge
from bot.reporting import labels
from bot.reporting.figures import Figures
from bot.reporting.gaps import GapGroup
from bot.reporting.privacy import share, shown, visible


def _quoted(name: str) -> str:
    return f"„{name}“"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


def german_summary(
    figures: Figures, knowledge: Knowledge, gaps: list[GapGroup] | None = None
) -> list[str]:
    t = staff_texts("de")
    period = figures.period
    total = figures.requests
    out = [
        f"Vom {labels.day(period.start)} bis {labels.day(period.end)} stellten Menschen dem "
        f"Wegweiser {shown(total)} Anfragen."
    ]
    if not visible(total):
        out.append(
            "Das sind zu wenige, um mehr zu sagen, ohne einzelne Menschen erkennbar zu machen."
        )
        return out
    fields = figures.field_topics(knowledge)
    if fields and visible(fields[0][1]):
        field_id, count, topics = fields[0]
        understood = sum(n for _, n, _ in fields)
        sentence = (
            f"Die meisten Anfragen betrafen das Handlungsfeld "
            f"{_quoted(labels.field_name(knowledge, field_id, 'de'))} "
            f"({shown(count)}, {share(count, understood)} der verstandenen Anfragen)"
        )
        main = [
            _quoted(labels.topic_name(knowledge, tid, "de")) for tid, n in topics[:2] if visible(n)
        ]
        sentence += f", vor allem {_join(main)}." if main else "."
        out.append(sentence)
        if len(fields) > 1 and visible(fields[1][1]):
            others = [
                _quoted(labels.field_name(knowledge, f, "de"))
                for f, n, _ in fields[1:3]
                if visible(n)
            ]
            out.append(f"Danach folgten {_join(others)}.")
    answered, no_offer = figures.shares["answered"], figures.shares["no_offer"]
    if visible(answered):
        sentence = f"{share(answered, total)} der Anfragen beantwortete der Wegweiser mit passenden Angeboten"
        if visible(no_offer):
            sentence += f"; für {share(no_offer, total)} kannte er kein passendes Angebot"
        out.append(sentence + ".")
    languages = [
        labels.language_label(t, code).split(" (")[0]
        for code, n in figures.languages.most_common()
        if code != "de" and visible(n)
    ][:3]
    if languages:
        out.append(f"Die häufigsten Sprachen neben Deutsch waren {_join(languages)}.")
    if visible(figures.handoff_requests):
        sentence = f"{shown(figures.handoff_requests)} Anfragen wünschten ein Gespräch mit einer Beraterin oder einem Berater"
        if visible(figures.handoff_unreachable):
            sentence += f", {shown(figures.handoff_unreachable)} davon, als niemand erreichbar war"
        out.append(sentence + ".")
    cases = figures.cases
    if cases is not None and visible(cases.first_answer.n):
        out.append(
            f"Die erste Antwort der Beratenden kam im Median nach "
            f"{labels.duration(cases.first_answer.median, t)} "
            f"(bei 90 % der Fälle nach höchstens {labels.duration(cases.first_answer.p90, t)})."
        )
    followups = figures.followups
    answered_followups = sum(followups.values())
    if visible(answered_followups) and visible(followups["unreached"]):
        out.append(
            f"Bei der Nachfrage einige Tage später gaben {share(followups['unreached'], answered_followups)} "
            "an, das Angebot nicht erreicht zu haben."
        )
        worst = [
            (oid, c)
            for oid, c in figures.followup_offers.items()
            if visible(c["unreached"]) and visible(sum(c.values()))
        ]
        if worst:
            oid, counts = max(worst, key=lambda x: x[1]["unreached"] / sum(x[1].values()))
            out.append(
                f"Am häufigsten nicht erreicht: {_quoted(labels.offer_name(knowledge, oid, 'de'))} "
                f"({share(counts['unreached'], sum(counts.values()))}); die Kontaktdaten sollten "
                "geprüft werden."
            )
    if gaps:
        top = gaps[0]
        if visible(top.size):
            example = top.examples(1)[0].masked
            out.append(
                f"Die größte Lücke im Verzeichnis: {shown(top.size)} Fragen in "
                f"{len(top.languages)} Sprache(n) wie {_quoted(example[:90])}."
            )
    return out
