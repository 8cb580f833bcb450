"""Property tests: whatever bytes arrive, parsing never raises and the pipeline stores them
byte for byte and gives each an outcome.

Inputs are the corpus and the fixtures damaged by the mutations in fuzzing.py. The profile
`mail-ci` (the default) keeps each test to a few seconds; `KIZUNA_FUZZ_PROFILE=mail-long`
runs many more examples. bench/fuzz_mail.py runs the same mutations for hours.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from kizuna.mail.ingest import ingest_many, scan_headers
from kizuna.mail.models import InboundMail, InboundState
from kizuna.mail.parsing import ParsedMail, parse_message
from kizuna.mail.tests import fuzzing
from kizuna.test import BaseTestCase

_COMMON = {
    "deadline": None,
    "database": None,  # nothing written into the working tree
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("mail-ci", max_examples=40, derandomize=True, **_COMMON)
settings.register_profile("mail-long", max_examples=5000, **_COMMON)
PROFILE = settings.get_profile(os.environ.get("KIZUNA_FUZZ_PROFILE", "mail-ci"))

OUTCOMES = {
    InboundState.CREATED,
    InboundState.APPENDED,
    InboundState.DUPLICATE,
    InboundState.IGNORED,
    InboundState.QUARANTINED,
    InboundState.HELD,
}

damaged_mail = st.builds(
    fuzzing.mutate,
    st.sampled_from(fuzzing.seeds()),
    st.lists(st.sampled_from(sorted(fuzzing.MUTATIONS)), min_size=1, max_size=5),
    st.integers(min_value=0, max_value=2**32 - 1),
)
# Bytes no mail client would write, and seeds with random bytes spliced in.
any_bytes = st.one_of(
    st.binary(max_size=2000),
    st.builds(
        lambda seed, at, junk: seed[:at] + junk + seed[at:],
        st.sampled_from(fuzzing.seeds()),
        st.integers(min_value=0, max_value=5000),
        st.binary(min_size=1, max_size=200),
    ),
)


def _check_parsed(parsed: ParsedMail) -> None:
    assert isinstance(parsed, ParsedMail)
    for text in fuzzing.text_fields(parsed):
        assert isinstance(text, str)
        assert fuzzing.storable(text), repr(text[:200])
    for attachment in parsed.attachments:
        assert isinstance(attachment.data, bytes)
        assert attachment.name


@settings(PROFILE)
@given(damaged_mail)
def test_parsing_damaged_mail_never_raises_and_gives_storable_text(raw: bytes):
    _check_parsed(parse_message(raw))


@settings(PROFILE)
@given(any_bytes)
def test_parsing_any_bytes_never_raises(raw: bytes):
    _check_parsed(parse_message(raw))


class PipelineFuzzTests(HypothesisTestCase, BaseTestCase):
    """The whole pipeline, as `kizuna ingest` runs it: a batch stored, then processed. Each
    example runs in a transaction of its own, rolled back after it."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.make_personas(cls)  # once for the class: the examples roll back to them

    def setUp(self):
        pass  # the personas are made once, above, not for every example

    def _ingest(self, raws: list[bytes]) -> list:
        items = [(raw, f"fuzz:{n}") for n, raw in enumerate(raws)]
        results = list(ingest_many(items, batch_size=2))
        self.assertEqual(len(results), len(raws))
        for raw, result in zip(raws, results, strict=True):
            self.assertIn(result.outcome, OUTCOMES, result.reason)
            row = InboundMail.objects.get(pk=result.inbound_id)
            if result.outcome == InboundState.DUPLICATE:
                # The stored copy is this message's (its Message-ID, or its very bytes).
                self.assertTrue(row.dedupe_key.startswith(scan_headers(raw).dedupe_key))
            else:
                self.assertEqual(bytes(row.raw), raw)
            self.assertNotEqual(row.state, InboundState.PENDING)
        return results

    @settings(PROFILE)
    @given(st.lists(damaged_mail, min_size=1, max_size=3))
    def test_damaged_mail_is_stored_byte_for_byte_and_gets_an_outcome(self, raws):
        self._ingest(raws)

    @settings(PROFILE)
    @given(damaged_mail)
    def test_the_same_damaged_mail_twice_is_stored_once(self, raw):
        first, again = self._ingest([raw, raw])
        self.assertEqual(again.outcome, InboundState.DUPLICATE)
        self.assertEqual(again.inbound_id, first.inbound_id)


# What the fuzzing found, kept as plain regression tests.


def test_a_base64_word_with_a_dangling_character_is_decoded():
    raw = b"From: a@b.example\r\nSubject: =?utf-8?b?44GC44GE=?=\r\n\r\nx\r\n"
    assert parse_message(raw).subject == "あい"


def test_control_characters_are_dropped_from_ids_types_and_names():
    raw = (
        b"From: a@b.example\r\nMessage-ID: <\x00id\x08@b.example>\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: te\x00xt/pl\xffain\r\nContent-Disposition: attachment; filename=a\x00b.txt\r\n"
        b"\r\ndata\r\n--b--\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.message_id == "<id@b.example>"
    assert [(a.name, a.content_type) for a in parsed.attachments] == [
        ("ab.txt", "application/octet-stream")
    ]


def test_a_forwarded_message_the_generator_refuses_is_kept_as_read():
    raw = (
        b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\nFrom: c@d.example\r\nSubject: inner\r\n"
        b'Content-Type: text/plain; charset="\xff\xfe"\r\n\r\n\xe3\x81\x82\xff\r\n--b--\r\n'
    )
    parsed = parse_message(raw)
    assert not any(d.startswith("unparseable") for d in parsed.defects)
    assert b"Subject: inner" in parsed.attachments[0].data


def test_a_huge_references_header_is_cut_to_its_start_and_newest_ids():
    from kizuna.mail.routing import thread_ids

    refs = [f"<r{n}@x.example>" for n in range(20_000)]
    ids = thread_ids(message_id="<me@x.example>", in_reply_to=[], references=refs)
    assert len(ids) == 51
    assert ids[0] == "<r19999@x.example>" and "<r0@x.example>" in ids
