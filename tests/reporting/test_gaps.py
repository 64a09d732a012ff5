"""The gaps queue groups paraphrases across languages with the embedding model, caches the
vectors, masks the examples, and a resolved group leaves the queue."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from bot.reporting.gaps import GapsQueue, cluster
from bot.storage.models import UnansweredQuestion
from tests.reporting.history import write_history

PARAPHRASES = {
    "vet": [
        "Wo finde ich einen Tierarzt für meine Katze?",
        "my dog is sick, where is a vet",
        "كلبي مريض أين أجد طبيب بيطري",
        "Моя кошка заболела, где ветеринар?",
        "Köpeğim hasta, veteriner nerede?",
    ],
    "licence": [
        "Wie kann ich meinen Führerschein umschreiben lassen?",
        "how do I exchange my driving licence in Germany",
        "چطور گواهینامه رانندگی خود را تبدیل کنم",
        "Як обміняти водійські права в Німеччині?",
        "comment échanger mon permis de conduire",
    ],
    "bicycle": [
        "Wo kann ich günstig ein Fahrrad kaufen?",
        "where can I buy a cheap bicycle",
        "أين أشتري دراجة رخيصة",
        "Де купити дешевий велосипед?",
    ],
    "mosque": [
        "Gibt es eine Moschee in Magdeburg?",
        "is there a mosque in Magdeburg",
        "هل يوجد مسجد في ماغدبورغ",
        "Magdeburg'da cami var mı?",
    ],
    "tax": [
        "Wie mache ich meine Steuererklärung?",
        "how do I file my tax return",
        "Как подать налоговую декларацию?",
        "Vergi beyannamesi nasıl yapılır?",
    ],
}


@pytest.fixture(scope="module")
def semantic():
    from bot.matching.semantic import load_semantic_model

    model = load_semantic_model()
    if model is None:
        pytest.skip("no embedding model")
    return model


def test_paraphrases_group_by_meaning_across_languages(semantic) -> None:
    from bot.reporting.gaps import BACKGROUND

    texts = [(label, text) for label, group in PARAPHRASES.items() for text in group]
    vectors = semantic.passages([text for _, text in texts])
    labels = cluster(vectors, semantic.passages(list(BACKGROUND)))
    groups: dict[int, set[str]] = {}
    for (label, _), group in zip(texts, labels, strict=True):
        groups.setdefault(group, set()).add(label)
    assert all(len(found) == 1 for found in groups.values()), groups  # no mixed group
    assert len(groups) == len(PARAPHRASES)  # every theme in one group


def test_cluster_keeps_a_single_question_alone() -> None:
    assert cluster(np.ones((1, 4), dtype=np.float32), np.eye(4, dtype=np.float32)) == [0]


async def test_queue_groups_caches_masks_and_resolves(services) -> None:
    if services.semantic is None:
        pytest.skip("no embedding model")
    await write_history(services.sessions)
    queue = GapsQueue(services.sessions, services.semantic)
    groups = await queue.groups()
    sizes = sorted((g.size for g in groups), reverse=True)
    assert sizes[:2] == [5, 4] and sum(sizes) == 11
    vets = groups[0]
    assert set(vets.languages) == {"de", "en", "ar", "ru", "tr"}
    assert vets.reasons["no_offer"] == 4 and vets.reasons["unclear"] == 1
    licence = groups[1]
    examples = " ".join(q.masked for q in licence.questions)
    assert "Amina" not in examples and "[Name]" in examples
    everything = " ".join(q.masked for g in groups for q in g.questions)
    assert "1234567" not in everything and "[Telefon]" in everything
    async with services.sessions() as session:
        cached = await session.scalar(
            select(func.count())
            .select_from(UnansweredQuestion)
            .where(UnansweredQuestion.vector.is_not(None))
        )
    assert cached == 11
    assert await queue.resolve(vets.ids, "dismissed") == 5
    assert await queue.resolve(vets.ids, "dismissed") == 0  # already out of the queue
    remaining = await queue.groups()
    assert sum(g.size for g in remaining) == 6
    # the report still sees the whole period
    assert sum(g.size for g in await queue.groups(open_only=False)) == 11
