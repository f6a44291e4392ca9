"""The composition root builds each service on first read, once, from the stores it was given."""

from __future__ import annotations

from pathlib import Path

from tests.fake_world import fake_world


def test_a_service_is_built_on_first_read_with_only_what_it_uses(tmp_path: Path) -> None:
    world = fake_world(tmp_path)
    services = world.services
    sweep = services.sweep
    assert services.sweep is sweep
    built = set(vars(services))
    assert {"sweep", "carts", "consents", "notifier", "config"} <= built
    # The sweep's function never builds customer service's, the imports' or the staff's parts.
    unused = {"threads", "mail_poll", "ingestion", "imports", "import_passwords", "auth", "employees"}
    assert not built & unused


def test_the_given_stores_are_the_ones_the_services_use(tmp_path: Path) -> None:
    world = fake_world(tmp_path)
    assert world.services.customer_repository is world.customers
    assert world.services.cart_repository is world.carts
    assert world.services.files is world.files
