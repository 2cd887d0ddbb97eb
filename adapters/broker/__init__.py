"""The broker, an outside system: dramatiq on Redis (embedded or not) or RabbitMQ.

Everything onecard knows of it lives here: `setup` builds it, `redis_waking` is the Redis broker
whose enqueues wake idle consumers, `enqueue` hands batches over, `stats` and `dead_letters` answer
an operator, and `dramatiq_private` holds every touch of dramatiq's private parts. What a message
carries is the contract's, `events.envelopes`.
"""
