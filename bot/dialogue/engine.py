"""The dialogue engine: `handle(state, incoming, now) -> EngineOutput`.

Transport-independent: it reads the person's state and message and returns replies (text, offer
cards, buttons), events for the service layer to record, and an `Outcome` that says what it
decided (action, language, topics, offers) for scripts, benchmarks and monitoring.

A text message goes through these steps, in this order:

1. **Slots** (`slots.py`): place, age, status, gender and who the request is for are read and cut
   out of the text, so "wohne in Magdeburg" or "ساكن" never decide a topic.
2. **Language**: a message written clearly in one of our languages is answered in it (with a
   one-tap offer to keep that language); otherwise the conversation goes on in its language.
3. **Danger first**: an emergency (by kind) gets the numbers that fit, before anything else.
4. **A conversation, not single questions**: a message that only carries slots ("Dresden",
   "im 22", "and for my father? he is 60") completes the open request (kept for 30 minutes).
5. **Topic**: answer with up to three compact offer cards in one message, ask back when it must
   (age when youth and adult counselling split, a topic when unsure), or say honestly that
   nothing in the directory fits and point to general counselling and to a person.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.languages import DEFAULT_LANGUAGE, LANGUAGES, normalise_language
from bot.dialogue import eligibility, followup, replies
from bot.dialogue.cards import build_card, localized
from bot.dialogue.messages import (
    Button,
    EngineOutput,
    Event,
    Incoming,
    OfferCard,
    Outcome,
    Reply,
)
from bot.dialogue.slot_words import ROLES
from bot.dialogue.slots import Slots, read_slots
from bot.dialogue.state import ConversationState, OpenRequest, Profile
from bot.i18n import Texts, texts
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import Offer, Scope
from bot.matching.matcher import Matcher, MatchResult
from bot.matching.normalize import normalize

MAX_CARDS = 3
CLARIFY_FLOOR = 0.18  # below this a topic is not even offered as a guess
GENERAL_COUNSELLING_TOPIC = "migration_counselling"
WOMEN_PROTECTION_TOPIC = "women_protection"
YOUTH_AGE_LIMIT = 27
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Latin-script languages need more words than scripts that give the language away.
CLEAR_WORDS = {"latin": 3, "other": 2}


def clean_text(raw: str) -> str:
    """Printable text without control characters, at most 2,000 characters."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", raw or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cs")
    return " ".join(text.split())[:2000]


@dataclass(frozen=True)
class Assessment:
    """What the engine would do with one question from a person it knows nothing about."""

    action: str
    language: str
    offers: list[tuple[Offer, float]]
    outcome: Outcome | None = None


class DialogueEngine:
    def __init__(self, knowledge: Knowledge, matcher: Matcher, retention_days: int = 180) -> None:
        self.knowledge = knowledge
        self.matcher = matcher
        self.retention_days = retention_days
        self._handlers: dict[str, Callable[..., EngineOutput]] = {
            "text": self._on_text,
            "command": self._on_command,
            "button": self._on_button,
            "location": self._on_location,
            "media": self._on_media,
        }

    # -- entry points ---------------------------------------------------------------------

    def handle(
        self,
        state: ConversationState,
        incoming: Incoming,
        now: dt.datetime,
        *,
        follow_up_days: int = 0,
    ) -> EngineOutput:
        """One message. `follow_up_days` > 0 where the channel can reach the person later
        (Telegram): then the referral follow-up is offered (`bot.dialogue.followup`)."""
        if state.request is not None and state.request.expired(now):
            state.request = None
        output = None
        if follow_up_days and incoming.kind == "button":
            t = texts(self.language_of(state, incoming))
            output = followup.on_button(state, incoming.text or "", t, follow_up_days)
        if output is None:
            output = self._handlers[incoming.kind](state, incoming, now)
        if output.outcome is None:
            output.outcome = Outcome(
                "answer" if any(r.cards for r in output.replies) else "clarify",
                state.turn_language or self.language_of(state, incoming),
                offers=[(c.offer_id, 1.0) for r in output.replies for c in r.cards],
                profile=state.profile.known(),
            )
        if follow_up_days:
            followup.after_answer(state, output, texts(output.outcome.language), follow_up_days)
        return output

    def language_of(self, state: ConversationState, incoming: Incoming) -> str:
        """The language to answer in when the message itself does not tell."""
        if state.language_chosen and state.language:
            return state.language
        return (
            state.turn_language
            or normalise_language(incoming.telegram_language)
            or state.language
            or DEFAULT_LANGUAGE
        )

    def assess(
        self, raw: str, language: str | None = None, now: dt.datetime | None = None
    ) -> Assessment:
        """One stateless question (for `wegweiser ask`): the same decisions as in a chat."""
        state = ConversationState(language=language, language_chosen=language is not None)
        output = self.handle(state, Incoming("text", raw), now or dt.datetime.now(dt.UTC))
        outcome = output.outcome
        assert outcome is not None
        offers = self.knowledge.offers
        return Assessment(
            action=outcome.action,
            language=outcome.language,
            offers=[(offers[o], s) for o, s in outcome.offers if o in offers],
            outcome=outcome,
        )

    def card(self, offer_id: str, language: str, now: dt.datetime) -> OfferCard | None:
        """One offer as a full card in `language` (advisers' /offer, the details button)."""
        offer = self.knowledge.offers.get(offer_id)
        if offer is None:
            return None
        return build_card(offer, self.knowledge, texts(language), topic=offer.topics[0], now=now)

    # -- text -----------------------------------------------------------------------------

    def _on_text(
        self, state: ConversationState, incoming: Incoming, now: dt.datetime
    ) -> EngineOutput:
        text = clean_text(incoming.text)
        events: list[Event] = [Event("consent")]
        if not any(ch.isalnum() for ch in text):
            t = texts(self.language_of(state, incoming))
            return EngineOutput(
                [replies.please_write(t)], events, Outcome("clarify", t.language, asks="topic")
            )
        request = state.request
        asked = state.pending if state.pending in ("age", "city") else None
        asked = asked or (request.asked if request else None)
        slots = read_slots(
            text,
            self.matcher.places,
            prefer_city=state.profile.city,
            bare_age=asked == "age",
        )
        chosen = state.language if state.language_chosen else None
        match = self.matcher.match(text, language=chosen, topic_text=slots.rest)
        language, switch = self._reply_language(state, incoming, slots, match)
        t = texts(language)
        state.turn_language = language
        state.language = state.language or language
        state.last_question = text

        if match.action == "emergency":
            self._remember(state, slots)
            return self._emergency(state, match, t, now, events, switch)
        if state.pending in ("age", "city", "language"):
            state.pending = None
        self._remember(state, slots)
        if match.action == "handoff":
            state.last_text = text
            return EngineOutput(
                [],
                [*events, self._handoff_event(state, t, question=text)],
                Outcome("handoff", t.language, profile=state.profile.known()),
            )
        if state.pending == "handoff_city" and slots.city:
            state.pending = None
            return self._with_switch(
                EngineOutput(self.handoff_unavailable(state, t, now), events), switch
            )
        if (
            slots.only_slots
            or (slots.any and not normalize(slots.rest))
            or (slots.any and request is not None and not self._new_need(match, request))
        ):
            return self._with_switch(self._slots_only(state, slots, t, now, events), switch)
        if (
            slots.subject
            and request is not None
            and (slots.follow_up or not self._new_need(match, request))
        ):
            request.subject = slots.subject
            request.profile = self._subject_profile(state, slots)
            return self._with_switch(
                self._offers_for(state, t, request.topic, now, events, question=request.question),
                switch,
            )
        if match.small_talk:
            return self._with_switch(self._small_talk(state, match, t, events), switch)
        if match.scope == "out":
            return self._with_switch(self._no_offer(state, match, t, text, events), switch)
        profile = self._subject_profile(state, slots) if slots.subject else state.profile.copy()
        if match.action == "answer":
            topic = match.topics[0].topic
            state.request = OpenRequest(
                topic, text, now.isoformat(), subject=slots.subject, profile=profile
            )
            demand = self._demand(state, t, "answer", match.topic_ids[:3], profile)
            return self._with_switch(
                self._offers_for(
                    state, t, topic, now, [*events, demand], match=match, question=text
                ),
                switch,
            )
        return self._with_switch(self._clarify(state, match, t, text, now, events), switch)

    def _reply_language(
        self,
        state: ConversationState,
        incoming: Incoming,
        slots: Slots,
        match: MatchResult,
    ) -> tuple[str, str | None]:
        """(language to answer in, language to offer as a one-tap switch)."""
        usual = self.language_of(state, incoming)
        language = self._clear_language(match, slots)
        if language is None:
            return usual, None
        preferred = (
            state.language
            if state.language_chosen
            else normalise_language(incoming.telegram_language) or state.language
        )
        switch = language if preferred and preferred != language else None
        return language, switch

    @staticmethod
    def _clear_language(match: MatchResult, slots: Slots) -> str | None:
        """The language a message is clearly written in: a sentence detected with confidence
        (not a loanword, not a lone place or age), or a word only one language's phrases know
        ("hilfe", "ساعدني")."""
        guess = match.language
        words = [w for w in normalize(slots.rest).split() if not w.isdigit()]
        if not words:
            return None
        if guess.sure and guess.source != "chosen" and guess.language in LANGUAGES:
            latin = all(ch.isascii() or not ch.isalpha() for w in words for ch in w)
            if len(words) >= CLEAR_WORDS["latin" if latin else "other"]:
                return guess.language
        votes = match.lexical_votes
        if votes and len(words) <= 2:
            best_lang, best = max(votes.items(), key=lambda kv: kv[1])
            rivals = [v for lang, v in votes.items() if lang != best_lang and v >= best - 0.1]
            if best >= 0.95 and not rivals and best_lang in LANGUAGES:
                return best_lang
        return None

    def _with_switch(self, output: EngineOutput, switch: str | None) -> EngineOutput:
        """Add the one-tap language switch under the last reply."""
        if switch and output.replies:
            output.replies[-1].buttons.append([replies.switch_button(switch)])
        return output

    # -- slots and requests ---------------------------------------------------------------

    def _remember(self, state: ConversationState, slots: Slots) -> None:
        """Keep what the person said about themselves; the place is the household's."""
        profile = state.profile
        if slots.city:
            if slots.city != profile.city:
                profile.district = None
            profile.city = slots.city
        if slots.district:
            profile.district = slots.district
        if slots.subject:
            return  # age, status and gender were about someone else
        if slots.age is not None:
            profile.age, profile.age_group = slots.age, None
        if slots.status:
            profile.status = slots.status
        if slots.gender:
            profile.gender = slots.gender

    def _subject_profile(self, state: ConversationState, slots: Slots) -> Profile:
        """Whom a follow-up is for: the household's place, the relative's age and gender."""
        own = state.profile
        age_group, gender = ROLES.get(slots.subject or "", (None, None))
        return Profile(
            age=slots.age,
            age_group=None if slots.age is not None else age_group,
            city=own.city,
            district=own.district,
            status=slots.status,
            gender=slots.gender or gender,
        )

    def _new_need(self, match: MatchResult, request: OpenRequest) -> bool:
        return (
            match.action == "answer"
            and bool(match.topics)
            and match.topics[0].topic != request.topic
            and match.topics[0].lexical >= 0.5
        )

    def _slots_only(
        self,
        state: ConversationState,
        slots: Slots,
        t: Texts,
        now: dt.datetime,
        events: list[Event],
    ) -> EngineOutput:
        """A message that only said where, how old or for whom: it completes the open request."""
        request = state.request
        if request is not None:
            if slots.subject and slots.subject != request.subject:
                request.subject = slots.subject
                request.profile = self._subject_profile(state, slots)
            else:
                profile = request.profile
                profile.city, profile.district = state.profile.city, state.profile.district
                if slots.age is not None:
                    profile.age, profile.age_group = slots.age, None
                if slots.status:
                    profile.status = slots.status
                if slots.gender:
                    profile.gender = slots.gender
            request.at = now.isoformat()
            return self._offers_for(state, t, request.topic, now, events, question=request.question)
        noted = [
            localized(self.knowledge.city_by_id[slots.city].name, t.language)
            if slots.city
            else None,
            t._("{age} years", age=slots.age) if slots.age is not None else None,
        ]
        reply = Reply(
            t._(
                "Thank you, noted: {what}. What do you need help with?",
                what=t.join([n for n in noted if n]),
            )
            if any(noted)
            else t._("Thank you. What do you need help with?"),
            buttons=replies.main_buttons(t),
            rtl=t.rtl,
        )
        return EngineOutput(
            [reply],
            events,
            Outcome("clarify", t.language, asks="topic", profile=state.profile.known()),
        )

    # -- answers ----------------------------------------------------------------------------

    def _candidate_offers(self, topic: str, match: MatchResult | None) -> list[Offer]:
        offers = self.knowledge.offers
        ordered: list[Offer] = []
        if match is not None:
            ordered = [
                offers[h.offer_id]
                for h in match.offers
                if h.offer_id in offers and topic in offers[h.offer_id].topics
            ]
        listed = self.knowledge.offers_by_topic.get(topic, [])
        # main-topic offers first, then those listing it as a secondary topic
        listed = sorted(listed, key=lambda o: (o.topics.index(topic), o.scope is Scope.NATIONWIDE))
        seen = {o.id for o in ordered}
        return [o for o in ordered if not o.emergency] + [
            o for o in listed if o.id not in seen and not o.emergency
        ]

    def _offers_for(
        self,
        state: ConversationState,
        t: Texts,
        topic: str,
        now: dt.datetime,
        events: list[Event],
        *,
        match: MatchResult | None = None,
        question: str | None = None,
        location: tuple[float, float] | None = None,
    ) -> EngineOutput:
        """One message: up to three compact cards of `topic` for whom the request is."""
        request = state.request
        if request is None or request.topic != topic:
            request = OpenRequest(
                topic, question or "", now.isoformat(), profile=state.profile.copy()
            )
            state.request = request
        profile = request.profile
        profile.city = profile.city or state.profile.city
        profile.district = profile.district or state.profile.district
        candidates = self._candidate_offers(topic, match)
        usable = [o for o in candidates if eligibility.eligible(o, profile)]
        others = [h.topic for h in (match.topics if match else []) if h.topic != topic]
        topics = [topic, *others[:2]]
        base = Outcome(
            "answer",
            t.language,
            topics=topics,
            profile=profile.known(),
            subject=request.subject,
        )
        if profile.age is None and profile.age_group is None and eligibility.age_split(usable[:6]):
            request.asked = "age"
            state.pending = "age"
            base.action, base.asks = "clarify", "age"
            base.offers = [(o.id, 1.0) for o in usable[:5]]
            question_text = (
                t._(
                    "How old is the person you are asking for? Some offers are for young people up to 27, others for adults."
                )
                if request.subject
                else t._(
                    "How old are you? Some offers are for young people up to 27, others for adults."
                )
            )
            reply = Reply(
                question_text,
                buttons=[
                    [Button(t._("Under 27"), "a:young"), Button(t._("27 or older"), "a:adult")]
                ],
                rtl=t.rtl,
            )
            return EngineOutput([reply], events, base)
        point = eligibility.reference_point(profile, self.knowledge, location)
        ranked = eligibility.rank_by_place(usable, point)
        if not ranked:
            base.action, base.no_offer = "clarify", True
            reply = Reply(
                t._(
                    "I know no offer for this that fits you. Here is general counselling that can help further:"
                ),
                buttons=replies.main_buttons(t),
                rtl=t.rtl,
            )
            general = self.general_counselling(profile)
            reply.cards = [
                self._card(o, t, GENERAL_COUNSELLING_TOPIC, now, None, i + 1)
                for i, o in enumerate(general[:2])
            ]
            return EngineOutput([reply], events, base)
        request.asked = None
        shown = ranked[:MAX_CARDS]
        state.last_topics = [topic]
        state.last_offers = [o.id for o, _ in ranked]
        state.shown = len(shown)
        base.offers = [(o.id, self._score(o, match)) for o, _ in ranked[:5]]
        topic_name = localized(self.knowledge.topics[topic].name, t.language)
        intro = t.n_(
            "I found this offer for you ({topic}):",
            "I found these offers for you ({topic}):",
            len(shown),
            topic=topic_name,
        )
        buttons: list[list[Button]] = []
        local_cities = {o.city for o, _ in ranked if o.scope is not Scope.NATIONWIDE}
        if profile.city is None and len(local_cities) > 1:
            intro += "\n" + t._("Tell me your city and I will show offers near you.")
            buttons.append(replies.city_buttons(t, self.knowledge))
            request.asked = "city"
            base.asks = "city"
        cards = [
            self._card(o, t, topic, now, km if location else None, i + 1)
            for i, (o, km) in enumerate(shown)
        ]
        buttons += self._answer_buttons(t, topic, shown, more=len(ranked) > len(shown))
        return EngineOutput([Reply(intro, cards=cards, buttons=buttons, rtl=t.rtl)], events, base)

    @staticmethod
    def _score(offer: Offer, match: MatchResult | None) -> float:
        if match is None:
            return 1.0
        return next((h.score for h in match.offers if h.offer_id == offer.id), 0.0)

    def _answer_buttons(
        self, t: Texts, topic: str, shown: list[tuple[Offer, float | None]], *, more: bool
    ) -> list[list[Button]]:
        rows = [
            [
                Button(t._("Details {number}", number=i + 1), f"o:{o.id}")
                for i, (o, _) in enumerate(shown)
            ],
            [
                Button(t._("Helpful"), f"fb:{topic}:1"),
                Button(t._("Not what I need"), f"fb:{topic}:0"),
            ],
        ]
        last = [Button(t._("More offers"), "more")] if more else []
        last.append(Button(t._("Talk to a person"), "h"))
        rows.append(last)
        return rows

    def _card(
        self,
        offer: Offer,
        t: Texts,
        topic: str | None,
        now: dt.datetime,
        km: float | None,
        number: int,
    ) -> OfferCard:
        return build_card(
            offer,
            self.knowledge,
            t,
            topic=topic,
            now=now,
            distance_km=km,
            compact=True,
            number=number,
        )

    def general_counselling(self, profile: Profile) -> list[Offer]:
        """General migration counselling for this person: JMD (12–27) or MBE (27+) by age, in
        their city first; both kinds when the age is unknown."""
        candidates = [
            o
            for o in self.knowledge.offers_by_topic.get(GENERAL_COUNSELLING_TOPIC, [])
            if not o.emergency and eligibility.eligible(o, profile)
        ]
        point = eligibility.reference_point(profile, self.knowledge)
        ranked = [o for o, _ in eligibility.rank_by_place(candidates, point)]
        if profile.city:
            local = [o for o in ranked if o.city == profile.city]
            ranked = local + [o for o in ranked if o.scope is Scope.NATIONWIDE and not local]
        return ranked

    def _clarify(
        self,
        state: ConversationState,
        match: MatchResult,
        t: Texts,
        text: str,
        now: dt.datetime,
        events: list[Event],
    ) -> EngineOutput:
        """Unsure: offer the likely topics as buttons (or the menu), and record the question.
        The likeliest topic stays open: a following "I live in Dresden" answers it."""
        state.last_text = text
        guesses = [h.topic for h in match.topics if h.score >= CLARIFY_FLOOR][:3]
        if guesses:
            state.request = OpenRequest(
                guesses[0], text, now.isoformat(), profile=state.profile.copy()
            )
        if guesses:
            buttons = [
                [Button(localized(self.knowledge.topics[g].name, t.language), f"t:{g}")]
                for g in guesses
            ]
            buttons.append(replies.main_buttons(t)[0])
            reply = Reply(
                t._("I am not sure I understood. Is it about one of these topics?"),
                buttons=buttons,
                rtl=t.rtl,
            )
        else:
            reply = replies.menu(
                t,
                self.knowledge,
                t._("I did not understand that yet. Choose a topic, or write it in other words."),
            )
        offers = [(h.offer_id, h.score) for h in match.offers if h.topic in guesses][:5]
        demand = self._demand(state, t, "clarify", guesses)
        unanswered = Event(
            "unanswered",
            {"language": t.language, "text": text, "candidates": guesses, "reason": "unclear"},
        )
        return EngineOutput(
            [reply],
            [*events, demand, unanswered],
            Outcome(
                "clarify",
                t.language,
                topics=match.topic_ids[:3],
                offers=offers,
                asks="topic",
                profile=state.profile.known(),
            ),
        )

    def _no_offer(
        self,
        state: ConversationState,
        match: MatchResult,
        t: Texts,
        text: str,
        events: list[Event],
    ) -> EngineOutput:
        """Nothing in the directory fits: say so plainly, name general counselling for this
        person (JMD or MBE by age, in their city) and offer a person."""
        state.last_text = text
        state.request = None
        lines = [
            t._(
                "I am sorry, I have no offer for that. My directory covers counselling and support "
                "for migrants: papers, language, work, housing, health, family and everyday life."
            )
        ]
        general = self.general_counselling(state.profile)
        buttons: list[list[Button]] = []
        if general:
            names = t.join([localized(o.name, t.language) for o in general[:2]])
            lines.append(
                t._("General migration counselling can often help further: {names}.", names=names)
            )
            buttons.append([Button(t._("Migration counselling"), f"t:{GENERAL_COUNSELLING_TOPIC}")])
        buttons.append(replies.main_buttons(t)[0])
        reply = Reply("\n\n".join(lines), buttons=buttons, rtl=t.rtl)
        demand = self._demand(state, t, "no_offer", [])
        gap = Event(
            "unanswered",
            {
                "language": t.language,
                "text": text,
                "candidates": [],
                "reason": "no_offer",
                "outside": match.outside,
            },
        )
        return EngineOutput(
            [reply],
            [*events, demand, gap],
            Outcome("clarify", t.language, no_offer=True, profile=state.profile.known()),
        )

    def _small_talk(
        self, state: ConversationState, match: MatchResult, t: Texts, events: list[Event]
    ) -> EngineOutput:
        if match.small_talk == "help":
            reply = replies.menu(t, self.knowledge, replies.help_text(t).split("\n")[0])
        elif match.small_talk == "greeting":
            reply = Reply(
                t._(
                    "Hello! Write your question in a few words, in your language, or choose a topic from the menu."
                ),
                buttons=replies.main_buttons(t),
                rtl=t.rtl,
            )
        else:
            reply = Reply(
                t._("You are welcome! Write again whenever you need something."),
                buttons=replies.main_buttons(t),
                rtl=t.rtl,
            )
        return EngineOutput(
            [reply],
            events,
            Outcome("clarify", t.language, asks="topic", profile=state.profile.known()),
        )

    # -- emergency and hand-off -------------------------------------------------------------

    def _emergency(
        self,
        state: ConversationState,
        match: MatchResult,
        t: Texts,
        now: dt.datetime,
        events: list[Event],
        switch: str | None,
    ) -> EngineOutput:
        """Danger first: what to do now for this kind of danger, the numbers and helplines that
        fit it (nationwide, then in the person's city), and a person — no feedback buttons."""
        kind = match.emergency_kind
        state.last_text = None
        state.request = None
        state.pending = None
        if kind in ("domestic_violence", "violence"):
            state.last_topics = (
                [WOMEN_PROTECTION_TOPIC] if kind == "domestic_violence" else ["crisis"]
            )
        else:
            state.last_topics = ["crisis"]
        hits = self.matcher.emergency_offers(kind)
        offers = self.knowledge.offers
        chosen: list[Offer] = []
        for hit in hits:
            offer = offers.get(hit.offer_id)
            if offer is None:
                continue
            if (
                offer.scope is not Scope.NATIONWIDE
                and state.profile.city
                and offer.city != state.profile.city
            ):
                continue
            chosen.append(offer)
        if not state.profile.city:  # local shelters only when we know where the person is
            chosen = [o for o in chosen if o.scope is Scope.NATIONWIDE] or chosen
        chosen = chosen[:MAX_CARDS]
        cards = [self._card(o, t, "crisis", now, None, i + 1) for i, o in enumerate(chosen)]
        buttons = [[Button(t._("Talk to a person"), "h")]]
        if switch:
            buttons.append([replies.switch_button(switch)])
        reply = Reply(
            t._(replies.EMERGENCY_TEXT.get(kind, replies.EMERGENCY_TEXT[None])),
            cards=cards,
            buttons=buttons,
            rtl=t.rtl,
        )
        demand = self._demand(state, t, "emergency", ["crisis"], extra={"kind": kind})
        return EngineOutput(
            [reply],
            [*events, demand],
            Outcome(
                "emergency",
                t.language,
                topics=["crisis"],
                offers=[(o.id, 1.0) for o in chosen],
                emergency_kind=kind,
                profile=state.profile.known(),
            ),
        )

    def handoff_unavailable(
        self, state: ConversationState, t: Texts, now: dt.datetime
    ) -> list[Reply]:
        """No adviser is reachable (no advisers' group, or not now): choose by what is known —
        violence → women's protection and 116 016; age → JMD or MBE; place → that city's
        counselling; nothing known → ask for the city first. Never "talk to a person" again."""
        profile = state.request.profile if state.request else state.profile
        profile = Profile(**{**state.profile.known(), **profile.known()})
        if WOMEN_PROTECTION_TOPIC in state.last_topics:
            offers = [
                o
                for o in self.knowledge.offers_by_topic.get(WOMEN_PROTECTION_TOPIC, [])
                if o.scope is Scope.NATIONWIDE or (profile.city and o.city == profile.city)
            ]
            intro = t._(
                "No adviser is reachable here right now. These services help women affected by violence, day and night:"
            )
        elif profile.city or profile.age is not None or profile.age_group:
            offers = self.general_counselling(profile)
            intro = t._(
                "No adviser is reachable here right now. These counsellors can help you in person:"
            )
        else:
            state.pending = "handoff_city"
            return [
                Reply(
                    t._(
                        "No adviser is reachable here right now. In which city do you live? Then I can name the counselling service near you."
                    ),
                    buttons=[replies.city_buttons(t, self.knowledge)],
                    rtl=t.rtl,
                )
            ]
        cards = [
            self._card(o, t, GENERAL_COUNSELLING_TOPIC, now, None, i + 1)
            for i, o in enumerate(offers[:2])
        ]
        return [Reply(intro, cards=cards, buttons=[[Button(t._("Topics"), "m")]], rtl=t.rtl)]

    def _handoff_event(
        self, state: ConversationState, t: Texts, question: str | None = None
    ) -> Event:
        """The person wants a human: what the hand-off needs to open or reuse a case."""
        topics = [state.request.topic] if state.request else state.last_topics
        return Event(
            "handoff",
            {
                "question": question or state.last_question or state.last_text or "",
                "language": t.language,
                "topics": topics,
                "city": state.profile.city,
                "district": state.profile.district,
            },
        )

    def _demand(
        self,
        state: ConversationState,
        t: Texts,
        action: str,
        topics: list[str],
        profile: Profile | None = None,
        extra: dict | None = None,
    ) -> Event:
        profile = profile or state.profile
        return Event(
            "demand",
            {
                "language": t.language,
                "action": action,
                "topics": topics,
                "city": profile.city or state.profile.city,
                "district": profile.district or state.profile.district,
                **(extra or {}),
            },
        )

    # -- commands -------------------------------------------------------------------------

    def _on_command(
        self, state: ConversationState, incoming: Incoming, now: dt.datetime
    ) -> EngineOutput:
        command = incoming.text.lower()
        t = texts(self.language_of(state, incoming))
        state.language = state.language or t.language
        if command == "start":
            return EngineOutput(
                [
                    Reply(replies.welcome(t), buttons=replies.main_buttons(t), rtl=t.rtl),
                    replies.language_picker(t, ask=False),
                ]
            )
        if command == "help":
            return EngineOutput(
                [Reply(replies.help_text(t), buttons=replies.main_buttons(t), rtl=t.rtl)]
            )
        if command == "language":
            return EngineOutput(
                [replies.language_picker(t, ask=False)],
                outcome=Outcome("clarify", t.language, asks="language"),
            )
        if command == "menu":
            state.pending = None
            return EngineOutput(
                [replies.menu(t, self.knowledge)],
                outcome=Outcome("clarify", t.language, asks="topic"),
            )
        if command == "privacy":
            return EngineOutput([Reply(replies.privacy_text(t, self.retention_days), rtl=t.rtl)])
        if command == "delete":
            state.pending = "delete"
            return EngineOutput(
                [
                    Reply(
                        t._(
                            "Do you want me to delete everything I stored about you? This cannot be undone."
                        ),
                        buttons=[
                            [Button(t._("Yes, delete"), "del:yes"), Button(t._("No"), "del:no")]
                        ],
                        rtl=t.rtl,
                    )
                ]
            )
        if command == "human":
            return EngineOutput(
                [],
                [self._handoff_event(state, t)],
                Outcome("handoff", t.language, profile=state.profile.known()),
            )
        return EngineOutput(
            [Reply(t._("I do not know this command.") + "\n\n" + replies.help_text(t), rtl=t.rtl)]
        )

    def help_text(self, t: Texts) -> str:
        return replies.help_text(t)

    def privacy_text(self, t: Texts) -> str:
        return replies.privacy_text(t, self.retention_days)

    # -- buttons --------------------------------------------------------------------------

    def _on_button(
        self, state: ConversationState, incoming: Incoming, now: dt.datetime
    ) -> EngineOutput:
        data = incoming.text or ""
        t = texts(self.language_of(state, incoming))
        kind, _, rest = data.partition(":")
        knowledge = self.knowledge
        if data == "m":
            return EngineOutput(
                [replies.menu(t, knowledge)], outcome=Outcome("clarify", t.language, asks="topic")
            )
        if kind == "f" and rest in set(knowledge.field_of_topic.values()):
            return EngineOutput(
                [replies.field_menu(t, knowledge, rest)],
                outcome=Outcome("clarify", t.language, asks="topic"),
            )
        if kind == "t" and rest in knowledge.topics:
            question = state.last_text or ""
            state.request = OpenRequest(
                rest, question, now.isoformat(), profile=state.profile.copy()
            )
            events = [self._demand(state, t, "menu", [rest])]
            return self._offers_for(state, t, rest, now, events, question=question)
        if kind == "o" and rest in knowledge.offers:
            offer = knowledge.offers[rest]
            card = build_card(
                offer, knowledge, t, topic=(state.last_topics or [offer.topics[0]])[0], now=now
            )
            return EngineOutput(
                [
                    Reply(
                        "",
                        cards=[card],
                        buttons=[[Button(t._("Talk to a person"), "h")]],
                        rtl=t.rtl,
                    )
                ],
                outcome=Outcome("answer", t.language, offers=[(offer.id, 1.0)]),
            )
        if kind == "fb":
            return self._feedback(state, t, rest)
        if data == "h":
            return EngineOutput(
                [],
                [self._handoff_event(state, t)],
                Outcome("handoff", t.language, profile=state.profile.known()),
            )
        if kind == "l" and rest in LANGUAGES:
            return self._choose_language(state, incoming, rest, now)
        if kind == "a" and rest in ("young", "adult") and state.request is not None:
            profile = state.request.profile
            profile.age_group, profile.age = rest, None
            if state.request.subject is None:
                state.profile.age_group = rest
            state.pending = None
            return self._offers_for(
                state, t, state.request.topic, now, [], question=state.request.question
            )
        if kind == "c" and rest in knowledge.city_by_id:
            return self._choose_city(state, t, rest, now)
        if data == "more" and state.last_offers:
            return self._more(state, t, now)
        if kind == "del" and rest in ("yes", "no") and state.pending == "delete":
            state.pending = None
            if rest == "yes":
                return EngineOutput([], [Event("delete")])
            return EngineOutput([Reply(t._("Nothing was deleted."), rtl=t.rtl)])
        return EngineOutput(
            [
                Reply(
                    t._(
                        "This button has expired. Please write your question again or open the menu."
                    ),
                    buttons=replies.main_buttons(t),
                    rtl=t.rtl,
                )
            ]
        )

    def _feedback(self, state: ConversationState, t: Texts, rest: str) -> EngineOutput:
        topic, _, value = rest.rpartition(":")
        if topic not in self.knowledge.topics or value not in ("0", "1"):
            return EngineOutput([replies.please_write(t)])
        helpful = value == "1"
        shown = state.last_offers[: state.shown or MAX_CARDS] if topic in state.last_topics else []
        events = [
            Event(
                "feedback",
                {"offer_id": offer_id, "helpful": helpful, "language": t.language, "topic": topic},
            )
            for offer_id in shown or [None]
        ]
        if helpful:
            return EngineOutput([Reply(t._("Thank you for your feedback!"), rtl=t.rtl)], events)
        if state.last_question:
            events.append(
                Event(
                    "unanswered",
                    {
                        "language": t.language,
                        "text": state.last_question,
                        "candidates": [topic],
                        "reason": "not_helpful",
                    },
                )
            )
        reply = Reply(
            t._(
                "Sorry that this did not fit. Tell me in other words what you need, choose another topic, or talk to a person."
            ),
            buttons=replies.main_buttons(t),
            rtl=t.rtl,
        )
        return EngineOutput([reply], events)

    def _choose_city(
        self, state: ConversationState, t: Texts, city: str, now: dt.datetime
    ) -> EngineOutput:
        profile = state.profile
        if profile.city != city:
            profile.district = None
        profile.city = city
        if state.pending == "handoff_city":
            state.pending = None
            return EngineOutput(self.handoff_unavailable(state, t, now))
        if state.request is not None:
            state.request.profile.city = city
            state.request.profile.district = profile.district
            return self._offers_for(
                state, t, state.request.topic, now, [], question=state.request.question
            )
        return EngineOutput(
            [
                Reply(
                    t._("Thank you. Now write your question or choose a topic."),
                    buttons=replies.main_buttons(t),
                    rtl=t.rtl,
                )
            ],
            outcome=Outcome("clarify", t.language, asks="topic", profile=profile.known()),
        )

    def _more(self, state: ConversationState, t: Texts, now: dt.datetime) -> EngineOutput:
        offers = self.knowledge.offers
        remaining = [offers[o] for o in state.last_offers[state.shown :] if o in offers]
        batch = remaining[:MAX_CARDS]
        if not batch:
            return EngineOutput(
                [
                    Reply(
                        t._("These were all offers I know for this."),
                        buttons=replies.main_buttons(t),
                        rtl=t.rtl,
                    )
                ]
            )
        topic = (state.last_topics or [None])[0]
        first = state.shown
        state.shown += len(batch)
        cards = [self._card(o, t, topic, now, None, first + i + 1) for i, o in enumerate(batch)]
        buttons = [
            [
                Button(t._("Details {number}", number=first + i + 1), f"o:{o.id}")
                for i, o in enumerate(batch)
            ]
        ]
        if len(remaining) > len(batch):
            buttons.append([Button(t._("More offers"), "more")])
        buttons.append([Button(t._("Talk to a person"), "h")])
        return EngineOutput(
            [Reply("", cards=cards, buttons=buttons, rtl=t.rtl)],
            outcome=Outcome(
                "answer",
                t.language,
                topics=[topic] if topic else [],
                offers=[(o.id, 1.0) for o in batch],
            ),
        )

    def _choose_language(
        self, state: ConversationState, incoming: Incoming, language: str, now: dt.datetime
    ) -> EngineOutput:
        state.language = language
        state.language_chosen = True
        state.turn_language = language
        t = texts(language)
        if state.pending == "language" and state.last_text:
            state.pending = None
            return self._on_text(state, Incoming("text", state.last_text), now)
        return EngineOutput(
            [
                Reply(
                    t._(
                        "I will answer in {language} now. Write your question.",
                        language=t.language_name(language, own=True),
                    ),
                    buttons=replies.main_buttons(t),
                    rtl=t.rtl,
                )
            ],
            outcome=Outcome("clarify", language, asks="topic"),
        )

    # -- location and media ---------------------------------------------------------------

    def _on_location(
        self, state: ConversationState, incoming: Incoming, now: dt.datetime
    ) -> EngineOutput:
        t = texts(self.language_of(state, incoming))
        if incoming.latitude is None or incoming.longitude is None:
            return EngineOutput([replies.please_write(t)])
        point = (incoming.latitude, incoming.longitude)
        district = eligibility.nearest_district(point, self.knowledge)
        if district is not None:
            # only the district is kept, never the exact position
            state.profile.district = district
            state.profile.city = self.knowledge.districts[district][0].id
        if state.request is not None:
            state.request.profile.city = state.profile.city
            state.request.profile.district = state.profile.district
            return self._offers_for(
                state,
                t,
                state.request.topic,
                now,
                [],
                question=state.request.question,
                location=point,
            )
        text = (
            t._(
                "Thank you. Now write your question or choose a topic, and I will show offers near you."
            )
            if district
            else t._(
                "This place is outside the cities I know. I can still show offers that work nationwide."
            )
        )
        return EngineOutput([Reply(text, buttons=replies.main_buttons(t), rtl=t.rtl)])

    def _on_media(
        self, state: ConversationState, incoming: Incoming, now: dt.datetime
    ) -> EngineOutput:
        t = texts(self.language_of(state, incoming))
        text = t._(
            "I can only read text messages. Please write your question in a few words, "
            "or choose a topic from the menu."
        )
        buttons = [[Button(t._("Topics"), "m")]]
        if incoming.media == "voice":
            text += "\n" + t._("If writing is hard for you, an adviser can help.")
            buttons[0].append(Button(t._("Talk to a person"), "h"))
        return EngineOutput([Reply(text, buttons=buttons, rtl=t.rtl)])
