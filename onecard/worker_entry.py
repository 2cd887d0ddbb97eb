"""What `dramatiq` imports in each worker process: build the platform, set the broker, declare actors."""

from __future__ import annotations

import dramatiq

from onecard import logs
from onecard.bootstrap import build
from workers.actors import declare_actors

logs.configure()
platform = build()
dramatiq.set_broker(platform.broker)
actors = declare_actors(platform)
broker = platform.broker
