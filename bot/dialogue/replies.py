"""Reply building blocks of the dialogue: menus, pickers, fixed texts and the emergency notice.

No decisions here, only wording and buttons, so the engine reads as the conversation's logic.
Button data is short and public: it names topics, fields, offers, cities and languages, never a
person.
"""

from __future__ import annotations

from bot.core.languages import LANGUAGES
from bot.dialogue.cards import localized
from bot.dialogue.messages import Button, Reply
from bot.i18n import Texts, _, texts
from bot.knowledge.model import Knowledge

# What to do first, by kind of danger (the numbers are nationwide and free).
EMERGENCY_TEXT = {
    "medical": _(
        "Call 112 now (ambulance). The call is free, day and night. Stay with the person; the "
        "112 call centre tells you what to do until help arrives."
    ),
    "poisoning": _(
        "Call 112 now (ambulance) if someone swallowed pills, poison or cleaning products, or "
        "cannot be woken. The poison emergency line (Giftnotruf) 0361 730 730 advises day and "
        "night."
    ),
    "fire": _(
        "Call 112 now (fire brigade). Leave the flat, close the door behind you, do not use the "
        "lift, and warn your neighbours."
    ),
    "violence": _(
        "Call 110 now (police) if you or someone else is in danger. If someone is hurt, call 112. "
        "The call is free, day and night."
    ),
    "domestic_violence": _(
        "If you are in danger now, call 110 (police). The help line for women affected by "
        "violence, 116 016, is free and anonymous, day and night, in many languages. Women's "
        "shelters take you and your children in, also at night."
    ),
    "self_harm": _(
        "You are not alone. If you are in danger now, call 112. Telefonseelsorge: 0800 111 0 111 "
        "or 0800 111 0 222, free and anonymous, day and night."
    ),
    "child_danger": _(
        "If a child is in danger now, call 110 (police) or 112 (ambulance). The call is free, day "
        "and night. The child and youth emergency service (Kinder- und Jugendnotdienst) helps "
        "day and night."
    ),
    None: _(
        "If you or someone else is in danger right now, call 112 (ambulance, fire brigade) or 110 "
        "(police). The call is free, day and night."
    ),
}


def main_buttons(t: Texts, *, person: bool = True) -> list[list[Button]]:
    row = [Button(t._("Topics"), "m")]
    if person:
        row.append(Button(t._("Talk to a person"), "h"))
    return [row]


def please_write(t: Texts) -> Reply:
    return Reply(
        t._("Please write your question in a few words, or choose a topic from the menu."),
        buttons=main_buttons(t),
        rtl=t.rtl,
    )


def menu(t: Texts, knowledge: Knowledge, intro: str | None = None) -> Reply:
    rows = [
        [Button(localized(f.name, t.language), f"f:{f.id}")]
        for f in knowledge.fields
        if f.id != "emergency"
    ]
    rows.append([Button(t._("Talk to a person"), "h")])
    text = t._("Choose a topic area:")
    return Reply(f"{intro}\n\n{text}" if intro else text, buttons=rows, rtl=t.rtl)


def field_menu(t: Texts, knowledge: Knowledge, field_id: str) -> Reply:
    field_ = next(f for f in knowledge.fields if f.id == field_id)
    rows = [[Button(localized(tp.name, t.language), f"t:{tp.id}")] for tp in field_.topics]
    rows.append([Button(t._("Back"), "m")])
    return Reply(t._("Choose a topic:"), buttons=rows, rtl=t.rtl)


def language_picker(t: Texts, *, ask: bool) -> Reply:
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


def city_buttons(t: Texts, knowledge: Knowledge) -> list[Button]:
    return [Button(localized(c.name, t.language), f"c:{c.id}") for c in knowledge.cities]


def switch_button(language: str) -> Button:
    """One tap to keep answering in the language the person just wrote in (in that language)."""
    t = texts(language)
    return Button(
        t._("Always answer in {language}", language=t.language_name(language, own=True)),
        f"l:{language}",
    )


def help_text(t: Texts) -> str:
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


def privacy_text(t: Texts, retention_days: int) -> str:
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
                days=retention_days,
            ),
        ]
    )


def welcome(t: Texts) -> str:
    return "\n\n".join(
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
