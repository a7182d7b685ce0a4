"""The demo: a provider, a Brazilian and a Spanish client with months of history, a season coming and a
live floor today. ``load_demo(size=…)`` loads it (smaller or larger for tests and benchmarks); loading
twice changes nothing."""

from retaguarda.demo.accounts import DEMO_PASSWORD, add_user, ensure_provider
from retaguarda.demo.loader import SEED, load_demo

__all__ = ["DEMO_PASSWORD", "SEED", "add_user", "ensure_provider", "load_demo"]
