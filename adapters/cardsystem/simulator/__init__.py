"""A card system that runs locally: shipped code, used by `make run` and the tests.

`state` holds the holders under one lock; `app` serves them over HTTP as the school's middleware does.
"""

from adapters.cardsystem.simulator.app import CardSystemSimulator

__all__ = ["CardSystemSimulator"]
