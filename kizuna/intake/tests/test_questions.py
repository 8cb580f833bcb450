"""The question asking for each fact, and its label: present in both languages, and written to
the team's own standard (the reply checker finds nothing to warn about)."""

import pytest
from django.utils import translation

from kizuna.intake import FACTS, LABELS, label, question
from kizuna.replycheck import check

CASES = [(lang, fact) for lang in ("ja", "en") for fact in FACTS]


@pytest.mark.parametrize(("lang", "fact"), CASES, ids=[f"{lang}-{fact}" for lang, fact in CASES])
def test_each_question_passes_the_reply_checker(lang, fact):
    text = question(fact, lang)
    assert text.strip()
    result = check(text, lang=lang, audience="general", purpose="any")
    assert result.lang == lang
    serious = [f"{f.rule}: {f.text!r}" for f in result.findings if f.severity != "info"]
    assert not serious, serious


def test_questions_are_in_the_language_asked_for():
    assert all(question(f, "en").isascii() for f in FACTS)
    assert all(not question(f, "ja").isascii() for f in FACTS)
    assert len({question(f, "ja") for f in FACTS}) == len(FACTS)


def test_it_rejects_an_unknown_fact_or_language():
    with pytest.raises(ValueError, match="unknown fact"):
        question("mood", "en")
    with pytest.raises(ValueError, match="lang must be one of"):
        question("impact", "fr")
    with pytest.raises(ValueError, match="unknown fact"):
        label("mood")


def test_every_fact_has_a_label_in_english():
    with translation.override("en"):
        labels = {f: str(label(f)) for f in FACTS}
    assert set(LABELS) == set(FACTS)
    assert labels["urgency"] == "Urgency or deadline"
    assert all(labels.values())
