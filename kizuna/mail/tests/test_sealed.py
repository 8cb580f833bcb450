"""IMAP passwords are sealed at rest with a key derived from the installation's secret key."""

from __future__ import annotations

from django.test import SimpleTestCase, override_settings

from kizuna.lib.sealed import SealBroken, seal, unseal


class SealedTests(SimpleTestCase):
    def test_a_sealed_value_opens_again_and_does_not_show_the_secret(self):
        stored = seal("パスワード-123")
        self.assertNotIn("パスワード", stored)
        self.assertNotIn("123", stored)
        self.assertEqual(unseal(stored), "パスワード-123")
        self.assertNotEqual(seal("パスワード-123"), stored)  # a fresh nonce each time

    def test_a_value_stored_in_clear_before_sealing_is_read_as_it_is(self):
        self.assertEqual(unseal("plain-old-password"), "plain-old-password")
        self.assertEqual((seal(""), unseal("")), ("", ""))

    def test_another_secret_key_cannot_open_it_and_says_what_to_do(self):
        stored = seal("s3cret")
        with override_settings(SECRET_KEY="another-installation-" + "z" * 40):
            with self.assertRaisesMessage(SealBroken, "enter the password again"):
                unseal(stored)

    def test_a_tampered_value_is_refused(self):
        stored = seal("s3cret")
        with self.assertRaises(SealBroken):
            unseal(stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB"))
