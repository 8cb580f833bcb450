"""The speed-ups change nothing: quick literal tests, anchored matching and analysing only
the sentences that matter give the same cues as running everything over the whole text."""

import pytest

from kizuna.lib.japanese import analyse
from kizuna.mood import assess, engine
from kizuna.mood.evaluation import load_corpus
from kizuna.mood.lexicon import Phrases


def _everything(self, text):
    for regex, payload in self.items:
        for m in regex.finditer(text.low):
            yield m, payload


def _whole(own, lexicon, hits):
    return analyse(own)


def _cues(text):
    result = assess(text, follow_ups=0)
    return result.mood, [(c.start, c.end, c.kind, c.reason, c.weight) for c in result.cues]


def test_shortcuts_give_the_same_cues_on_the_whole_corpus():
    texts = [s.text for s in load_corpus()]
    fast = [_cues(t) for t in texts]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Phrases, "matches", _everything)
        mp.setattr(engine, "_morphemes", _whole)
        slow = [_cues(t) for t in texts]
    different = [t[:60] for t, f, s in zip(texts, fast, slow, strict=True) if f != s]
    assert not different, different
