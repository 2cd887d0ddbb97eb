"""All simulators behind one local HTTP server: WeChat API, card system, SMS platform, public data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from adapters.bank.simulator import BankSimulator
from adapters.campusdata.simulator import CampusDataSimulator
from adapters.cardsystem.simulator import CardSystemSimulator
from adapters.fees.simulator import FeeSimulator
from adapters.sms.file_sink import FileSms
from adapters.sms.simulator import SmsSimulator
from adapters.wechat.simulator import WeChatApiSimulator
from adapters.wechatpay.simulator import WeChatPaySimulator

WECHAT_PREFIX = "/wechat-api"
CARD_PREFIX = "/card"
SMS_PREFIX = "/sms"
CAMPUS_PREFIX = "/campus"
BANK_PREFIX = "/bank"
FEES_PREFIX = "/fees"
PAY_PREFIX = "/wechatpay"


@dataclass
class Simulators:
    wechat: WeChatApiSimulator
    card: CardSystemSimulator
    sms: SmsSimulator
    campus: CampusDataSimulator = field(default_factory=CampusDataSimulator)
    bank: BankSimulator = field(default_factory=BankSimulator)
    fees: FeeSimulator = field(default_factory=FeeSimulator)
    wechatpay: WeChatPaySimulator = field(default_factory=WeChatPaySimulator)

    def __post_init__(self) -> None:
        # WeChat knows who paid: a payment opens the payer's customer-service window.
        self.wechatpay.on_paid = self.wechat.activity.paid

    def app(self) -> Starlette:
        async def index(_request: object) -> JSONResponse:
            return JSONResponse({"simulators": [WECHAT_PREFIX, CARD_PREFIX, SMS_PREFIX, CAMPUS_PREFIX, BANK_PREFIX,
                                                FEES_PREFIX, PAY_PREFIX]})

        return Starlette(
            routes=[
                Route("/", index),
                Mount(WECHAT_PREFIX, app=self.wechat.app()),
                Mount(CARD_PREFIX, app=self.card.app()),
                Mount(SMS_PREFIX, app=self.sms.app()),
                Mount(CAMPUS_PREFIX, app=self.campus.app()),
                Mount(BANK_PREFIX, app=self.bank.app()),
                Mount(FEES_PREFIX, app=self.fees.app()),
                Mount(PAY_PREFIX, app=self.wechatpay.app()),
            ]
        )


def build_simulators(appid: str, secret: str, sms_sink: Path, *, data_dir: Path | None = None) -> Simulators:
    """`data_dir`: where the card system keeps its ledger across restarts (`make run`); None: memory only."""
    return Simulators(
        wechat=WeChatApiSimulator(appid, secret),
        card=CardSystemSimulator(data_dir=data_dir / "cardsystem" if data_dir else None),
        sms=SmsSimulator(FileSms(sms_sink)),
    )


def urls(base: str) -> dict[str, str]:
    """The settings that point a platform at simulators served from `base`."""
    base = base.rstrip("/")
    return {
        "ONECARD_WECHAT_API_BASE": f"{base}{WECHAT_PREFIX}/cgi-bin/",
        "ONECARD_WECHAT_OAUTH_BASE": f"{base}{WECHAT_PREFIX}/",
        "ONECARD_WECHAT_SNS_BASE": f"{base}{WECHAT_PREFIX}/sns/",
        "ONECARD_CARD_SYSTEM_URL": f"{base}{CARD_PREFIX}/",
        "ONECARD_SMS_URL": f"{base}{SMS_PREFIX}/",
        "ONECARD_CAMPUS_DATA_URL": f"{base}{CAMPUS_PREFIX}/",
        "ONECARD_BANK_URL": f"{base}{BANK_PREFIX}/",
        "ONECARD_FEES_URL": f"{base}{FEES_PREFIX}/",
        "ONECARD_WECHATPAY_API_BASE": f"{base}{PAY_PREFIX}/",
    }
