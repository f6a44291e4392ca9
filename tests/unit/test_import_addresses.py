"""A customers file's own address columns land as the customer's address (issue 17 §1): Shopify's
`Default Address *` columns (template and export), WooCommerce's billing columns, through the
customers import, idempotent on re-import, never written by a preview, never failing a row."""

from __future__ import annotations

from chalicelib.addresses.domain import Address
from chalicelib.imports.address_rows import DEFAULT_ALIAS, PHONE_WITHOUT_ADDRESS
from chalicelib.imports.domain import ImportOptions, ImportWarning
from chalicelib.imports.service import SKIPPED_UNKNOWN
from tests.unit.test_import_layouts import FIXTURES, import_fixture
from tests.unit.test_import_preview import run_marker, upload
from tests.unit.test_import_service import World, build, deliver

SHOPIFY_HEADER = (FIXTURES / "shopify-customer_template.csv").read_text().splitlines()[0]


def book(world: World, email: str) -> list[Address]:
    customer = world.customers.get_by_email(email)
    assert customer is not None
    return world.service.addresses.for_customer(customer.id, 200, None)[0]


def columns(job: object) -> set[str]:
    return {w.column for w in job.warnings}  # type: ignore[attr-defined]


def test_shopify_template_creates_the_customer_with_its_default_address() -> None:
    world = build()
    job = import_fixture(world, "shopify-customer_template.csv")
    assert (job.created, job.failed, job.layout) == (2, 0, "shopify")
    [address] = book(world, "johnsmith@example.com")
    assert (address.alias, address.first_name, address.last_name) == (DEFAULT_ALIAS, "John", "Smith")
    assert (address.address1, address.city, address.postcode) == ("123 Fake Street", "Ottawa", "A1A 1A1")
    assert (address.state, address.country, address.address2, address.company) == ("ON", "CA", None, None)
    # Jane has no address: no empty one is made, and her phone, which has no place, is said.
    assert book(world, "janedoe@example.com") == []
    assert ImportWarning("Phone", PHONE_WITHOUT_ADDRESS, 1) in job.warnings
    # The address columns are stored now: none is reported as left behind.
    assert not {c for c in columns(job) if c.startswith("Default Address")}
    assert {"Tags", "Note", "Tax Exempt", "Accepts SMS Marketing"} <= columns(job)


def test_shopify_export_reimported_changes_nothing_and_adds_no_address() -> None:
    world = build()
    first = import_fixture(world, "shopify-customers_export.csv")
    assert (first.created, first.failed) == (2, 0)
    john = world.customers.get_by_email("johnsmith@example.com")
    assert john is not None and john.merchant_ref == "'7210448301122"
    assert [(a.city, a.country) for a in book(world, "johnsmith@example.com")] == [("Ottawa", "CA")]

    again = import_fixture(world, "shopify-customers_export.csv")
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 2, 0)
    [address] = book(world, "johnsmith@example.com")
    assert address.version == 1  # never rewritten


def test_a_changed_address_is_updated_in_place_and_counts_the_row_as_updated() -> None:
    world = build()
    import_fixture(world, "shopify-customer_template.csv")
    moved = (
        SHOPIFY_HEADER + "\n"
        "John,Smith,johnsmith@example.com,no,,456 Bank Street,Apt 2,Ottawa,ON,Canada,K1P 1J1,"
        "+1 613 555 0100,+1 613 555 0199,no,,,no\n"
    )
    job = world.service.import_inline("customers", moved.encode(), "emp-1")
    assert (job.created, job.updated, job.unchanged, job.failed) == (0, 1, 0, 0)
    [address] = book(world, "johnsmith@example.com")
    assert (address.address1, address.address2, address.postcode) == ("456 Bank Street", "Apt 2", "K1P 1J1")
    # "Canada" resolved to its code; both phones kept: the address's, then the customer's.
    assert (address.country, address.phone, address.phone_mobile) == (
        "CA",
        "+1 613 555 0100",
        "+1 613 555 0199",
    )
    assert job.status == "completed_with_warnings" and "Phone" not in columns(job)


def test_the_customer_phone_is_the_address_phone_when_the_address_has_none() -> None:
    world = build()
    row = "Ana,Ruiz,ana@example.com,yes,Acme,1 Main St,,Portland,OR,US,97201,,+15035550100,no,,,no\n"
    job = world.service.import_inline("customers", (SHOPIFY_HEADER + "\n" + row).encode(), "emp-1")
    assert (job.created, job.failed) == (1, 0)
    [address] = book(world, "ana@example.com")
    assert (address.phone, address.phone_mobile, address.company) == ("+15035550100", None, "Acme")


def test_a_partial_or_unreadable_address_imports_the_customer_with_a_warning() -> None:
    world = build()
    rows = (
        "Ana,Ruiz,ana@example.com,no,,1 Main St,,,OR,US,97201,,,no,,,no\n"  # no city
        "Bob,Berg,bob@example.com,no,,2 Main St,,Lyon,,Atlantis,69002,,+33612345678,no,,,no\n"
    )
    job = world.service.import_inline("customers", (SHOPIFY_HEADER + "\n" + rows).encode(), "emp-1")
    assert (job.created, job.failed, job.status) == (2, 0, "completed_with_warnings")
    assert book(world, "ana@example.com") == [] and book(world, "bob@example.com") == []
    assert ImportWarning("Default Address City", "address not imported: city missing", 1) in job.warnings
    country = next(w for w in job.warnings if w.column == "Default Address Country Code")
    assert country.reason.startswith("address not imported: unknown country") and country.count == 1
    assert ImportWarning("Phone", PHONE_WITHOUT_ADDRESS, 1) in job.warnings  # Bob's, lost with it


def test_woocommerce_report_has_no_street_so_its_addresses_are_warnings() -> None:
    # WooCommerce's Analytics customers download carries the billing city, region, postcode and
    # country but no street line: an address needs one, so each row says it (the customer imports).
    world = build()
    job = import_fixture(world, "woocommerce-customers_report.csv")
    assert (job.created, job.failed, job.status) == (2, 0, "completed_with_warnings")
    assert book(world, "jane.doe@example.com") == [] and book(world, "marc.dupont@example.fr") == []
    assert ImportWarning("address.address1", "address not imported: address1 missing", 2) in job.warnings
    assert ImportWarning("Shipping Phone", PHONE_WITHOUT_ADDRESS, 1) in job.warnings  # Marc's


def test_woocommerce_rows_with_a_street_mapped_create_the_address_with_the_country_resolved() -> None:
    # The merchant maps a street column of their own (here added to the report) to address1.
    world = build()
    lines = (FIXTURES / "woocommerce-customers_report.csv").read_text().splitlines()
    body = "\n".join(
        [
            lines[0] + ",Street",
            lines[1] + ",1 SW Main St",
            lines[2].replace(",FR,", ",France,") + ",5 rue Neuve",
        ]
    )
    job = world.service.import_inline(
        "customers", body.encode(), "emp-1", ImportOptions(mapping={"Street": "address.address1"})
    )
    assert (job.created, job.failed) == (2, 0)
    [jane] = book(world, "jane.doe@example.com")
    assert (jane.first_name, jane.city, jane.state, jane.postcode, jane.country) == (
        "Jane",
        "Portland",
        "OR",
        "97201",
        "US",
    )
    assert jane.phone == "+1 503 555 0100"
    [marc] = book(world, "marc.dupont@example.fr")
    assert (marc.country, marc.phone, marc.phone_mobile) == ("FR", "+33 4 72 00 00 00", "+33 6 12 34 56 78")


def test_a_preview_writes_no_address_and_shows_it_and_apply_writes_it_once() -> None:
    world = build()
    content = (FIXTURES / "shopify-customer_template.csv").read_text()
    import_id = upload(world, content, ImportOptions(preview=True))
    job = deliver(world, import_id)
    assert job.status == "previewed" and world.customers.customers == {}
    rows = world.service.preview(job)
    assert rows is not None
    john = next(r for r in rows if r.values.get("email") == "johnsmith@example.com")
    assert john.action == "create"
    assert (john.values["address.city"], john.values["address.country"]) == ("Ottawa", "CA")
    assert john.values["address.alias"] == DEFAULT_ALIAS

    world.service.apply(import_id)
    run_marker(world, import_id)
    run_marker(world, import_id)
    assert [a.city for a in book(world, "johnsmith@example.com")] == ["Ottawa"]


def test_mode_update_adds_no_address_to_an_existing_customer_and_mode_create_none_twice() -> None:
    world = build()
    plain = SHOPIFY_HEADER + "\nJohn,Smith,johnsmith@example.com,no,,,,,,,,,,no,,,no\n"
    world.service.import_inline("customers", plain.encode(), "emp-1")
    template = (FIXTURES / "shopify-customer_template.csv").read_bytes()
    job = world.service.import_inline("customers", template, "emp-1", ImportOptions(mode="update"))
    assert book(world, "johnsmith@example.com") == []
    assert (
        ImportWarning("Default Address Address1", "address not imported: " + SKIPPED_UNKNOWN, 1)
        in job.warnings
    )

    fresh = build()
    import_fixture(fresh, "shopify-customer_template.csv", mode="create")
    import_fixture(fresh, "shopify-customer_template.csv", mode="create")
    assert len(book(fresh, "johnsmith@example.com")) == 1
