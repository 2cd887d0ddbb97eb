"""Check 2: the database answers and is at the newest migration, which the code of this release expects."""

from __future__ import annotations

from sqlalchemy import Engine

from onecard.doctor.check import Check, describe, fail, ok
from store import migrate

NAME = "数据库"


def check_database(engine: Engine) -> list[Check]:
    try:
        at = migrate.current(engine)
    except Exception as exc:  # any driver's way of saying "cannot connect"
        return [fail(NAME, f"连接不上：{describe(exc)}", "检查 ONECARD_DATABASE_URL 和数据库服务是否在运行")]
    missing = migrate.behind(at)
    if missing is None:
        return [fail(NAME, f"数据库的版本 {at} 不是本版本认识的（可能由更新的版本升级过）",
                     "用与数据库相同或更新的 onecard 版本运行")]
    if missing:
        where = f"在版本 {at}" if at else "还没有建表"
        return [fail(NAME, f"{where}，落后最新版本 {migrate.head()} {missing} 步",
                     "先运行 onecard db upgrade，再启动新版本的进程")]
    return [ok(NAME, f"可以连接，已在最新版本 {at}")]
