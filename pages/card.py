"""我的校园卡: the balance, the card's status and the quick actions, one glance."""

from __future__ import annotations

from starlette.responses import Response

from pages.web import Ctx
from workers.text.format import STATUS, mask_card


def card(ctx: Ctx) -> Response:
    fen = ctx.deps.card.balance_fen(ctx.student_no)
    info = ctx.deps.card.card_info(ctx.student_no)
    return ctx.render("card.html", balance_fen=fen, now=ctx.now, info=info,
                      status=STATUS.get(info.status, info.status) if info else "未知",
                      card_no=mask_card(info.card_no) if info else "", topup=ctx.deps.topup is not None)
