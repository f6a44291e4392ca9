"""ConfigService keeps the configuration for 5 seconds counted from when a load *returns*."""

from __future__ import annotations

from chalicelib.shop.domain import ShopConfig
from chalicelib.shop.service import ConfigService
from tests.fakes.shop import MemoryConfigRepository


class SlowLoads(MemoryConfigRepository):
    """Each load moves a shared fake monotonic clock forward by `load_seconds`."""

    def __init__(self, load_seconds: float) -> None:
        super().__init__()
        self.now = 0.0
        self.load_seconds = load_seconds
        self.loads = 0

    def monotonic(self) -> float:
        return self.now

    def load(self) -> ShopConfig:
        self.loads += 1
        self.now += self.load_seconds
        return super().load()


def test_a_load_slower_than_the_ttl_is_still_cached_for_the_ttl() -> None:
    repository = SlowLoads(load_seconds=7.0)  # longer than the 5-second cache
    config = ConfigService(repository, monotonic=repository.monotonic)

    for _ in range(10):
        config.settings()

    assert repository.loads == 1


def test_the_cache_expires_five_seconds_after_the_load_returned() -> None:
    repository = SlowLoads(load_seconds=7.0)
    config = ConfigService(repository, monotonic=repository.monotonic)
    config.settings()  # load returns at t=7

    repository.now = 12.0  # 5 s after the load returned: still fresh
    config.settings()
    assert repository.loads == 1

    repository.now = 12.5
    config.settings()
    assert repository.loads == 2
