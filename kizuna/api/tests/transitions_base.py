"""A ticket and its transitions URL, with a check that a refused change changed nothing."""

from django.core import mail

from kizuna.api.tests.base import ApiTestCase
from kizuna.tickets.models import Ticket


class TransitionTestCase(ApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ticket = self.make_ticket()
        self.url = f"/api/v1/tickets/{self.ticket.reference}/transitions"

    def snapshot(self):
        t = Ticket.objects.get(pk=self.ticket.pk)
        return (
            t.status,
            t.next_checkpoint,
            t.customer_note,
            t.closed_at,
            t.close_reason,
            t.resolved_at,
            t.first_response_at,
            t.messages.count(),
            t.events.count(),
        )

    def assert_refused(self, data, *, status=400, field=None, says=""):
        before = self.snapshot()
        outbox = len(mail.outbox)
        with self.captureOnCommitCallbacks(execute=True):
            r = self.post(self.url, data)
        self.assertEqual(r.status_code, status, r.content)
        if field is not None:
            self.assertEqual(r.json().get("field"), field)
        self.assertIn(says, r.json()["detail"])
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(len(mail.outbox), outbox)
        return r
