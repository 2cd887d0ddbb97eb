"""How long after a user's last move WeChat lets us answer with a customer-service message (客服消息).

Named once: the turn's replies, the pushes and the money receipts all expire by them, and a
message past its window is refused by WeChat (45015), so it must go as a template or not at all.
"""

from __future__ import annotations

from datetime import timedelta

#: WeChat's window after a user's message: customer-service messages are accepted for 48 hours.
MESSAGE_WINDOW = timedelta(hours=48)
#: A reply to a menu click or a subscribe is useless after a minute: the user has moved on.
CLICK_WINDOW = timedelta(minutes=1)
#: The window we count on when a message is queued now and sent later: an hour's margin for the queue.
QUEUED_WINDOW = MESSAGE_WINDOW - timedelta(hours=1)
