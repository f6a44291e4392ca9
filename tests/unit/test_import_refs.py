"""The source system's ids as the import's match key (issue 17 §2, PrestaShop's "force ID"): a
customers file's id that is not ours finds the customer before the e-mail does."""

from __future__ import annotations

from tests.unit.test_import_service import build, deliver, errors, upload

HEADER = "ID;Title;Last name;First Name;Email address;Enabled;News.;Opt.\n"


def test_reimport_by_source_id_updates_even_when_the_email_changed() -> None:
    world = build()
    deliver(world, upload(world, HEADER + "17;1;Doe;John;john@example.com;1;0;0\n"))
    john = world.customers.get_by_email("john@example.com")
    assert john is not None and john.merchant_ref == "17"
    job = deliver(world, upload(world, HEADER + "17;1;Doe;Johnny;johnny@example.com;1;1;0\n"))
    assert (job.created, job.updated, job.failed) == (0, 1, 0), errors(world, job.id)
    assert len(world.customers.customers) == 1
    moved = world.customers.get(john.id)
    assert moved is not None
    assert (moved.email, moved.first_name, moved.newsletter, moved.merchant_ref) == (
        "johnny@example.com",
        "Johnny",
        True,
        "17",
    )
    assert world.customers.get_by_email("john@example.com") is None


def test_the_source_id_wins_over_the_email_and_a_taken_email_fails_the_row() -> None:
    world = build()
    deliver(
        world,
        upload(world, HEADER + "1;1;Doe;John;john@example.com;1;0;0\n2;2;Roe;Jane;jane@example.com;1;0;0\n"),
    )
    # Source customer 1 now has the e-mail our customer 2 holds: not a silent merge into Jane.
    job = deliver(world, upload(world, HEADER + "1;1;Doe;John;jane@example.com;1;0;0\n"))
    assert (job.created, job.updated, job.failed) == (0, 0, 1)
    assert errors(world, job.id) == [(2, "Email address", "this e-mail address belongs to another customer")]
    jane = world.customers.get_by_email("jane@example.com")
    assert jane is not None and jane.merchant_ref == "2"


def test_two_rows_with_one_source_id_in_a_batch_are_one_customer() -> None:
    world = build()
    job = deliver(
        world,
        upload(world, HEADER + "5;1;Doe;Jo;jo@example.com;1;0;0\n5;1;Doe;Jo;jo.doe@example.com;1;0;0\n"),
    )
    assert (job.created, job.failed) == (1, 0), errors(world, job.id)
    assert [c.email for c in world.customers.customers.values()] == ["jo.doe@example.com"]


def test_our_own_id_still_matches_first_and_is_not_taken_for_a_reference() -> None:
    world = build()
    deliver(world, upload(world, HEADER + "17;1;Doe;John;john@example.com;1;0;0\n"))
    john = world.customers.get_by_email("john@example.com")
    assert john is not None
    job = deliver(world, upload(world, HEADER + f"{john.id};1;Doe;John;john@example.org;1;0;0\n"))
    assert (job.created, job.updated) == (0, 1), errors(world, job.id)
    after = world.customers.get(john.id)
    assert after is not None and (after.email, after.merchant_ref) == ("john@example.org", "17")


# PrestaShop 8's address importer header (tests/fixtures/imports/prestashop-8-addresses_import.csv).
ADDRESSES = (
    "Address ID;Alias*;Active (0/1);Customer e-mail*;Customer ID;Manufacturer;Supplier;Company;"
    "Lastname*;Firstname*;Address 1*;Address 2;Zipcode*;City*;Country*;State;Other;Phone;"
    "Mobile Phone;VAT number;DNI\n"
)


def address_row(address_id: str, alias: str, email: str, customer_id: str, street: str) -> str:
    return (
        f"{address_id};{alias};1;{email};{customer_id};;;;Doe;John;{street};;10001;New York;"
        "United States;;;;;;\n"
    )


def test_an_address_without_email_finds_its_owner_by_the_source_customer_id() -> None:
    world = build()
    deliver(world, upload(world, HEADER + "17;1;Doe;John;john@example.com;1;0;0\n"))
    john = world.customers.get_by_email("john@example.com")
    assert john is not None
    content = (
        ADDRESSES + address_row("3", "Home", "", "17", "1 Main St") + address_row("4", "Work", "", "99", "x")
    )
    job = deliver(world, upload(world, content, kind="addresses"))
    assert (job.created, job.failed) == (1, 1), errors(world, job.id)
    assert errors(world, job.id) == [(3, "Customer ID", "no customer has this ID")]
    (home,) = world.service.addresses.for_customer(john.id, 10, None)[0]
    assert (home.alias, home.country, home.merchant_ref) == ("Home", "US", "3")
    # Our own id names the owner too.
    job = deliver(
        world,
        upload(world, ADDRESSES + address_row("5", "Office", "", john.id, "2 Side St"), kind="addresses"),
    )
    assert (job.created, job.failed) == (1, 0), errors(world, job.id)


def test_reimported_address_matches_by_its_source_address_id_before_the_alias() -> None:
    world = build()
    deliver(world, upload(world, HEADER + "17;1;Doe;John;john@example.com;1;0;0\n"))
    john = world.customers.get_by_email("john@example.com")
    assert john is not None
    deliver(
        world,
        upload(
            world, ADDRESSES + address_row("3", "Home", "john@example.com", "", "1 Main St"), kind="addresses"
        ),
    )
    # The old shop renamed the alias and fixed the street: the same address, not a second one.
    again = ADDRESSES + address_row("3", "Main home", "john@example.com", "", "1 Main Street")
    job = deliver(world, upload(world, again, kind="addresses"))
    assert (job.created, job.updated, job.failed) == (0, 1, 0), errors(world, job.id)
    (home,) = world.service.addresses.for_customer(john.id, 10, None)[0]
    assert (home.alias, home.address1, home.merchant_ref) == ("Main home", "1 Main Street", "3")
    assert deliver(world, upload(world, again, kind="addresses")).unchanged == 1
