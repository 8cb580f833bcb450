from django.conf import settings
from django.test import SimpleTestCase


class OpenApiTestCase(SimpleTestCase):
    def test_the_document_lists_every_endpoint(self):
        r = self.client.get("/api/v1/openapi.json")
        self.assertEqual(r.status_code, 200)
        doc = r.json()
        self.assertEqual(doc["info"]["title"], "Kizuna API")
        operations = {
            op["operationId"]: (method.upper(), path)
            for path, item in doc["paths"].items()
            for method, op in item.items()
        }
        self.assertEqual(
            operations,
            {
                "ticket_list": ("GET", "/api/v1/tickets"),
                "ticket_create": ("POST", "/api/v1/tickets"),
                "ticket_read": ("GET", "/api/v1/tickets/{ticket}"),
                "ticket_transition": ("POST", "/api/v1/tickets/{ticket}/transitions"),
                "ticket_assign": ("POST", "/api/v1/tickets/{ticket}/assignment"),
                "message_list": ("GET", "/api/v1/tickets/{ticket}/messages"),
                "message_reply": ("POST", "/api/v1/tickets/{ticket}/replies"),
                "message_note": ("POST", "/api/v1/tickets/{ticket}/notes"),
                "organization_list": ("GET", "/api/v1/organizations"),
                "organization_create": ("POST", "/api/v1/organizations"),
                "organization_read": ("GET", "/api/v1/organizations/{organization_id}"),
                "contact_list": ("GET", "/api/v1/contacts"),
                "contact_create": ("POST", "/api/v1/contacts"),
                "contact_read": ("GET", "/api/v1/contacts/{contact_id}"),
                "contact_update": ("PATCH", "/api/v1/contacts/{contact_id}"),
                "replycheck": ("POST", "/api/v1/replycheck"),
                "attachment_download": ("GET", "/api/v1/attachments/{attachment_id}"),
                "report_service_levels": ("GET", "/api/v1/reports/service-levels"),
                "report_satisfaction": ("GET", "/api/v1/reports/satisfaction"),
                "search": ("GET", "/api/v1/search"),
            },
        )
        self.assertIn("bearer", str(doc["components"]["securitySchemes"]).lower())

    def test_the_docs_page_never_loads_from_a_cdn(self):
        r = self.client.get("/api/v1/docs")
        if "ninja" not in settings.INSTALLED_APPS:
            self.assertEqual(r.status_code, 404)
        else:
            self.assertEqual(r.status_code, 200)
            self.assertNotIn(b"cdn.", r.content)

    def test_closed_sets_are_listed_as_enums(self):
        schemas = self.client.get("/api/v1/openapi.json").json()["components"]["schemas"]

        def enum(schema, name):
            prop = schemas[schema]["properties"][name]
            for option in prop.get("anyOf", [prop]):
                if "enum" in option:
                    return option["enum"]
            self.fail(f"{schema}.{name} lists no values")

        statuses = [
            "new",
            "acknowledged",
            "investigating",
            "waiting_customer",
            "waiting_third_party",
            "resolved",
            "closed",
        ]
        priorities = ["low", "normal", "high", "urgent"]
        channels = ["email", "portal", "api", "phone", "desk"]
        for schema, name, values in [
            ("TicketOut", "status", statuses),
            ("TransitionIn", "to_status", statuses),
            ("TicketOut", "priority", priorities),
            ("TicketCreateIn", "priority", priorities),
            ("AssignmentIn", "priority", priorities),
            ("TicketOut", "channel", channels),
            ("TicketCreateIn", "channel", channels),
            ("TicketOut", "language", ["ja", "en"]),
            ("TicketCreateIn", "language", ["ja", "en"]),
            ("ContactIn", "language", ["ja", "en"]),
            ("ContactPatch", "technical_level", ["general", "technical"]),
            ("ContactOut", "mail_charset", ["utf-8", "iso-2022-jp"]),
            ("MessageOut", "kind", ["inbound", "outbound", "note"]),
            ("AuthorOut", "type", ["contact", "agent", "system"]),
            ("ReplyCheckIn", "lang", ["auto", "ja", "en"]),
            ("ReplyCheckIn", "purpose", ["any", "update", "resolution", "bad-news", "closing"]),
            ("FindingOut", "severity", ["error", "warning", "info"]),
        ]:
            with self.subTest(schema=schema, name=name):
                self.assertEqual(enum(schema, name), values)

    def test_request_bodies_refuse_fields_they_do_not_define(self):
        schemas = self.client.get("/api/v1/openapi.json").json()["components"]["schemas"]
        inputs = [name for name in schemas if name.endswith(("In", "Patch"))]
        self.assertGreaterEqual(len(inputs), 9)
        for name in inputs:
            with self.subTest(schema=name):
                self.assertIs(schemas[name].get("additionalProperties"), False)
