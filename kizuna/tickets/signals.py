"""What the ticket domain tells the apps above it, without importing them.

`message_for_customer(message=...)` is sent inside the transaction that stores a message the
customer should receive (an acknowledgement, a reply, a status note, a reopen notice). The
mail app queues its delivery there, so message and delivery commit or vanish together.
"""

from django.dispatch import Signal

message_for_customer = Signal()
