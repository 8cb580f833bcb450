"""What the ticket domain tells the apps above it, without importing them.

`message_for_customer(message=...)` is sent inside the transaction that stores a message the
customer should receive (an acknowledgement, a reply, a status note, a reopen notice). The
mail app queues its delivery there, so message and delivery commit or vanish together.
"""

from django.dispatch import Signal

message_for_customer = Signal()

# `tickets_opened(tickets=[...], now=...)` is sent inside the transaction that opened these
# tickets (one for a request from the portal, hundreds for a batch of mail); each has its
# `request_message`. The service levels start their clocks by it, the search index reads them.
tickets_opened = Signal()

# `ticket_changed(ticket=..., now=..., from_status=..., by_agent=..., customer_visible=...)` is
# sent inside the transaction of every later change of a ticket's status or promised times: a
# status change, an agent's reply, a customer's reply that resumed work. `by_agent` says an agent acted; `customer_visible` that an agent's words went to the
# customer. The service levels keep their clocks by it.
ticket_changed = Signal()

# `promises_made(ticket=..., message=..., promises=[Commitment...], actor_user=..., now=...)` is
# sent inside the transaction of a reply or status note in which the agent confirmed promises
# with a time (P13); the service levels track each until it is kept or broken.
promises_made = Signal()

# `message_received(message=..., ticket=..., first=...)` is sent inside the transaction that
# stores a customer's message (mail, portal, API); `first` for the request that opened the
# ticket. The mood (P8) and intake (P9) read it once the transaction has committed.
message_received = Signal()

# `tickets_merged(source=..., target=...)` is sent inside the transaction that merged `source`
# into `target` (its messages now belong to `target`): the search index moves their documents.
tickets_merged = Signal()
