"""Card services that only read (query topic): card info, statements with paging, the bills."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from adapters.cardsystem.port import CardSystem, Transaction, TransactionPage
from events import commands as c
from store.tables import Binding
from workers import statements
from workers.runtime.reads import Ahead, reads_ahead
from workers.runtime.registry import handles_bound
from workers.runtime.turn import Turn
from workers.statements import bill_month, bill_year
from workers.text.bills import Bill
from workers.text.format import STATUS, mask_card, page_link, short_time, signed_yuan, yuan
from workers.text.periods import local_today, month_of, parse_period, year_period

PAGE = 8


@handles_bound(c.ShowCardInfo)
def card_info(cmd: c.ShowCardInfo, turn: Turn, binding: Binding) -> None:
    info = turn.ports.card.card_info(binding.student_no)
    if info is None:
        turn.say("校园卡系统中没有找到您的卡，请联系校园卡服务中心。")
        return
    turn.say("\n".join([
        f"持卡人：{info.name}（{info.kind}）",
        f"卡号：{mask_card(info.card_no)}",
        f"状态：{STATUS.get(info.status, info.status)}",
        f"绑定银行卡：{info.bank_account or '未绑定'}",
        f"有效期至：{info.valid_until.isoformat()}",
    ]))


@reads_ahead(c.ShowCardInfo)
def _card_info_reads(cmd: c.ShowCardInfo, ahead: Ahead) -> None:
    ahead.card.card_info(ahead.student_no)


def _balance_at(newest: Transaction) -> str:
    """The balance after the page's newest line, saying when that was (a period's end is not now)."""
    return f"截至 {short_time(newest.at)} 余额 {yuan(newest.balance_fen)} 元"


def _statement_page(card: CardSystem, student_no: str, state: dict[str, Any]) -> TransactionPage:
    """The page of the statement that `state` (what the conversation keeps between pages) points at."""
    since, until = state.get("since"), state.get("until")
    return card.transactions(student_no, since=datetime.fromisoformat(since) if since else None,
                             until=datetime.fromisoformat(until) if until else None, offset=state["offset"],
                             limit=PAGE)


def _first_page_state(period_text: str, now: datetime) -> dict[str, Any] | None:
    """Where `流水 [period]` starts; None when the period is not understood."""
    state: dict[str, Any] = {"offset": 0, "label": "最近", "since": None, "until": None}
    if period_text:
        period = parse_period(period_text, now)
        if period is None:
            return None
        state.update(label=period.label, since=period.since.isoformat(), until=period.until.isoformat())
    return state


def _history_page(turn: Turn, student_no: str, state: dict[str, Any]) -> None:
    page = _statement_page(turn.ports.card, student_no, state)
    if not page.items:
        turn.say(f"{state['label']}没有交易记录。" if state["offset"] == 0 else "没有更多记录了。")
        return
    lines = [f"{short_time(t.at)} {t.merchant} {signed_yuan(t.amount_fen)}" for t in page.items]
    shown = state["offset"] + len(page.items)
    head = f"{state['label']}流水（{state['offset'] + 1}-{shown}/{page.total}）："
    tail = "回复“更多”看下一页" if shown < page.total else "已全部显示"
    turn.say("\n".join([head, *lines, _balance_at(page.items[0]) if state["offset"] == 0 else "",
                        tail]).replace("\n\n", "\n") + _history_link(turn, state))
    state["offset"] = shown
    turn.remember("history", state)


def _history_link(turn: Turn, state: dict[str, Any]) -> str:
    """The same period on the statement page, where it can be filtered and scrolled."""
    dates = {}
    if state.get("since"):
        dates["from"] = local_today(datetime.fromisoformat(state["since"])).isoformat()
    if state.get("until"):
        dates["to"] = (local_today(datetime.fromisoformat(state["until"])) - timedelta(days=1)).isoformat()
    path = "/m/history" + (f"?{urlencode(dates)}" if dates else "")
    return page_link(turn.ports.web_url, path, "🧾 在页面中筛选、查看全部流水")


@handles_bound(c.ShowHistory)
def history(cmd: c.ShowHistory, turn: Turn, binding: Binding) -> None:
    state = _first_page_state(cmd.period, turn.now)
    if state is None:
        turn.say("没看懂日期。可以这样发：流水 今天 / 流水 11-20 / 流水 上月 / 流水 2026-10")
        return
    _history_page(turn, binding.student_no, state)


@reads_ahead(c.ShowHistory)
def _history_reads(cmd: c.ShowHistory, ahead: Ahead) -> None:
    state = _first_page_state(cmd.period, ahead.now)
    if state is not None:
        _statement_page(ahead.card, ahead.student_no, state)


@handles_bound(c.MoreHistory)
def more_history(cmd: c.MoreHistory, turn: Turn, binding: Binding) -> None:
    state = turn.recall("history")
    if state is None:
        turn.say("请先发送“流水”查看交易记录。")
        return
    _history_page(turn, binding.student_no, state)


@reads_ahead(c.MoreHistory)
def _more_history_reads(cmd: c.MoreHistory, ahead: Ahead) -> None:
    state = ahead.recall("history")
    if state is not None:
        _statement_page(ahead.card, ahead.student_no, state)


def render_bill(title: str, bill: Bill, previous_label: str, *, yearly: bool = False) -> str:
    if bill.count == 0:
        return f"{title}：这段时间没有消费记录。"
    out = [f"📒 {title}", f"消费 {yuan(bill.spent_fen)} 元，共 {bill.count} 笔；充值 {yuan(bill.topped_up_fen)} 元"]
    out.append("分类：" + "，".join(f"{t.name} {yuan(t.fen)}" for t in bill.by_category[:4]))
    out.append("常去：" + "，".join(f"{t.name}（{t.count}次）" for t in bill.top_merchants))
    if bill.biggest_day:
        day, fen = bill.biggest_day
        out.append(f"花得最多的一天：{day.month}月{day.day}日，{yuan(fen)} 元")
    if yearly and bill.biggest_month:
        out.append(f"消费最多的月份：{bill.biggest_month[0]}月")
    if bill.early_meals:
        out.append(f"早起指数：8点前吃早餐 {bill.early_meals} 次 🌅")
    change = bill.change_percent
    if change is not None:
        trend = f"多花了 {change}%" if change > 0 else f"少花了 {-change}%" if change < 0 else "持平"
        out.append(f"比{previous_label}{trend}")
    return "\n".join(out)


@handles_bound(c.ShowBill)
def month_bill(cmd: c.ShowBill, turn: Turn, binding: Binding) -> None:
    period = bill_month(cmd.month, turn.now)
    if period is None:
        turn.say("请这样发：账单 / 账单 本月 / 账单 上月 / 账单 2026-10")
        return
    bill = statements.month_bill(turn.ports.card, binding.student_no, period)
    link = page_link(turn.ports.web_url, f"/m/bill?month={period.first:%Y-%m}", "📊 看图表账单")
    turn.say(render_bill(f"{binding.name}的{period.label}账单", bill, "上月") + link)


@reads_ahead(c.ShowBill)
def _month_bill_reads(cmd: c.ShowBill, ahead: Ahead) -> None:
    period = bill_month(cmd.month, ahead.now)
    if period is not None:
        statements.first_page(ahead.card, ahead.student_no, statements.bill_span(period, month_of(period.first, -1)))


@handles_bound(c.ShowYearBill)
def year_bill(cmd: c.ShowYearBill, turn: Turn, binding: Binding) -> None:
    year = bill_year(cmd.year, turn.now)
    if year is None:
        turn.say("请这样发：年度账单 / 年度账单 2026")
        return
    bill = statements.year_bill(turn.ports.card, binding.student_no, year)
    link = page_link(turn.ports.web_url, f"/m/year-bill?year={year}", "📊 看图表年度账单")
    turn.say(render_bill(f"{binding.name}的{year_period(year).label}年度账单", bill, "去年", yearly=True) + link)


@reads_ahead(c.ShowYearBill)
def _year_bill_reads(cmd: c.ShowYearBill, ahead: Ahead) -> None:
    year = bill_year(cmd.year, ahead.now)
    if year is not None:
        statements.first_page(ahead.card, ahead.student_no,
                              statements.bill_span(year_period(year), year_period(year - 1)))
