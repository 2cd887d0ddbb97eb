"""Feature switches: pause a WeChat function and say what users hear meanwhile; no restart needed
(the dispatcher reads the switch on every event).
"""

from __future__ import annotations

from starlette.responses import Response

from backoffice.roles import Perm
from backoffice.web import Ctx, Page
from events.routing import FEATURE_LABELS, RULES, features
from store.tables import FeatureSwitch, utcnow
from workers.runtime.switches import PAUSED


def _state(row: FeatureSwitch | None) -> dict[str, object]:
    return {"enabled": row is None or row.enabled, "message": row.message if row else None}


def switches_page(ctx: Ctx) -> Response:
    rows = []
    for feature in features():
        row = ctx.uow.session.get(FeatureSwitch, feature)
        usages = [rule.usage for rule in RULES if rule.feature == feature and rule.usage]
        rows.append({"feature": feature, "label": FEATURE_LABELS[feature], "usages": usages, "row": row,
                     **_state(row)})
    return ctx.render("features.html", rows=rows, default_message=PAUSED)


def set_switch(ctx: Ctx) -> Response:
    feature = ctx.param("feature")
    if feature not in features():
        raise LookupError(f"功能 {feature}")
    session = ctx.uow.session
    row = session.get(FeatureSwitch, feature)
    before = _state(row)
    if row is None:
        row = FeatureSwitch(feature=feature)
        session.add(row)
    row.enabled = ctx.form.get("enabled") == "1"
    row.message = (ctx.form.get("message") or "").strip()[:500] or None
    row.updated_at = utcnow()
    row.updated_by = ctx.operator
    ctx.audit("feature switch", feature, before=before, after=_state(row))
    ctx.uow.commit()
    return ctx.redirect("/features", ok="feature_on" if row.enabled else "feature_off", feature=feature)


PAGES = [
    Page("GET", "/features", Perm.VIEW, switches_page),
    Page("POST", "/features/{feature}", Perm.ACT, set_switch),
]
