"""Fee systems that run locally, each checking its targets and amounts the way the real one would.

Where the school sets the amount (library fines, exam and photo fees) the simulator holds the bills
per holder and serves them at `GET /due/{kind}/{student_no}`; paying one settles it, so what is
due afterwards says so. Network, electricity and donations take any positive amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.sim.faults import FaultInjector, error
from adapters.sim.journal import Journal, keyed_routes
from events.campus_time import SHANGHAI

#: Dorm buildings 1-40, rooms like 10-305.
_ROOM = re.compile(r"^([1-9]|[1-3]\d|40)-\d{3,4}$")
EXAM_FEES = {"CET4": 3000, "CET6": 3000}
EXAM_NAMES = {"CET4": "大学英语四级（CET4）", "CET6": "大学英语六级（CET6）"}
PHOTO_FEE = 2000
#: What the library says each demo holder owes, oldest first: (what for, fen).
LIBRARY_FINES: dict[str, tuple[tuple[str, int], ...]] = {
    "20240001": (("《数据结构》逾期 5 天", 250), ("《线性代数》逾期 2 天", 100)),
    "20240002": (("《红楼梦》损坏赔偿", 1200),),
}
#: Who registered for which exam (the exam office's list); the fee is due until paid.
EXAM_REGISTRATIONS = {"20240001": ("CET4",), "20240002": ("CET4", "CET6"), "20240003": ("CET6",)}
#: Whose photo-collection fee is due (new students this year).
PHOTO_DUE = frozenset({"20240001", "20240002", "20240003", "20240004"})
KINDS = ("net", "power", "photo", "library", "exam", "donation")


@dataclass
class _Fine:
    label: str
    fen: int  # still owed


class FeeSimulator:
    def __init__(self) -> None:
        self.journal = Journal()
        self.faults = FaultInjector()
        self.fines = {no: [_Fine(label, fen) for label, fen in items] for no, items in LIBRARY_FINES.items()}
        self.unpaid_exams = {no: list(codes) for no, codes in EXAM_REGISTRATIONS.items()}
        self.unpaid_photo = set(PHOTO_DUE)
        self.received: dict[str, int] = {}  # kind -> fen

    def due(self, kind: str, student_no: str) -> list[dict[str, Any]]:
        """The holder's open bills in `kind`: target, label, amount_fen."""
        with self.journal.lock:
            if kind == "library":
                return [{"target": student_no, "label": f.label, "amount_fen": f.fen}
                        for f in self.fines.get(student_no, []) if f.fen > 0]
            if kind == "exam":
                return [{"target": code, "label": EXAM_NAMES[code], "amount_fen": EXAM_FEES[code]}
                        for code in self.unpaid_exams.get(student_no, [])]
            if kind == "photo" and student_no in self.unpaid_photo:
                return [{"target": student_no, "label": "图像采集费", "amount_fen": PHOTO_FEE}]
            return []

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """Runs under the journal's lock, once per key."""
        kind, target, amount = str(data.get("kind")), str(data.get("target")), data.get("amount_fen")
        if not isinstance(amount, int) or isinstance(amount, bool):
            amount = 0  # not a number of fen: refused below as a bad amount
        payer = str(data.get("payer") or "")
        base = {"op": "pay", "kind": kind, "target": target, "amount_fen": amount}
        reason = self._refusal(kind, target, amount, payer)
        if reason:
            return {**base, "status": "refused", "reason": reason}
        if kind == "library":
            self._settle_fines(target, amount)
        elif kind == "exam" and payer:
            self.unpaid_exams[payer].remove(target)
        elif kind == "photo":
            self.unpaid_photo.discard(target)
        self.received[kind] = self.received.get(kind, 0) + amount
        return {**base, "status": "applied"}

    def _settle_fines(self, student_no: str, amount: int) -> None:
        """Oldest fines first; a part payment leaves the rest of a fine owed."""
        for fine in self.fines.get(student_no, []):
            paid = min(amount, fine.fen)
            fine.fen -= paid
            amount -= paid

    def _refusal(self, kind: str, target: str, amount: int, payer: str) -> str | None:
        if kind not in KINDS:
            return "no_such_fee_system"
        if amount <= 0:
            return "bad_amount"
        if kind == "power" and not _ROOM.match(target):
            return "no_such_room"
        if kind == "exam":
            if target not in EXAM_FEES:
                return "no_such_exam"
            if payer and target not in self.unpaid_exams.get(payer, []):
                return "not_registered"
            if EXAM_FEES[target] != amount:
                return "wrong_exam_fee"
        if kind == "photo" and (target not in self.unpaid_photo or amount != PHOTO_FEE):
            return "wrong_photo_fee" if target in self.unpaid_photo else "nothing_due"
        if kind == "library" and amount > sum(f.fen for f in self.fines.get(target, [])):
            return "more_than_owed"
        return None

    def records_on(self, date: str) -> list[dict[str, Any]]:
        """The payments applied on `date` (Shanghai), as each fee system's own ledger lists them."""
        return [{"order_no": op["order_no"], "kind": op["kind"], "target": op["target"],
                 "amount_fen": op["amount_fen"], "booked_at": op["at"]}
                for op in self.journal.entries()
                if op.get("op") == "pay" and op.get("status") == "applied"
                and datetime.fromisoformat(op["at"]).astimezone(SHANGHAI).date().isoformat() == date]

    async def records(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        return JSONResponse(self.records_on(request.query_params.get("date", "")))

    async def due_endpoint(self, request: Request) -> Response:
        if (injected := await self.faults.before()) is not None:
            return injected
        kind = request.path_params["kind"]
        if kind not in KINDS:
            return error("no_such_fee_system", f"no fee system is named {kind!r}", 404)
        return JSONResponse({"items": self.due(kind, request.path_params["student_no"])})

    def app(self) -> Starlette:
        return Starlette(routes=[
            *keyed_routes(self.journal, self.faults, self.apply),
            Route("/records", self.records),
            self.faults.health_route(),
            Route("/due/{kind}/{student_no}", self.due_endpoint),
            Route("/_faults", self.faults.endpoint, methods=["GET", "POST", "DELETE"]),
        ])
