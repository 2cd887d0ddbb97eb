"""The demo super-admin `make run` creates, so the back-office can be tried at once."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backoffice import audit
from backoffice.accounts import create_operator
from store.tables import Operator

DEMO_USER = "admin"
#: Who the audit log says created the demo admin (the page reads it as 系统（启动脚本）).
STARTED_BY = "make run"


def seed_demo_admin(engine: Engine, data_dir: Path) -> tuple[str, str]:
    """Create `admin` with a random password the first time; (user, password) until it is changed.

    The password lives in the data folder (mode 600), never in the code, so no two demos share one.
    """
    secret = data_dir / "demo-admin-password"
    with Session(engine) as session:
        exists = session.execute(select(Operator).where(Operator.username == DEMO_USER)).scalar_one_or_none()
        if exists is not None and exists.must_change_password and secret.exists():
            return DEMO_USER, secret.read_text().strip()
        if exists is not None:
            secret.unlink(missing_ok=True)  # replaced at the first sign-in: no longer worth keeping
            return DEMO_USER, "(the one you chose; reset with `onecard admin create-user admin --reset`)"
        password = secrets.token_urlsafe(12)
        # Printed in the banner and kept in a file: the demo's first sign-in must choose its own.
        create_operator(session, DEMO_USER, password, "super-admin", created_by=STARTED_BY, must_change_password=True)
        audit.record(session, STARTED_BY, "operator created", DEMO_USER, after={"role": "super-admin"})
        secret.touch(mode=0o600)
        secret.write_text(password + "\n")
        session.commit()
    return DEMO_USER, password
