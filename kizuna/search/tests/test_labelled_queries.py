"""The labelled search set (78 queries, Japanese and English) over a generated corpus: the
search finds what each query's labels say a person expects, and little else."""

from __future__ import annotations

from django.test import TestCase

from kizuna.search.evaluation import evaluate, queries
from kizuna.search.evaluation.build import store_people, store_tickets
from kizuna.search.evaluation.corpus import tickets
from kizuna.search.indexing import reindex_all
from kizuna.search.query import MAX_LIMIT, search
from kizuna.tickets.models import Ticket

RECALL, PRECISION = 0.95, 0.95


class LabelledQueries(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.specs = tickets(400, seed=11)
        cls.ids = store_tickets(cls.specs, store_people())
        reindex_all()

    def test_the_set_is_big_enough_and_in_both_languages(self):
        langs = [q.lang for q in queries()]
        self.assertGreaterEqual(len(langs), 60)
        self.assertGreaterEqual(min(langs.count("ja"), langs.count("en")), 30)

    def test_precision_and_recall_per_language(self):
        def run(q: str) -> list[int]:
            result = search(q, tickets=Ticket.objects.all(), limit=MAX_LIMIT)
            return [hit.ticket.pk for hit in result.hits]

        scores, misses = evaluate(run, self.specs, self.ids)
        for lang in ("ja", "en"):
            s = scores[lang]
            self.assertGreaterEqual(s.recall, RECALL, (lang, s, misses))
            self.assertGreaterEqual(s.precision, PRECISION, (lang, s, misses))
