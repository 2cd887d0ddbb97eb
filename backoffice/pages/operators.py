"""System settings (系统设置): a super-admin creates operators, grants roles, disables and re-enables them."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from backoffice.accounts import AccountError, create_operator, snapshot
from backoffice.roles import ROLES, Perm
from backoffice.sessions import end_all
from backoffice.web import Ctx, Page
from store.tables import Operator


def _operator(ctx: Ctx) -> Operator:
    operator = ctx.uow.session.get(Operator, ctx.int_param("id"))
    if operator is None:
        raise LookupError(f"操作员 {ctx.param('id')}")
    return operator


def list_operators(ctx: Ctx, status_code: int = 200, error: str | None = None) -> Response:
    operators = ctx.uow.session.execute(select(Operator).order_by(Operator.id)).scalars().all()
    typed = {k: v for k, v in ctx.form.items() if k in ("username", "role")}  # never the password
    return ctx.render("operators.html", status_code=status_code, operators=operators, roles=list(ROLES),
                      error=error, typed=typed)


def create(ctx: Ctx) -> Response:
    try:
        operator = create_operator(ctx.uow.session, ctx.form.get("username", ""), ctx.form.get("password", ""),
                                   ctx.form.get("role", ""), ctx.operator, must_change_password=True)
    except AccountError as exc:  # the form again, with the name and role typed
        ctx.uow.rollback()
        return list_operators(ctx, status_code=400, error=str(exc))
    ctx.audit("operator created", operator.username, after=snapshot(operator))
    ctx.uow.commit()
    return ctx.redirect("/operators", ok="operator_created")


def set_role(ctx: Ctx) -> Response:
    operator, role = _operator(ctx), ctx.form.get("role", "")
    if role not in ROLES:
        return ctx.redirect("/operators", err="unknown_role")
    if operator.id == ctx.signed_in.operator_id:
        return ctx.redirect("/operators", err="own_role")
    before = snapshot(operator)
    operator.role = role
    ctx.audit("operator role", operator.username, before=before, after=snapshot(operator))
    ctx.uow.commit()
    return ctx.redirect("/operators", ok="role_changed", role=role)


def set_disabled(ctx: Ctx) -> Response:
    operator = _operator(ctx)
    disable = ctx.form.get("disabled") == "1"
    if operator.id == ctx.signed_in.operator_id:
        return ctx.redirect("/operators", err="own_disable")
    before = snapshot(operator)
    operator.disabled = disable
    if disable:
        end_all(ctx.uow.session, operator.id)
    else:
        operator.failed_logins, operator.locked_until = 0, None
    ctx.audit("operator disabled" if disable else "operator enabled", operator.username, before=before,
              after=snapshot(operator))
    ctx.uow.commit()
    return ctx.redirect("/operators", ok="operator_disabled" if disable else "operator_enabled")


PAGES = [
    Page("GET", "/operators", Perm.ADMIN, list_operators),
    Page("POST", "/operators", Perm.ADMIN, create),
    Page("POST", "/operators/{id:int}/role", Perm.ADMIN, set_role),
    Page("POST", "/operators/{id:int}/disabled", Perm.ADMIN, set_disabled),
]
