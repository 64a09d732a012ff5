"""The referral follow-up in the conversation: asking once for consent, and the buttons of the
consent question and of the follow-up question itself.

After the first answer that showed offers, the bot asks once (per person, remembered in the
state) whether it may ask in a few days if the person reached the service. With consent, every
later answer with offers schedules one follow-up (an `Event("followup")`; the service replaces
an older pending one). The follow-up question arrives later through the outbox
(`bot.followup.service`); its three buttons come back here as `fu:<id>:<h|n|u>` and become an
`Event("followup_outcome")` that the service checks against the person and records without them.
"""

from __future__ import annotations

from bot.dialogue import replies
from bot.dialogue.messages import Button, EngineOutput, Event, Reply
from bot.dialogue.state import ConversationState
from bot.i18n import Texts

OUTCOME_CODES = {"h": "helped", "n": "not_helped", "u": "unreached"}
MAX_OFFERS = 3


def _shown_offers(output: EngineOutput) -> list[str]:
    return [card.offer_id for reply in output.replies for card in reply.cards]


def _is_offer_answer(output: EngineOutput) -> bool:
    """An answer with offers for a topic (it carries the helpful / not-what-I-need buttons)."""
    return any(
        button.data.startswith("fb:")
        for reply in output.replies
        for row in reply.buttons
        for button in row
    )


def after_answer(state: ConversationState, output: EngineOutput, t: Texts, days: int) -> None:
    """Ask for consent once, or schedule a follow-up for this answer when consent was given."""
    if not _is_offer_answer(output) or not state.last_topics:
        return
    offers = _shown_offers(output)[:MAX_OFFERS]
    if not offers:
        return
    if state.followup_consent is None:
        if not state.followup_asked:
            state.followup_asked = True
            # in the answer's own message, below the cards: one message per answer
            answer = next(r for r in reversed(output.replies) if r.cards)
            question = consent_question(t, days)
            answer.footer = question.text
            answer.buttons.extend(question.buttons)
    elif state.followup_consent:
        output.events.append(
            Event(
                "followup",
                {"offers": offers, "topic": state.last_topics[0], "language": t.language},
            )
        )


def consent_question(t: Texts, days: int) -> Reply:
    return Reply(
        t.n_(
            "One more question: may I ask you in {n} day whether you reached the service and whether it helped? Your answer is only counted, without your name.",
            "One more question: may I ask you in {n} days whether you reached the service and whether it helped? Your answer is only counted, without your name.",
            days,
        ),
        buttons=[[Button(t._("Yes, ask me"), "fc:1"), Button(t._("No, thank you"), "fc:0")]],
        rtl=t.rtl,
    )


def on_button(state: ConversationState, data: str, t: Texts, days: int) -> EngineOutput | None:
    """The consent and follow-up buttons; None for every other button."""
    kind, _, rest = data.partition(":")
    if kind == "fc" and rest in ("0", "1"):
        state.followup_consent = rest == "1"
        state.followup_asked = True
        if rest == "0":
            return EngineOutput([Reply(t._("All right, I will not ask."), rtl=t.rtl)])
        events = []
        shown = state.last_offers[: state.shown or MAX_OFFERS][:MAX_OFFERS]
        if days and shown and state.last_topics:
            events.append(
                Event(
                    "followup",
                    {"offers": shown, "topic": state.last_topics[0], "language": t.language},
                )
            )
        text = t.n_(
            "Thank you! I will ask you in {n} day.", "Thank you! I will ask you in {n} days.", days
        )
        return EngineOutput([Reply(text, rtl=t.rtl)], events)
    if kind == "fu":
        number, _, code = rest.partition(":")
        if number.isdigit() and code in OUTCOME_CODES:
            return EngineOutput(
                [],
                [Event("followup_outcome", {"id": int(number), "outcome": OUTCOME_CODES[code]})],
            )
        return EngineOutput([expired(t)])
    return None


def question(t: Texts, followup_id: int, offer_names: list[str]) -> Reply:
    """The follow-up question, a few days after the answer."""
    return Reply(
        t._(
            "Some days ago I suggested: {offers}. Did you reach the service?",
            offers=t.join(offer_names),
        ),
        buttons=[
            [Button(t._("Yes, and it helped"), f"fu:{followup_id}:h")],
            [Button(t._("Yes, but it did not help"), f"fu:{followup_id}:n")],
            [Button(t._("No, I could not reach them"), f"fu:{followup_id}:u")],
        ],
        rtl=t.rtl,
    )


def thanks(t: Texts, outcome: str) -> Reply:
    if outcome == "helped":
        return Reply(t._("Thank you! I am glad it helped."), rtl=t.rtl)
    if outcome == "not_helped":
        text = t._("Thank you for telling me. Write me what you still need, or talk to a person.")
    else:
        text = t._(
            "Thank you for telling me. The integration office will check these contact details. Write me again, or talk to a person."
        )
    return Reply(text, buttons=replies.main_buttons(t), rtl=t.rtl)


def expired(t: Texts) -> Reply:
    return Reply(
        t._("This question has expired. Thank you all the same!"),
        buttons=replies.main_buttons(t),
        rtl=t.rtl,
    )
