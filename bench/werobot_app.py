"""The comparison: the same balance query answered the classic way, by a synchronous WeRoBot
handler that calls the card system inside the callback and answers with a passive reply.

Run as `python -m bench.werobot_app` (its own process) with BENCH_WEROBOT_* settings. Served by a
WSGI server with a fixed pool of threads, as a sync deployment runs (gunicorn's threaded workers);
start it several times on one port for several processes (SO_REUSEPORT).
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from socketserver import BaseServer
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sqlalchemy.orm import Session
from werobot import WeRoBot

from adapters.cardsystem.client import HttpCardSystem
from store.db import make_engine
from store.tables import Binding
from workers.text.format import yuan


class PooledWSGIServer(WSGIServer):
    """wsgiref with a fixed pool of request threads (wsgiref alone serves one request at a time)."""

    threads = 8
    request_queue_size = 1024
    #: Several processes share the port, as gunicorn's workers do.
    allow_reuse_port = True

    def process_request(self, request: Any, client_address: Any) -> None:
        if not hasattr(self, "_pool"):
            self._pool = ThreadPoolExecutor(self.threads)
        self._pool.submit(self._handle, request, client_address)

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def build_robot(token: str, database_url: str, card_url: str) -> WeRoBot:
    engine = make_engine(database_url)
    card = HttpCardSystem(card_url)
    robot = WeRoBot(token=token, enable_session=False)

    @robot.text
    def balance(message: Any) -> str:
        with Session(engine) as session:
            binding = session.get(Binding, message.source)
        if binding is None:
            return "您还未绑定校园卡。请发送“绑定 学号”，例如：绑定 20240001"
        return f"{binding.name}，您的校园卡余额为 {yuan(card.balance_fen(binding.student_no))} 元。"

    return robot


def main() -> int:
    env = os.environ
    robot = build_robot(env["BENCH_WEROBOT_TOKEN"], env["ONECARD_DATABASE_URL"], env["ONECARD_CARD_SYSTEM_URL"])
    PooledWSGIServer.threads = int(env.get("BENCH_WEROBOT_THREADS", "8"))
    server: BaseServer = make_server("127.0.0.1", int(env["BENCH_WEROBOT_PORT"]), robot.wsgi,
                                     server_class=PooledWSGIServer, handler_class=QuietHandler)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
