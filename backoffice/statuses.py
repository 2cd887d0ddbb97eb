"""The states an operator reads on the pages, each named once: an article's, a broadcast's and its
deliveries', and the messages that will not be sent unless someone retries them.

Apart from the pages that show them because the audit log names the same values
(`backoffice.labels`), and the pages render through it.
"""

from __future__ import annotations

#: An article's life: written, visible to users, pushed to them.
ARTICLE = {"draft": "草稿", "published": "已发布", "pushed": "已推送"}
#: A broadcast's states, and those of its delivery rows.
BROADCAST = {"queued": "排队中", "sending": "发送中", "done": "已完成"}
DELIVERY = {"pending": "待发送", "sending": "发送中", "sent": "已送达", "failed": "失败"}
#: The outbound rows that will not be sent unless an operator retries them.
FAILED_SENDS = {"failed": "发送失败", "undeliverable": "无法送达", "expired": "已过期"}
