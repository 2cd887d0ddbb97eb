"""What `dramatiq` imports in each worker process: build the platform, set the broker, declare actors."""

from __future__ import annotations

import dramatiq

from onecard.bootstrap import build
from onecard.observability import logs
from onecard.observability.pool_metrics import serve_worker_metrics
from onecard.settings import Settings
from onecard.worker_signals import coalesce_duplicate_sigterm
from workers.runtime.actors import declare_actors
from workers.runtime.idle_threads import SleepingWorkerThreads
from workers.runtime.metrics import WorkerMetrics

settings = Settings()
logs.configure(settings.log_level)
coalesce_duplicate_sigterm()
platform = build(settings)
dramatiq.set_broker(platform.broker)
# With a metrics port, dramatiq forks one process beside the workers that serves the pool's metrics.
platform.broker.add_middleware(
    WorkerMetrics(forks=[serve_worker_metrics] if platform.settings.worker_metrics_port else None))
platform.broker.add_middleware(SleepingWorkerThreads())
actors = declare_actors(platform.broker, uow_factory=platform.uow, ports=platform.ports,
                        deliver_many=platform.deliver_many,
                        deliver_bulk=platform.deliver_in_bulk, senders=platform.senders(), relay=platform.relay(),
                        alerts=platform.alert_ports())
broker = platform.broker
