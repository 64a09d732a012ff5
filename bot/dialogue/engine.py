"""The dialogue engine: `handle(state, incoming, now) -> EngineOutput`.

Transport-independent: it reads the person's state and message and returns replies (text, offer
cards, buttons) and events for the service layer to record. Telegram, the console chat and the
tests all drive this one engine. Button data is short, public and validated here: it names only
topics, fields, offers, cities and languages, never a person, so a forged or stale button can
do no more than show a polite "expired" notice.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.languages import DEFAULT_LANGUAGE, LANGUAGES, normalise_language
from bot.dialogue import eligibility
from bot.dialogue.cards import build_card, localized
from bot.dialogue.messages import Button, EngineOutput, Event, Incoming, OfferCard, Reply
from bot.dialogue.state import ConversationState
from bot.i18n import Texts, texts
from bot.knowledge.model import Knowledge
from bot.knowledge.schema import Offer, Scope
from bot.matching.matcher import Matcher, MatchResult

MAX_CARDS = 3
CLARIFY_FLOOR = 0.18  # below this a topic is not even offered as a guess
GENERAL_COUNSELLING_TOPIC = "migration_counselling"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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

    # -- entry point ----------------------------------------------------------------------

    def handle(
        self, state: ConversationState, incoming: Incoming, now: dt.datetime
    ) -> EngineOutput:
        return self._handlers[incoming.kind](state, incoming, now)

    def language_of(self, state: ConversationState, incoming: Incoming) -> str:
        if state.language_chosen and state.language:
            return state.language
        from_telegram = normalise_language(incoming.telegram_language)
        return from_telegram or state.language or DEFAULT_LANGUAGE

    def assess(self, raw: str, language: str | None = None, limit: int = 5) -> Assessment:
        """One stateless question (for `wegweiser ask`): the same decisions as in a chat."""
        text = clean_text(raw)
        match = self.matcher.match(text, language=language)
        profile = eligibility.read_profile(text, self.knowledge)
        action = match.action
        offers = self.knowledge.offers
        hits = [h for h in match.offers if eligibility.eligible(offers[h.offer_id], profile)]
        if action in ("answer", "clarify") and match.topics:
            # only offers for the leading topics: an unrelated offer is no answer
            best = match.topics[0].score
            leading = {h.topic for h in match.topics[:2] if h.score >= 0.8 * best}
            hits = [h for h in hits if h.topic in leading]
            if action == "answer" and not hits:
                action = "clarify"  # understood, but nothing fits this person: ask back
        if action == "answer":
            top = match.topics[0].topic
            usable = [
                o for o in self._candidate_offers(top, match) if eligibility.eligible(o, profile)
            ]
            if profile.age is None and eligibility.age_split(usable[:6]):
                action = "clarify"
        if action == "clarify" and not any(h.score >= CLARIFY_FLOOR for h in match.topics):
            hits = []
        if action == "handoff":
            hits = []
        return Assessment(
            action=action,
            language=match.language.language,
            offers=[(offers[h.offer_id], h.score) for h in hits[:limit]],
        )

    # -- text -----------------------------------------------------------------------------

    def _on_text(
        self, state: ConversationState, incoming: Incoming, now: dt.datetime
    ) -> EngineOutput:
        text = clean_text(incoming.text)
        events: list[Event] = [Event("consent")]
        if not any(ch.isalnum() for ch in text):
            t = texts(self.language_of(state, incoming))
            return EngineOutput([self._please_write(t)], events)

        if state.pending == "age":
            age = _bare_number(text)
            if age is not None and state.last_text:
                state.profile.age = age
                state.pending = None
                return self._answer_text(state, incoming, state.last_text, now, events)
        state.pending = None
        return self._answer_text(state, incoming, text, now, events)

    def _answer_text(
        self,
        state: ConversationState,
        incoming: Incoming,
        text: str,
        now: dt.datetime,
        events: list[Event],
    ) -> EngineOutput:
        state.profile = eligibility.read_profile(text, self.knowledge, state.profile)
        state.last_question = text
        known = (state.language if state.language_chosen else None) or normalise_language(
            incoming.telegram_language
        )
        match = self.matcher.match(text, language=known)
        guess = match.language
        if known is None:
            if guess.sure:
                state.language = guess.language
            elif match.action != "emergency" and not state.language:
                state.pending = "language"
                state.last_text = text
                return EngineOutput(
                    [self._language_picker(texts(guess.language), ask=True)], events
                )
        t = texts(known or state.language or guess.language)
        return self._respond(state, match, text, t, now, events)

    def _respond(
        self,
        state: ConversationState,
        match: MatchResult,
        text: str,
        t: Texts,
        now: dt.datetime,
        events: list[Event],
    ) -> EngineOutput:
        profile = state.profile
        demand = Event(
            "demand",
            {
                "language": t.language,
                "action": match.action,
                "topics": match.topic_ids[:3],
                "city": profile.city,
                "district": profile.district,
            },
        )
        if match.action == "emergency":
            state.last_text = None
            return EngineOutput(self._emergency(match, t, state, now), [*events, demand])
        if match.action == "handoff":
            state.last_text = text
            return EngineOutput(
                [],
                [
                    *events,
                    demand,
                    Event(
                        "handoff",
                        {
                            "question": text,
                            "language": t.language,
                            "topics": match.topic_ids[:3],
                        },
                    ),
                ],
            )
        if match.action == "answer":
            return self._offers_for(
                state, t, match.topics[0].topic, now, [*events, demand], match=match, question=text
            )
        # clarify
        state.last_text = text
        if match.small_talk:
            key = (
                "Hello! Write your question in a few words, in your language, or choose a "
                "topic from the menu."
                if match.small_talk == "greeting"
                else "You are welcome! Write again whenever you need something."
            )
            return EngineOutput(
                [Reply(t._(key), buttons=self._main_buttons(t), rtl=t.rtl)], [*events]
            )
        guesses = [h.topic for h in match.topics if h.score >= CLARIFY_FLOOR][:3]
        if guesses:
            buttons = [
                [Button(localized(self.knowledge.topics[g].name, t.language), f"t:{g}")]
                for g in guesses
            ]
            buttons.append(self._main_buttons(t)[0])
            reply = Reply(
                t._("I am not sure I understood. Is it about one of these topics?"),
                buttons=buttons,
                rtl=t.rtl,
            )
        else:
            reply = Reply(
                t._(
                    "Sorry, I could not find an offer for that. Choose a topic from the menu, "
                    "or talk to a person."
                ),
                buttons=self._main_buttons(t),
                rtl=t.rtl,
            )
        unanswered = Event(
            "unanswered", {"language": t.language, "text": text, "candidates": guesses}
        )
        return EngineOutput([reply], [*events, demand, unanswered])

    # -- offers ---------------------------------------------------------------------------

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
        return ordered + [o for o in listed if o.id not in seen and not o.emergency]

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
        profile = state.profile
        candidates = self._candidate_offers(topic, match)
        usable = [o for o in candidates if eligibility.eligible(o, profile)]
        if profile.age is None and profile.age_group is None and eligibility.age_split(usable[:6]):
            state.pending = "age"
            state.last_text = question
            state.last_topics = [topic]
            return EngineOutput(
                [
                    Reply(
                        t._(
                            "How old are you? Some offers are for young people up to 27, others for "
                            "adults."
                        ),
                        buttons=[
                            [
                                Button(t._("Under 27"), "a:young"),
                                Button(t._("27 or older"), "a:adult"),
                            ]
                        ],
                        rtl=t.rtl,
                    )
                ],
                events,
            )
        point = eligibility.reference_point(profile, self.knowledge, location)
        ranked = eligibility.rank_by_place(usable, point)
        if not ranked:
            reply = Reply(
                t._("I know no offer for this that fits you. An adviser can help further."),
                buttons=self._main_buttons(t),
                rtl=t.rtl,
            )
            return EngineOutput([reply], events)
        shown = ranked[:MAX_CARDS]
        state.last_topics = [topic]
        state.last_offers = [o.id for o, _ in ranked]
        state.last_text = None
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
            buttons.append(
                [Button(localized(c.name, t.language), f"c:{c.id}") for c in self.knowledge.cities]
            )
        if len(ranked) > MAX_CARDS:
            buttons.append([Button(t._("More offers"), "more")])
        replies = [Reply(intro, buttons=buttons, rtl=t.rtl)]
        replies += [self._card_reply(o, t, topic, now, km) for o, km in shown]
        return EngineOutput(replies, events)

    def _card_reply(
        self, offer: Offer, t: Texts, topic: str | None, now: dt.datetime, km: float | None
    ) -> Reply:
        card = build_card(offer, self.knowledge, t, topic=topic, now=now, distance_km=km)
        buttons = [
            [
                Button(t._("Helpful"), f"fb:{offer.id}:1"),
                Button(t._("Not what I need"), f"fb:{offer.id}:0"),
            ],
            [Button(t._("Talk to a person"), "h")],
        ]
        return Reply("", cards=[card], buttons=buttons, rtl=t.rtl)

    def card(self, offer_id: str, language: str, now: dt.datetime) -> OfferCard | None:
        """One offer as a card in `language` (used by advisers' /offer)."""
        offer = self.knowledge.offers.get(offer_id)
        if offer is None:
            return None
        return build_card(offer, self.knowledge, texts(language), topic=offer.topics[0], now=now)

    # -- emergency and hand-off -------------------------------------------------------------

    def _emergency(
        self, match: MatchResult, t: Texts, state: ConversationState, now: dt.datetime
    ) -> list[Reply]:
        lines = [
            t._(
                "If you or someone else is in danger right now, call 112 (ambulance, fire "
                "brigade) or 110 (police). The call is free, day and night."
            )
        ]
        if match.emergency_kind == "violence":
            lines.append(
                t._(
                    "Violence against women: the help line 116 016 is free, day and "
                    "night, in many languages."
                )
            )
        elif match.emergency_kind == "self_harm":
            lines.append(
                t._(
                    "You are not alone. Telefonseelsorge: 0800 111 0 111 or 0800 111 0 "
                    "222, free and anonymous, day and night."
                )
            )
        replies = [
            Reply("\n\n".join(lines), buttons=[[Button(t._("Talk to a person"), "h")]], rtl=t.rtl)
        ]
        shown = 0
        for hit in match.offers:
            offer = self.knowledge.offers.get(hit.offer_id)
            if offer is None or not eligibility.eligible(offer, state.profile):
                continue
            replies.append(self._card_reply(offer, t, hit.topic, now, None))
            shown += 1
            if shown == MAX_CARDS:
                break
        return replies

    def handoff_unavailable(
        self, state: ConversationState, t: Texts, now: dt.datetime
    ) -> list[Reply]:
        """No adviser is reachable: say so and give the general counselling offer."""
        replies = [
            Reply(
                t._(
                    "No adviser is reachable here right now. Please contact a counselling service "
                    "directly:"
                ),
                rtl=t.rtl,
            )
        ]
        candidates = [
            o
            for o in self._candidate_offers(GENERAL_COUNSELLING_TOPIC, None)
            if eligibility.eligible(o, state.profile)
        ]
        point = eligibility.reference_point(state.profile, self.knowledge)
        for offer, km in eligibility.rank_by_place(candidates, point)[:1]:
            replies.append(self._card_reply(offer, t, GENERAL_COUNSELLING_TOPIC, now, km))
        return replies

    # -- commands -------------------------------------------------------------------------

    def _on_command(
        self, state: ConversationState, incoming: Incoming, now: dt.datetime
    ) -> EngineOutput:
        command = incoming.text.lower()
        t = texts(self.language_of(state, incoming))
        if state.language is None:
            state.language = t.language
        if command == "start":
            welcome = "\n\n".join(
                [
                    t._(
                        "Welcome to Wegweiser! I help you find the right counselling and support "
                        "offers in your city. Write your question in your language."
                    ),
                    t._(
                        "Privacy: I store only your language and what you tell me to find offers, "
                        "without your name. /privacy explains more; /delete removes everything."
                    ),
                ]
            )
            return EngineOutput(
                [
                    Reply(welcome, buttons=self._main_buttons(t), rtl=t.rtl),
                    self._language_picker(t, ask=False),
                ]
            )
        if command == "help":
            return EngineOutput(
                [Reply(self.help_text(t), buttons=self._main_buttons(t), rtl=t.rtl)]
            )
        if command == "language":
            return EngineOutput([self._language_picker(t, ask=False)])
        if command == "menu":
            state.pending = None
            return EngineOutput([self._menu(t)])
        if command == "privacy":
            return EngineOutput([Reply(self.privacy_text(t), rtl=t.rtl)])
        if command == "delete":
            state.pending = "delete"
            return EngineOutput(
                [
                    Reply(
                        t._(
                            "Do you want me to delete everything I stored about you? This cannot be "
                            "undone."
                        ),
                        buttons=[
                            [Button(t._("Yes, delete"), "del:yes"), Button(t._("No"), "del:no")]
                        ],
                        rtl=t.rtl,
                    )
                ]
            )
        if command == "human":
            return EngineOutput([], [self._handoff_event(state, t)])
        return EngineOutput(
            [Reply(t._("I do not know this command.") + "\n\n" + self.help_text(t), rtl=t.rtl)]
        )

    def help_text(self, t: Texts) -> str:
        return "\n".join(
            [
                t._(
                    "Write your question in a few words, for example about a language course, "
                    "work, a flat or papers. I show you offers that can help."
                ),
                "",
                "/menu – " + t._("topics to choose from"),
                "/language – " + t._("change the language"),
                "/human – " + t._("talk to a person"),
                "/privacy – " + t._("what I store"),
                "/delete – " + t._("delete your data"),
            ]
        )

    def privacy_text(self, t: Texts) -> str:
        return "\n\n".join(
            [
                t._(
                    "What I store: your Telegram number (not your name), your language, and what you "
                    "told me to find offers (age group, city or district). When you talk to an "
                    "adviser, your messages in that conversation are stored so nothing gets lost."
                ),
                t._(
                    "Who sees it: only the advisers of the integration office, and only when you "
                    "ask to talk to a person. Questions are counted without your number to see "
                    "which help is needed."
                ),
                t._(
                    "How long: everything is deleted automatically {days} days after your last "
                    "message. With /delete you remove everything at once.",
                    days=self.retention_days,
                ),
            ]
        )

    # -- buttons --------------------------------------------------------------------------

    def _on_button(
        self, state: ConversationState, incoming: Incoming, now: dt.datetime
    ) -> EngineOutput:
        data = incoming.text or ""
        t = texts(self.language_of(state, incoming))
        kind, _, rest = data.partition(":")
        topics, fields, offers = (
            self.knowledge.topics,
            self.knowledge.field_of_topic,
            self.knowledge.offers,
        )
        if data == "m":
            return EngineOutput([self._menu(t)])
        if kind == "f" and rest in set(fields.values()):
            return EngineOutput([self._field_menu(t, rest)])
        if kind == "t" and rest in topics:
            events = [
                Event(
                    "demand",
                    {
                        "language": t.language,
                        "action": "menu",
                        "topics": [rest],
                        "city": state.profile.city,
                        "district": state.profile.district,
                    },
                )
            ]
            return self._offers_for(state, t, rest, now, events, question=state.last_text)
        if kind == "o" and rest in offers:
            offer = offers[rest]
            return EngineOutput([self._card_reply(offer, t, offer.topics[0], now, None)])
        if kind == "fb":
            offer_id, _, value = rest.rpartition(":")
            if offer_id in offers and value in ("0", "1"):
                helpful = value == "1"
                event = Event(
                    "feedback",
                    {
                        "offer_id": offer_id,
                        "helpful": helpful,
                        "language": t.language,
                        "topic": (state.last_topics or [None])[0],
                    },
                )
                if helpful:
                    return EngineOutput(
                        [Reply(t._("Thank you for your feedback!"), rtl=t.rtl)], [event]
                    )
                return EngineOutput(
                    [
                        Reply(
                            t._(
                                "Sorry that this did not fit. You can choose another topic or talk to "
                                "a person."
                            ),
                            buttons=self._main_buttons(t),
                            rtl=t.rtl,
                        )
                    ],
                    [event],
                )
        if data == "h":
            return EngineOutput([], [self._handoff_event(state, t)])
        if kind == "l" and rest in LANGUAGES:
            return self._choose_language(state, incoming, rest, now)
        if kind == "a" and rest in ("young", "adult") and state.last_topics:
            state.profile.age_group = rest
            state.pending = None
            return self._offers_for(
                state, t, state.last_topics[0], now, [], question=state.last_text
            )
        if kind == "c" and rest in self.knowledge.city_by_id:
            state.profile.city = rest
            if (
                state.profile.district
                and self.knowledge.districts.get(state.profile.district, (None,))[0]
                is not self.knowledge.city_by_id[rest]
            ):
                state.profile.district = None
            if state.last_topics:
                return self._offers_for(state, t, state.last_topics[0], now, [])
            return EngineOutput(
                [
                    Reply(
                        t._("Thank you. Now write your question or choose a topic."),
                        buttons=self._main_buttons(t),
                        rtl=t.rtl,
                    )
                ]
            )
        if data == "more" and state.last_offers:
            remaining = [offers[o] for o in state.last_offers if o in offers]
            topic = (state.last_topics or [None])[0]
            shown_before = MAX_CARDS
            batch = remaining[shown_before : shown_before + MAX_CARDS]
            state.last_offers = [o.id for o in remaining[:shown_before]] + [
                o.id for o in remaining[shown_before + MAX_CARDS :]
            ]
            if batch:
                return EngineOutput([self._card_reply(o, t, topic, now, None) for o in batch])
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
                    buttons=self._main_buttons(t),
                    rtl=t.rtl,
                )
            ]
        )

    def _choose_language(
        self, state: ConversationState, incoming: Incoming, language: str, now: dt.datetime
    ) -> EngineOutput:
        state.language = language
        state.language_chosen = True
        t = texts(language)
        if state.pending == "language" and state.last_text:
            state.pending = None
            question = state.last_text
            match = self.matcher.match(question, language=language)
            return self._respond(state, match, question, t, now, [])
        return EngineOutput(
            [
                Reply(
                    t._(
                        "I will answer in {language} now. Write your question.",
                        language=t.language_name(language, own=True),
                    ),
                    buttons=self._main_buttons(t),
                    rtl=t.rtl,
                )
            ]
        )

    # -- location and media ---------------------------------------------------------------

    def _on_location(
        self, state: ConversationState, incoming: Incoming, now: dt.datetime
    ) -> EngineOutput:
        t = texts(self.language_of(state, incoming))
        if incoming.latitude is None or incoming.longitude is None:
            return EngineOutput([self._please_write(t)])
        point = (incoming.latitude, incoming.longitude)
        district = eligibility.nearest_district(point, self.knowledge)
        if district is not None:
            # only the district is kept, never the exact position
            state.profile.district = district
            state.profile.city = self.knowledge.districts[district][0].id
        if state.last_topics:
            return self._offers_for(state, t, state.last_topics[0], now, [], location=point)
        text = (
            t._(
                "Thank you. Now write your question or choose a topic, and I will show offers "
                "near you."
            )
            if district
            else t._(
                "This place is outside the cities I know. I can still show offers that work "
                "nationwide."
            )
        )
        return EngineOutput([Reply(text, buttons=self._main_buttons(t), rtl=t.rtl)])

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

    # -- building blocks ------------------------------------------------------------------

    @staticmethod
    def _handoff_event(state: ConversationState, t: Texts) -> Event:
        """The person wants a human: what the hand-off needs to open or reuse a case."""
        return Event(
            "handoff",
            {
                "question": state.last_text or "",
                "language": t.language,
                "topics": state.last_topics,
            },
        )

    def _please_write(self, t: Texts) -> Reply:
        return Reply(
            t._("Please write your question in a few words, or choose a topic from the menu."),
            buttons=self._main_buttons(t),
            rtl=t.rtl,
        )

    def _main_buttons(self, t: Texts) -> list[list[Button]]:
        return [[Button(t._("Topics"), "m"), Button(t._("Talk to a person"), "h")]]

    def _menu(self, t: Texts) -> Reply:
        rows = [
            [Button(localized(f.name, t.language), f"f:{f.id}")]
            for f in self.knowledge.fields
            if f.id != "emergency"
        ]
        return Reply(t._("Choose a topic area:"), buttons=rows, rtl=t.rtl)

    def _field_menu(self, t: Texts, field_id: str) -> Reply:
        field_ = next(f for f in self.knowledge.fields if f.id == field_id)
        rows = [[Button(localized(tp.name, t.language), f"t:{tp.id}")] for tp in field_.topics]
        rows.append([Button(t._("Back"), "m")])
        return Reply(t._("Choose a topic:"), buttons=rows, rtl=t.rtl)

    def _language_picker(self, t: Texts, *, ask: bool) -> Reply:
        names = [Button(t.language_name(code, own=True), f"l:{code}") for code in LANGUAGES]
        rows = [names[i : i + 3] for i in range(0, len(names), 3)]
        prompt = t._("Please choose your language:")
        if ask:
            prompt = "\n".join(
                dict.fromkeys(
                    [texts(code)._("Please choose your language:") for code in ("de", "en", "ar")]
                    + [prompt]
                )
            )
        return Reply(prompt, buttons=rows, rtl=t.rtl)


def _bare_number(text: str) -> int | None:
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())
    if not digits or len(digits) > 2 or len(text) > 12:
        return None
    value = (
        int(unicodedata.numeric(digits[0]) * 10 + unicodedata.numeric(digits[1]))
        if len(digits) == 2
        else int(unicodedata.numeric(digits[0]))
    )
    return value if 5 <= value <= 99 else None
