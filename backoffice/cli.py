"""`onecard admin …`: the operator's command line, for the first super-admin and for emergencies."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from backoffice import audit
from backoffice.accounts import AccountError, create_operator, hash_password, unlock
from backoffice.roles import ROLES
from backoffice.sessions import end_all
from store.tables import Operator


def _password(args: argparse.Namespace) -> str:
    """From --password-stdin (scripts) or a prompt typed twice; never from the command line itself."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise AccountError("passwords_differ")
    return first


def create_user(args: argparse.Namespace) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from onecard.settings import Settings
    from store.db import make_engine

    engine = make_engine(Settings().resolved_database_url)
    who = f"cli:{os.environ.get('USER', '?')}"
    try:
        password = _password(args)
        with Session(engine) as session:
            existing = session.execute(select(Operator).where(Operator.username == args.username)).scalar_one_or_none()
            if existing is not None and args.reset:
                before = {"role": existing.role, "disabled": existing.disabled}
                existing.password_hash = hash_password(password, args.username)
                existing.role, existing.disabled, existing.must_change_password = args.role, False, False
                existing.failed_logins, existing.locked_until = 0, None
                end_all(session, existing.id)
                audit.record(session, who, "operator reset", args.username, before=before, after={"role": args.role})
            else:
                create_operator(session, args.username, password, args.role, created_by=who)
                audit.record(session, who, "operator created", args.username, after={"role": args.role})
            session.commit()
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"operator {args.username} ({args.role}) is ready")
    return 0


def unlock_user(args: argparse.Namespace) -> int:
    """Clear an account's sign-in delay: the way in for a super-admin locked out by someone's guessing."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from onecard.settings import Settings
    from store.db import make_engine

    engine = make_engine(Settings().resolved_database_url)
    try:
        with Session(engine) as session:
            operator = session.execute(select(Operator).where(Operator.username == args.username)).scalar_one_or_none()
            if operator is None:
                print(f"error: no operator {args.username}", file=sys.stderr)
                return 1
            before = {"failed_logins": operator.failed_logins, "locked": operator.locked_until is not None}
            unlock(operator)
            audit.record(session, f"cli:{os.environ.get('USER', '?')}", "operator unlocked", args.username,
                         before=before)
            session.commit()
    finally:
        engine.dispose()
    print(f"operator {args.username} may sign in again")
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = sub.add_parser("admin", help="back-office operators")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_sub.add_parser("create-user", help="create an operator (the first super-admin, say)")
    create.add_argument("username")
    create.add_argument("--role", choices=list(ROLES), default="operator")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.add_argument("--reset", action="store_true", help="if the user exists: new password, role, re-enabled")
    create.set_defaults(func=create_user)
    unlocking = admin_sub.add_parser("unlock", help="clear an operator's sign-in delay after failed attempts")
    unlocking.add_argument("username")
    unlocking.set_defaults(func=unlock_user)
