"""The chat simulator served beside a test stack, as `onecard run` serves it beside the simulators."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from chatsim.config import ChatConfig, chat_config
from chatsim.web import create_chat_app
from onecard.serve import ServerThread
from tests.harness import Stack


def stack_chat_config(stack: Stack) -> ChatConfig:
    return chat_config(stack.settings, stack.simulator_url, ingress_url=f"{stack.ingress_url}/wechat")


@contextmanager
def serving_chat(stack: Stack) -> Iterator[str]:
    """The chat simulator's base URL (its page is at `<url>/`)."""
    server = ServerThread(create_chat_app(stack_chat_config(stack))).start()
    try:
        yield server.url
    finally:
        server.stop()
