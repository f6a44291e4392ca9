"""`public_api_url` on the local stack (issue 16 §5): the seeded default is read as the address
the stack serves (its $PORT), so unsubscribe links in local mail work on any port, for tables
seeded before as well; a value the merchant set is kept."""

from __future__ import annotations

import pytest

from chalicelib.core.settings import Settings, get_settings
from chalicelib.shop.service import SEEDED_PUBLIC_API_URL, ConfigService
from tests.fakes.shop import MemoryConfigRepository

LOCAL = "http://127.0.0.1:8123"


def _config(repository: MemoryConfigRepository, local_api_url: str | None) -> ConfigService:
    return ConfigService(repository, monotonic=lambda: 0.0, local_api_url=local_api_url)


def test_the_seeded_default_reads_as_the_port_the_stack_serves() -> None:
    repository = MemoryConfigRepository()
    _config(repository, None).seed_defaults()  # a table seeded by an older stack, on port 8000
    assert _config(repository, None).settings().public_api_url == SEEDED_PUBLIC_API_URL
    config = _config(repository, LOCAL)
    assert config.settings().public_api_url == LOCAL
    # Another change does not write the derived address into the table.
    assert config.patch_settings({"shop_name": "Corner shop"}).public_api_url == LOCAL
    assert repository.load().settings["public_api_url"] == SEEDED_PUBLIC_API_URL


def test_a_public_api_url_the_merchant_set_is_kept() -> None:
    config = _config(MemoryConfigRepository(), LOCAL)
    config.seed_defaults()
    assert config.patch_settings({"public_api_url": "https://api.shop.example"}).public_api_url == (
        "https://api.shop.example"
    )
    assert config.settings().public_api_url == "https://api.shop.example"


def test_the_local_address_comes_from_port_on_the_local_stage_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(stage="local", api_port=8123).local_api_url == LOCAL
    assert Settings(stage="local").local_api_url == "http://127.0.0.1:8000"
    assert Settings(stage="dev", api_port=8123).local_api_url is None
    monkeypatch.setenv("CLIENTELE_STAGE", "local")
    monkeypatch.setenv("PORT", "8123")
    get_settings.cache_clear()
    try:
        assert get_settings().local_api_url == LOCAL
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
