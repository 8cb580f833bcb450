"""Japanese is a first-class language: every message in the catalogue is translated."""

import re
from pathlib import Path

from django.test import SimpleTestCase
from django.utils import translation

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "ja" / "LC_MESSAGES" / "django.po"


class JapaneseCatalogueTests(SimpleTestCase):
    def test_every_entry_is_translated_and_none_is_fuzzy(self):
        entries = CATALOGUE.read_text(encoding="utf-8").split("\n\n")[1:]
        untranslated = [e for e in entries if re.search(r'\nmsgstr ""\s*$', e)]
        fuzzy = [e for e in entries if "#, fuzzy" in e]
        self.assertEqual(untranslated, [])
        self.assertEqual(fuzzy, [])

    def test_the_compiled_catalogue_is_used(self):
        with translation.override("ja"):
            self.assertEqual(translation.gettext("Waiting for customer"), "お客様の回答待ち")
