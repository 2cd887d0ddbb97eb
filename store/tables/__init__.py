"""The tables, one module per feature. Times are timezone-aware UTC; money is integer fen.

Importing this package imports every module, so `Base.metadata` always holds every table (the
migrations and their test compare against it) and `from store.tables import X` works for all.
"""

from store.tables.alerts import AlertSetting, CardAlert, CardTransactionRow, SuspiciousTransaction
from store.tables.backoffice import AuditEntry, Operator, OperatorSession
from store.tables.base import Base, BigId, UTCDateTime, table_of, utcnow
from store.tables.content import (
    Article,
    Broadcast,
    BroadcastDelivery,
    FeatureSwitch,
    FoundCard,
    RepairTicket,
    RepairTicketEntry,
)
from store.tables.messages import InboxEvent, OutboundMessage
from store.tables.money import Discrepancy, MoneyOrder, MoneyOutbox, ReconciliationRun
from store.tables.ops import LoanReminder, ScheduledJob, WechatToken
from store.tables.people import Binding, BindingLog, Follower, NotificationOptOut, ServiceState, SmsChallenge
from store.tables.wechat import NoticeTemplate, WechatGrant, WechatTemplate
from store.tables.wechatpay import WeChatPayNotification

__all__ = [
    "AlertSetting",
    "Article",
    "AuditEntry",
    "Base",
    "BigId",
    "Binding",
    "BindingLog",
    "Broadcast",
    "BroadcastDelivery",
    "CardAlert",
    "CardTransactionRow",
    "Discrepancy",
    "FeatureSwitch",
    "Follower",
    "FoundCard",
    "InboxEvent",
    "LoanReminder",
    "MoneyOrder",
    "MoneyOutbox",
    "NoticeTemplate",
    "NotificationOptOut",
    "Operator",
    "OperatorSession",
    "OutboundMessage",
    "ReconciliationRun",
    "RepairTicket",
    "RepairTicketEntry",
    "ScheduledJob",
    "ServiceState",
    "SmsChallenge",
    "SuspiciousTransaction",
    "UTCDateTime",
    "WeChatPayNotification",
    "WechatGrant",
    "WechatTemplate",
    "WechatToken",
    "table_of",
    "utcnow",
]
