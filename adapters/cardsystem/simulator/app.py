"""The card system simulator over HTTP: the school middleware's paths and JSON, faults on every one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.cardsystem.demo import DEMO_HOLDERS, DemoHolder
from adapters.cardsystem.simulator.state import CardState, Refused
from adapters.cardsystem.simulator.webhook import Webhook
from adapters.sim.faults import FaultInjector, error
from adapters.sim.journal import Journal, keyed_routes
from events.campus_time import SHANGHAI
from events.card_events import wire_amount


def _not_found() -> Response:
    return error("no_such_holder", "no such holder", 404)


class CardSystemSimulator(CardState):
    """Holders, the one ledger, self-service and keyed money operations, seeded with the demo holders.

    `data_dir`: where it all is kept across restarts (None: in memory only, as the tests use it).
    """

    def __init__(self, holders: tuple[DemoHolder, ...] = DEMO_HOLDERS, now: datetime | None = None,
                 data_dir: Path | None = None) -> None:
        super().__init__(holders, now, data_dir)
        self.faults = FaultInjector()
        self.journal = Journal(data_dir / "journal.jsonl" if data_dir else None)
        self.webhook = Webhook()

    async def add_holders(self, request: Request) -> Response:
        for item in await request.json():
            self.add_holder(DemoHolder(**item))
        return JSONResponse({"holders": len(self.holders)})

    async def get_holder(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        holder = self.holder(request.path_params["student_no"])
        if holder is None:
            return _not_found()
        return JSONResponse({"student_no": holder.student_no, "name": holder.name, "phone": holder.phone,
                             "card_no": holder.card_no, "status": holder.status})

    async def get_balance(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        student_no = request.path_params["student_no"]
        balance = self.balance(student_no)
        if balance is None:
            return _not_found()
        return JSONResponse({"student_no": student_no, "balance_fen": balance})

    async def card_info(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        holder = self.holder(request.path_params["student_no"])
        if holder is None:
            return _not_found()
        staff = holder.student_no.startswith("T")
        return JSONResponse({
            "student_no": holder.student_no, "name": holder.name, "card_no": holder.card_no,
            "status": holder.status, "kind": "教职工" if staff else "本科生",
            "bank_account": f"6222 **** **** {holder.card_no[-4:]}",
            "valid_until": "2030-12-31" if staff else f"20{int(holder.student_no[2:4]) + 4}-06-30",
        })

    async def transactions(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        q = request.query_params
        since = datetime.fromisoformat(q["since"]) if "since" in q else None
        until = datetime.fromisoformat(q["until"]) if "until" in q else None
        chosen = self.statement(request.path_params["student_no"], since=since, until=until)
        if chosen is None:
            return _not_found()
        offset, limit = int(q.get("offset", 0)), min(int(q.get("limit", 20)), 2000)
        return JSONResponse({"total": len(chosen), "items": [
            {"id": t.id, "at": t.at.isoformat(), "amount_fen": t.amount_fen, "merchant": t.merchant,
             "category": t.category, "balance_fen": t.balance_fen} for t in chosen[offset:offset + limit]
        ]})

    async def merchants(self, request: Request) -> Response:
        """The card system's merchant report, summed from the one ledger."""
        if (injected := await self.faults.before()) is not None:
            return injected
        try:
            since, until = (datetime.fromisoformat(request.query_params[k]) for k in ("since", "until"))
        except (KeyError, ValueError):
            return error("bad_request", "need since and until: ISO 8601 times with their offset", 400)
        count: dict[tuple[str, str], int] = {}
        spent: dict[tuple[str, str], int] = {}
        for _, line in self.ledger.all_lines():
            if line.amount_fen < 0 and since <= line.at < until:
                key = (line.merchant, line.category)
                count[key], spent[key] = count.get(key, 0) + 1, spent.get(key, 0) - line.amount_fen
        ranked = sorted(spent, key=lambda k: spent[k], reverse=True)
        return JSONResponse({"items": [{"merchant": m, "category": c, "count": count[(m, c)],
                                        "amount_fen": spent[(m, c)]} for m, c in ranked]})

    async def get_by_card(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        holder = self.by_card(request.path_params["card_no"])
        if holder is None:
            return error("no_such_card", "no card has this number", 404)
        return JSONResponse({"student_no": holder.student_no})

    async def _change(self, request: Request, *, status: str | None = None, phone: str | None = None) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        holder = self.change(request.path_params["student_no"], status=status, phone=phone)
        if holder is None:
            return _not_found()
        return JSONResponse({"student_no": holder.student_no, "status": holder.status, "phone": holder.phone})

    async def freeze(self, request: Request) -> Response:
        return await self._change(request, status="lost")

    async def unfreeze(self, request: Request) -> Response:
        return await self._change(request, status="normal")

    async def set_phone(self, request: Request) -> Response:
        phone = str((await request.json()).get("phone", ""))
        if not (phone.isdigit() and len(phone) == 11):
            return error("bad_request", "phone must be 11 digits", 400)
        return await self._change(request, phone=phone)

    async def applied(self, request: Request) -> Response:
        """Applied entries, all or those of one Asia/Shanghai day (`?date=YYYY-MM-DD`)."""
        day = request.query_params.get("date")
        entries = [e for e in self.journal.entries() if e["status"] == "applied" and (
            day is None or datetime.fromisoformat(e["at"]).astimezone(SHANGHAI).date().isoformat() == day)]
        return JSONResponse(entries)

    async def swipe(self, request: Request) -> Response:
        """`POST /_swipe {"student_no", "amount": "-12.50", "merchant", "terminal"?}`: a transaction
        on the ledger, then delivered to onecard's webhook as the real card system would."""
        try:
            data = await request.json()
            student_no, merchant = str(data["student_no"]), str(data["merchant"])
            fen = int(Decimal(str(data["amount"])) * 100)
        except (ValueError, KeyError, TypeError, ArithmeticError):
            return error("bad_request", "need student_no, amount (yuan) and merchant", 400)
        try:
            event = self.swipe_now(student_no, fen, merchant, data.get("terminal"))
        except Refused as refused:
            return error(refused.reason, "the card system refused the transaction", 409)
        return JSONResponse(event)

    def swipe_now(self, student_no: str, fen: int, merchant: str, terminal: str | None = None) -> dict[str, str]:
        """A transaction on the ledger, pushed to the webhook (what `/_swipe` and `simulate-day` do);
        raises `Refused` when the card cannot pay."""
        line = self.post(student_no, fen, merchant, "消费" if fen < 0 else "充值")
        holder = self.holder(student_no)
        event = {"event_id": line.id, "type": "transaction", "student_no": student_no,
                 "card_no": holder.card_no if holder else "", "amount": wire_amount(line.amount_fen),
                 "balance": wire_amount(line.balance_fen), "merchant": merchant,
                 "terminal": terminal or f"本部-{merchant}-01", "occurred_at": line.at.astimezone(SHANGHAI).isoformat()}
        self.webhook.duplicate_rate = self.faults.faults.duplicate_rate
        self.webhook.send(event)
        return event

    async def test_delivery(self, request: Request) -> Response:
        """`POST /webhooks/test {"url"}`: one signed `test` event to `url`, with the webhook's secret
        (what `onecard conformance` asks, to check a bridge's signature before go-live)."""
        if (injected := await self.faults.before()) is not None:
            return injected
        try:
            data = await request.json()
            url = data.get("url") if isinstance(data, dict) else None
        except ValueError:
            url = None
        if not (isinstance(url, str) and url.startswith(("http://", "https://"))):
            return error("bad_request", "need url: where to deliver the test event (http or https)", 400)
        event_id = self.webhook.send_test(url)
        return JSONResponse({"event_id": event_id, "url": url}, status_code=202)

    async def connect_webhook(self, request: Request) -> Response:
        """`POST /_webhook {"url", "secret"}`: where transactions are delivered (set by `make run`)."""
        data = await request.json()
        self.webhook.connect(str(data["url"]), str(data["secret"]))
        return JSONResponse({"url": self.webhook.url})

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/holders/{student_no}", self.get_holder),
            Route("/holders/{student_no}/balance", self.get_balance),
            Route("/holders/{student_no}/card", self.card_info),
            Route("/holders/{student_no}/transactions", self.transactions),
            Route("/holders/{student_no}/freeze", self.freeze, methods=["POST"]),
            Route("/holders/{student_no}/unfreeze", self.unfreeze, methods=["POST"]),
            Route("/holders/{student_no}/phone", self.set_phone, methods=["POST"]),
            Route("/cards/{card_no}", self.get_by_card),
            Route("/merchants", self.merchants),
            Route("/webhooks/test", self.test_delivery, methods=["POST"]),
            self.faults.health_route(),
            Route("/_faults", self.faults.endpoint, methods=["GET", "POST", "DELETE"]),
            *keyed_routes(self.journal, self.faults, self.apply),
            Route("/ledger", self.applied),
            Route("/_sim/holders", self.add_holders, methods=["POST"]),
            Route("/_swipe", self.swipe, methods=["POST"]),
            Route("/_webhook", self.connect_webhook, methods=["POST"]),
        ])
