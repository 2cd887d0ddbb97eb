"""An operator's own account: change the password (required first when someone else chose it)."""

from __future__ import annotations

from starlette.responses import Response

from backoffice.accounts import AccountError, change_password
from backoffice.passwords import MIN_LENGTH
from backoffice.roles import Perm
from backoffice.sessions import end_others
from backoffice.web import PASSWORD_PAGE, Ctx, Page
from store.tables import Operator


def password_form(ctx: Ctx) -> Response:
    return ctx.render("account_password.html", min_length=MIN_LENGTH)


def change(ctx: Ctx) -> Response:
    assert ctx.current is not None
    operator = ctx.uow.session.get(Operator, ctx.current.operator_id)
    assert operator is not None
    try:
        change_password(operator, ctx.form.get("current", ""), ctx.form.get("new", ""), ctx.form.get("repeat", ""))
    except AccountError as exc:
        ctx.uow.rollback()
        return ctx.render("account_password.html", status_code=400, min_length=MIN_LENGTH, error=str(exc))
    end_others(ctx.uow.session, operator.id, ctx.current.session_id)
    ctx.audit("password changed", operator.username)
    ctx.uow.commit()
    return ctx.redirect("/", ok="password_changed")


PAGES = [
    Page("GET", PASSWORD_PAGE, Perm.VIEW, password_form),
    Page("POST", PASSWORD_PAGE, Perm.VIEW, change),
]
