from kizuna.api.auth import forget_tokens
from kizuna.api.tests.base import ApiTestCase
from kizuna.tickets.models import Contact


class ContactsTestCase(ApiTestCase):
    url = "/api/v1/contacts"

    def test_it_lists_contacts_by_organization(self):
        self.get(self.url)
        forget_tokens()  # count the token lookup too: the cold path
        with self.assertNumQueries(3):  # token, count, rows with their organization
            doc = self.get(self.url).json()
        self.assertEqual(doc["count"], 2)
        doc = self.get(self.url, {"organization": self.other_org.id}).json()
        self.assertEqual([c["email"] for c in doc["results"]], ["nancy@northwind.example"])
        self.assertEqual(doc["results"][0]["technical_level"], "technical")
        doc = self.get(self.url, {"q": "taro@"}).json()
        self.assertEqual([c["name"] for c in doc["results"]], ["山田 太郎"])

    def test_it_creates_a_contact(self):
        r = self.post(
            self.url,
            {
                "organization": self.org.id,
                "name": "鈴木 花子",
                "email": "Hanako@Yamada.example.jp",
                "technical_level": "technical",
                "role": "情報システム部",
            },
        )
        self.assertEqual(r.status_code, 201, r.content)
        doc = r.json()
        self.assertEqual(doc["email"], "hanako@yamada.example.jp")
        self.assertEqual((doc["language"], doc["timezone"]), ("ja", "Asia/Tokyo"))
        self.assertEqual(doc["organization"]["id"], self.org.id)
        self.assertEqual(self.get(f"{self.url}/{doc['id']}").json()["role"], "情報システム部")

    def test_it_rejects_bad_contacts_and_changes_nothing(self):
        good = {"organization": self.org.id, "name": "X", "email": "x@yamada.example.jp"}
        cases = [
            ({**good, "email": "taro@yamada.example.jp"}, "email", "already exists"),
            ({**good, "email": "not-an-address"}, "email", "not an email address"),
            ({**good, "language": "fr"}, "language", "Unknown language"),
            ({**good, "technical_level": "guru"}, "technical_level", "Unknown technical level"),
            ({**good, "organization": 999999}, "organization", "No organization"),
            ({**good, "timezone": "Nowhere"}, "timezone", "Unknown time zone"),
        ]
        for data, field, says in cases:
            with self.subTest(field=field):
                r = self.post(self.url, data)
                self.assertEqual(r.status_code, 400)
                self.assertEqual(r.json()["field"], field)
                self.assertIn(says, r.json()["detail"])
        self.assertEqual(Contact.objects.count(), 2)

    def test_it_updates_language_level_role_and_timezone(self):
        r = self.patch(
            f"{self.url}/{self.customer.id}",
            {
                "language": "en",
                "technical_level": "technical",
                "role": "CTO",
                "timezone": "America/New_York",
            },
        )
        self.assertEqual(r.status_code, 200, r.content)
        c = Contact.objects.get(pk=self.customer.pk)
        self.assertEqual(
            (c.language, c.technical_level, c.role, c.timezone),
            ("en", "technical", "CTO", "America/New_York"),
        )
        self.assertEqual(c.name, "山田 太郎")

    def test_a_bad_update_changes_nothing(self):
        for data, field in [
            ({"role": "CTO", "language": "de"}, "language"),
            ({"timezone": None}, "timezone"),
        ]:
            with self.subTest(data=data):
                r = self.patch(f"{self.url}/{self.customer.id}", data)
                self.assertEqual(r.status_code, 400)
                self.assertEqual(r.json()["field"], field)
        c = Contact.objects.get(pk=self.customer.pk)
        self.assertEqual((c.language, c.role, c.timezone), ("ja", "総務部", "Asia/Tokyo"))

    def test_a_missing_contact_is_404(self):
        self.assertEqual(self.get(f"{self.url}/999999").status_code, 404)
        self.assertEqual(self.patch(f"{self.url}/999999", {"role": "x"}).status_code, 404)
