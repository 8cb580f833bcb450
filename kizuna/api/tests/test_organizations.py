from kizuna.api.auth import forget_tokens
from kizuna.api.tests.base import ApiTestCase
from kizuna.tickets.models import EmailDomain, Organization


class OrganizationsTestCase(ApiTestCase):
    url = "/api/v1/organizations"

    def test_it_lists_organizations_with_their_domains(self):
        self.get(self.url)  # the first use of a token records it
        forget_tokens()  # count the token lookup too: the cold path
        with self.assertNumQueries(4):  # token, count, rows, domains
            doc = self.get(self.url).json()
        self.assertEqual(doc["count"], 2)
        names = {o["name"]: o["domains"] for o in doc["results"]}
        self.assertEqual(names["Northwind Ltd"], ["northwind.example"])
        self.assertEqual(names["山田商事株式会社"], ["yamada.example.jp"])
        doc = self.get(self.url, {"q": "north"}).json()
        self.assertEqual([o["name"] for o in doc["results"]], ["Northwind Ltd"])

    def test_it_creates_an_organization_with_domains(self):
        r = self.post(
            self.url,
            {
                "name": "Contoso KK",
                "domains": ["Contoso.co.jp", "@contoso.example"],
                "timezone": "Asia/Tokyo",
            },
        )
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["domains"], ["contoso.co.jp", "contoso.example"])
        org = Organization.objects.get(name="Contoso KK")
        self.assertEqual(r.json()["id"], org.id)
        self.assertEqual(self.get(f"{self.url}/{org.id}").json()["name"], "Contoso KK")

    def test_it_rejects_bad_input_and_changes_nothing(self):
        cases = [
            ({"name": ""}, "name", "needs a name"),
            ({"name": "Northwind Ltd"}, "name", "already exists"),
            ({"name": "Contoso", "domains": ["not a domain"]}, "domains", "not a mail domain"),
            (
                {"name": "Contoso", "domains": ["northwind.example"]},
                "domains",
                "already belongs to Northwind Ltd",
            ),
            ({"name": "Contoso", "timezone": "Mars/Olympus"}, "timezone", "Unknown time zone"),
        ]
        for data, field, says in cases:
            with self.subTest(data=data):
                r = self.post(self.url, data)
                self.assertEqual(r.status_code, 400)
                self.assertEqual(r.json()["field"], field)
                self.assertIn(says, r.json()["detail"])
        self.assertEqual(Organization.objects.count(), 2)
        self.assertEqual(EmailDomain.objects.count(), 2)

    def test_a_missing_organization_is_404(self):
        r = self.get(f"{self.url}/999999")
        self.assertEqual(r.status_code, 404)
        self.assertIn("999999", r.json()["detail"])
