"""Sample letters: checked completely when saved (syntax, variables, the sandbox), rendered
for a ticket in the customer's language and time zone, and the built-in set written to the
team's standard."""

from itertools import product

from django.test import SimpleTestCase

from kizuna.letters import sandbox
from kizuna.letters.blanks import blanks
from kizuna.letters.models import Letter, Purpose
from kizuna.letters.services import (
    LetterError,
    builtin_letter,
    builtins,
    builtins_install,
    letter_for,
    letter_problems,
    letter_reset,
    letter_save,
    render,
)
from kizuna.letters.variables import VARIABLES, sample_values, ticket_values
from kizuna.replycheck import check
from kizuna.test import BaseTestCase


def save(**fields):
    defaults = {"name": "Test", "language": "en", "purpose": "update", "body": "Hello"}
    return letter_save(**{**defaults, **fields})


class SandboxTests(BaseTestCase):
    """A template that reaches beyond its variables is refused when it is saved."""

    def refused(self, body: str) -> str:
        with self.assertRaises(LetterError) as cm:
            save(body=body)
        self.assertFalse(Letter.objects.filter(name="Test").exists())
        return cm.exception.message

    def test_attributes_indexes_filters_and_calls_are_refused(self):
        for body, said in (
            ("Hi {{ contact_name.upper }}", "attribute"),
            ("Hi {{ contact_name.__class__.__mro__ }}", "attribute"),
            ("Hi {{ contact_name[0] }}", "reaches into"),
            ("Hi {{ contact_name|upper }}", "filter"),
            ("Hi {{ cycler() }}", "calls code"),
            ("{% for c in contact_name %}{{ c }}{% endfor %}", "loops"),
            ("{% set x = 1 %}{{ x }}", "set"),
            ("{% include 'base.html' %}", "include"),
            ("{% macro m() %}x{% endmacro %}", "macros"),
            ("{% if contact_name is defined %}x{% endif %}", "test"),
            ("{{ 7 * 7 }}", "not available"),
            ("{{ lipsum }}", "unknown variable"),
        ):
            with self.subTest(body=body):
                self.assertIn(said, self.refused(body))

    def test_an_unknown_variable_is_named_with_its_line_and_the_known_ones(self):
        message = self.refused("Dear {{ contact_name }},\n\nYour ticket {{ ticket_number }}.")
        self.assertIn("Line 3", message)
        self.assertIn("ticket_number", message)
        self.assertIn("reference", message)  # the known variables are listed

    def test_a_syntax_error_is_reported_with_its_line(self):
        message = self.refused("Dear {{ contact_name }},\n{% if cause %}\nno end")
        self.assertIn("syntax error", message)
        self.assertIn("Line", message)

    def test_every_problem_is_listed_not_just_the_first(self):
        with self.assertRaises(LetterError) as cm:
            save(body="{{ a }} {{ b.c }} {{ d|e }}")
        self.assertEqual(len(cm.exception.problems), 3)

    def test_hostile_text_is_refused_with_a_reason(self):
        self.assertIn("U+0000", self.refused("Hello\x00"))
        self.assertIn("surrogate", self.refused("Hello \ud800"))
        self.assertIn("20,000", self.refused("x" * 100_000))
        self.assertIn("empty", self.refused(" \u200b\n"))

    def test_values_are_text_even_when_they_look_like_templates(self):
        # A customer's subject is printed, never evaluated.
        text = sandbox.render("Re: {{ subject }}", {"subject": "{{ 7*7 }} {% if x %}"})
        self.assertEqual(text, "Re: {{ 7*7 }} {% if x %}")

    def test_comparisons_and_conditions_work(self):
        body = (
            '{% if fully_resolved == "yes" %}Fixed.{% elif not recurrence %}Partly.'
            "{% else %}Other.{% endif %}"
        )
        self.assertEqual(letter_problems(body), [])
        self.assertEqual(
            sandbox.render(body, {"fully_resolved": "yes", "recurrence": ""}), "Fixed."
        )
        self.assertEqual(
            sandbox.render(body, {"fully_resolved": "no", "recurrence": ""}), "Partly."
        )

    def test_a_tag_on_its_own_line_leaves_no_empty_line_but_inline_tags_keep_the_break(self):
        body = "A\n{% if agent %}\nB {{ agent }}\n{% endif %}\nC{% if agent %} D{% endif %}\nE"
        self.assertEqual(sandbox.render(body, {"agent": "Sato"}), "A\nB Sato\nC D\nE")
        self.assertEqual(sandbox.render(body, {"agent": ""}), "A\nC\nE")


class SavingTests(BaseTestCase):
    def test_one_default_per_purpose_and_language(self):
        first = save(name="First", is_default=True)
        second = save(name="Second", is_default=True)
        first.refresh_from_db()
        self.assertFalse(first.is_default)
        self.assertTrue(second.is_default)
        self.assertEqual(letter_for("update", "en"), second)

    def test_names_are_unique_per_language_and_fields_are_checked(self):
        save(name="Same")
        with self.assertRaises(LetterError) as cm:
            save(name="Same")
        self.assertEqual(cm.exception.field, "name")
        with self.assertRaises(LetterError) as cm:
            save(language="fr")
        self.assertEqual(cm.exception.field, "language")
        with self.assertRaises(LetterError) as cm:
            save(purpose="poem")
        self.assertEqual(cm.exception.field, "purpose")

    def test_without_rows_kizuna_falls_back_to_its_built_in_letters(self):
        Letter.objects.all().delete()
        letter = letter_for("resolution", "ja")
        self.assertIsNone(letter.pk)
        self.assertEqual(letter.builtin, "ja.resolution")

    def test_installing_the_built_ins_is_idempotent_and_a_manager_can_reset_one(self):
        Letter.objects.all().delete()
        self.assertEqual(builtins_install(), len(builtins()))
        self.assertEqual(builtins_install(), 0)
        letter = Letter.objects.get(builtin="en.update")
        letter_save(
            letter=letter,
            name=letter.name,
            language="en",
            purpose="update",
            body="Changed {{ reference }}",
            is_default=True,
        )
        letter_reset(letter=letter)
        letter.refresh_from_db()
        self.assertEqual(letter.body, builtin_letter("update", "en").body)

    def test_values_for_a_ticket_are_in_the_customers_language_and_time_zone(self):
        ticket = self.make_ticket()
        values = ticket_values(ticket, agent=self.agent)
        self.assertEqual(set(values), set(VARIABLES))
        self.assertEqual(values["honorific"], "様")
        self.assertEqual(values["contact_name"], "山田 太郎")
        self.assertEqual(values["reference"], ticket.reference)
        self.assertIn("(JST)", values["checkpoint"])
        self.assertEqual(values["status"], "受付済み")
        text = render(letter_for("acknowledgement", "ja"), values)
        self.assertTrue(text.startswith("山田商事株式会社\n山田 太郎様\n"))
        self.assertIn(ticket.reference, text)


class BuiltinLetterTests(SimpleTestCase):
    """Each built-in letter passes the reply checker with no error or warning, whatever the
    resolution answers, with and without the optional parts."""

    def test_every_purpose_has_a_letter_in_both_languages(self):
        have = {(item["purpose"], item["language"]) for item in builtins()}
        self.assertEqual(have, set(product(Purpose.values, ("ja", "en"))))

    def test_built_in_letters_are_valid_templates(self):
        for item in builtins():
            with self.subTest(letter=item["builtin"]):
                self.assertEqual(letter_problems(item["body"]), [])

    def test_built_in_letters_pass_the_reply_checker(self):
        optional = (
            "recurrence",
            "further_help",
            "satisfaction_link",
            "close_link",
            "checkpoint",
            "close_date",
            "organization",
            "agent",
        )
        for item in builtins():
            letter = builtin_letter(item["purpose"], item["language"])
            for resolved, complete in product(("yes", "partly", "no"), (True, False)):
                values = {**sample_values(item["language"]), "fully_resolved": resolved}
                if not complete:
                    values.update(dict.fromkeys(optional, ""))
                text = render(letter, values)
                with self.subTest(letter=item["builtin"], resolved=resolved, complete=complete):
                    result = check(
                        text,
                        lang=item["language"],
                        audience="general",
                        purpose=letter.check_purpose,
                    )
                    found = [
                        (f.rule, f.text)
                        for f in result.findings
                        if f.severity in ("error", "warning")
                    ]
                    self.assertEqual(found, [])
                    self.assertNotIn("{{", text)
                    self.assertIn(values["reference"], text)

    def test_blanks_are_found(self):
        self.assertEqual(
            blanks("A [[what was done]] B [[next]]"), ["[[what was done]]", "[[next]]"]
        )
        self.assertEqual(blanks("a [link](x) [[ ]"), [])
