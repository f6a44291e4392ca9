"""Reading merchants' values (issue 17 §2): countries, titles, booleans, dates, groups, and the
brand/supplier address rows — the readers alone, then through the import service."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chalicelib.customers.domain import Customer
from chalicelib.imports import csv_format
from chalicelib.imports import values as import_values
from chalicelib.imports.domain import IGNORE, ImportOptions, ImportWarning
from chalicelib.imports.values import (
    AmbiguousDatesError,
    DateReader,
    GroupResolver,
    country_code,
    imported_group_id,
    title_id,
)
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.schemas import GroupRequest
from chalicelib.shop.service import DEFAULT_TITLES, default_groups
from tests.unit.test_import_service import World, build, deliver, errors, upload

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


# -- countries -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("US", "US"),
        ("us", "US"),
        ("FRA", "FR"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("Estados Unidos", "US"),
        ("États-Unis", "US"),
        ("etats unis", "US"),
        ("France", "FR"),
        ("FRANCE", "FR"),
        ("United Kingdom", "GB"),
        ("Royaume-Uni", "GB"),
        ("Reino Unido", "GB"),
        ("UK", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("Germany", "DE"),
        ("Allemagne", "DE"),
        ("Alemania", "DE"),
        ("Deutschland", "DE"),
        ("Holland", "NL"),
        ("Pays-Bas", "NL"),
        ("España", "ES"),
        ("Espagne", "ES"),
        ("Cayman Islands", "KY"),
        ("Fiji", "FJ"),
        ("Finland", "FI"),
        ("Côte d'Ivoire", "CI"),
        ("  Bolivia ", "BO"),
        ("Russia", "RU"),
    ],
)
def test_countries_by_code_or_by_name_in_english_french_and_spanish(written: str, code: str) -> None:
    assert country_code(written) == code


@pytest.mark.parametrize("written", ["XX", "Atlantis", "", "U", "Unknown Country"])
def test_an_unknown_country_is_refused_without_echoing_it(written: str) -> None:
    with pytest.raises(ValueError, match=r"^unknown country") as raised:
        country_code(written)
    assert str(raised.value) == import_values.UNKNOWN_COUNTRY  # the same words whatever was written


# -- titles and booleans ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1", "1"),
        ("2", "2"),
        ("0", None),  # PrestaShop's "Titles ID (Mr = 1, Ms = 2, else 0)": 0 is no title
        ("Mr", "1"),
        ("Mr.", "1"),
        ("M.", "1"),
        ("Sr.", "1"),
        ("Mrs", "2"),
        ("Ms", "2"),
        ("Mme", "2"),
        ("Sra.", "2"),
        ("Señora", "2"),
        ("MLLE", "2"),
    ],
)
def test_titles_by_id_or_label(written: str, expected: str | None) -> None:
    ids = {t.id for t in DEFAULT_TITLES}
    assert title_id(written, DEFAULT_TITLES, ids.__contains__) == expected


def test_an_unknown_title_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown title"):
        title_id("Dr", DEFAULT_TITLES, lambda _: True)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        *[("1", True), ("0", False), ("yes", True), ("No", False), ("oui", True), ("non", False)],
        *[("sí", True), ("si", True), ("true", True), ("FALSE", False)],
    ],
)
def test_booleans_in_every_spelling(written: str, value: bool) -> None:
    assert csv_format.parse_bool(written) is value


# -- dates -----------------------------------------------------------------------------------------
def test_iso_always_reads_whatever_the_option() -> None:
    for option in ("auto", "iso", "dd/mm/yyyy", "mm/dd/yyyy"):
        reader = DateReader(option)  # type: ignore[arg-type]
        assert reader.read_date("1987-04-02") == date(1987, 4, 2)
        assert reader.read_datetime("2015-01-10 09:08:07") == datetime(2015, 1, 10, 9, 8, 7, tzinfo=UTC)


def test_auto_decides_day_first_from_a_day_above_12_and_reads_excel_french_times() -> None:
    reader = DateReader("auto")
    reader.settle(["04/02/1987", "25/12/2015 14:30", "2014-05-12"], first_batch=True)
    assert reader.decided == "dd/mm/yyyy"
    assert reader.read_date("04/02/1987") == date(1987, 2, 4)
    assert reader.read_datetime("25/12/2015 14:30") == datetime(2015, 12, 25, 14, 30, tzinfo=UTC)
    assert reader.read_date("25/12/2015 00:00") == date(2015, 12, 25)
    # A value contradicting the decision is a row error naming the format, not a silent swap.
    with pytest.raises(ValueError, match=r"dd/mm/yyyy"):
        reader.read_date("12/25/2015")


def test_auto_decides_month_first_and_a_later_batch_cannot_change_it() -> None:
    reader = DateReader("auto")
    reader.settle(["12/25/2015", "02/04/1987"], first_batch=True)
    assert reader.decided == "mm/dd/yyyy"
    reader.settle(["25/12/2015"], first_batch=False)
    assert reader.decided == "mm/dd/yyyy"
    assert reader.read_date("02/04/1987") == date(1987, 2, 4)


def test_only_ambiguous_dates_fail_the_first_batch_naming_the_option() -> None:
    reader = DateReader("auto")
    with pytest.raises(AmbiguousDatesError, match="date_format") as raised:
        reader.settle(["04/02/1987", "01/03/2015"], first_batch=True)
    assert "04/02/1987" not in str(raised.value)
    # A later batch can't fail the file any more: its ambiguous cells are row errors.
    reader.settle(["04/02/1987"], first_batch=False)
    with pytest.raises(ValueError, match="date_format"):
        reader.read_date("04/02/1987")


def test_an_explicit_date_format_needs_no_decision() -> None:
    reader = DateReader("mm/dd/yyyy")
    reader.settle(["04/02/1987"], first_batch=True)
    assert reader.read_date("04/02/1987") == date(1987, 4, 2)
    with pytest.raises(ValueError, match="iso"):
        DateReader("iso").read_date("04/02/1987")


# -- groups ----------------------------------------------------------------------------------------
def resolver(options: ImportOptions, created: dict[str, str] | None = None) -> GroupResolver:
    store = created if created is not None else {}

    def entries() -> list[ConfigEntry]:
        return [*default_groups(), *(ConfigEntry("GROUP", i, {"name": n}) for i, n in store.items())]

    def create(group_id: str, name: str) -> bool:
        store.setdefault(group_id, name)
        return True

    return GroupResolver(entries, options, create)


def test_groups_by_name_in_any_language_split_on_the_separator_and_on_pipes() -> None:
    groups = resolver(ImportOptions()).read("Customer, Invité|Visitante", None)
    assert (groups.group_ids, groups.default_group_id, groups.warnings) == (
        ["customer", "guest", "visitor"],
        "customer",
        [],
    )
    semicolons = resolver(ImportOptions(multi_value_separator=";")).read("Client; guest", None)
    assert semicolons.group_ids == ["customer", "guest"]
    # A group whose own name holds the separator, as our older exports wrote it (with "|").
    created = {"wholesale": "Wholesale, EU"}
    whole = resolver(ImportOptions(), created).read("Wholesale, EU|Customer", None)
    assert (whole.group_ids, whole.warnings) == (["wholesale", "customer"], [])


def test_an_unknown_group_is_a_warning_and_the_row_keeps_its_known_groups() -> None:
    groups = resolver(ImportOptions()).read("Customer, Carribean", "4")
    assert groups.group_ids == ["customer"] and groups.default_group_id == "customer"
    assert groups.warnings == [
        ("groups", import_values.UNKNOWN_GROUP),
        ("default_group", import_values.DEFAULT_NOT_MAPPED),
    ]
    none_known = resolver(ImportOptions()).read("Kids", "5")
    assert none_known.group_ids == [] and ("groups", import_values.NO_KNOWN_GROUP) in none_known.warnings
    # Only a "Default group ID" column (the groups column left out): the warning is on it.
    only_default = resolver(ImportOptions()).read(None, "5")
    assert only_default.warnings == [("default_group", import_values.NO_KNOWN_GROUP)]


def test_create_missing_groups_creates_each_once_with_a_stable_id() -> None:
    created: dict[str, str] = {}
    options = ImportOptions(create_missing_groups=True)
    first = resolver(options, created).read("Customer, Carribean", None)
    again = resolver(options, created).read("customer,CARRIBEAN", None)  # another batch or run
    assert first.group_ids == again.group_ids == ["customer", imported_group_id("Carribean")]
    assert created == {imported_group_id("Carribean"): "Carribean"}
    # A bare number is the source's id: never created as a group called "7".
    number = resolver(options, created).read("7", None)
    assert number.warnings[0] == ("groups", import_values.UNKNOWN_GROUP_ID)


def test_group_map_maps_source_ids_in_the_groups_and_the_default_group() -> None:
    options = ImportOptions(group_map={"3": "customer", "4": "guest"})
    groups = resolver(options).read("Customer, 4", "4")
    assert (groups.group_ids, groups.default_group_id) == (["customer", "guest"], "guest")
    assert groups.warnings == []
    # A mapped default the row doesn't list is added to its groups, as PrestaShop does.
    assert resolver(options).read("Customer", "4").group_ids == ["guest", "customer"]


# -- addresses -------------------------------------------------------------------------------------
def test_brand_and_supplier_address_rows_are_skipped_with_a_reason() -> None:
    assert import_values.skipped_address({"email": None, "manufacturer": "Apple"}) == (
        "manufacturer",
        import_values.SKIPPED_BRAND,
    )
    supplier = import_values.skipped_address({"supplier": "FedEX"})
    assert supplier == ("supplier", import_values.SKIPPED_SUPPLIER)
    assert import_values.skipped_address({"email": "a@example.com", "manufacturer": "Apple"}) is None
    assert import_values.skipped_address({"email": None}) is None  # a customer row missing its e-mail


# -- through the import service --------------------------------------------------------------------
def with_options(world: World, job_id: str, options: ImportOptions) -> None:
    """The options POST /admin/imports stores on the job (the options part's route)."""
    world.jobs.jobs[job_id] = replace(world.jobs.jobs[job_id], options=options)


def test_groups_and_dates_through_the_service_with_warnings_counted() -> None:
    world = build(rows_per_batch=2)
    content = (
        "Email address;First Name;Last name;Birthday;Registration;Groups\n"
        "a@example.com;Ana;Ruiz;04/02/1987;10/01/2015 09:30;Customer, Carribean\n"
        "b@example.com;Bob;Berg;25/12/1990;-;Carribean\n"
        "c@example.com;Cy;Cole;01/02/2000;-;Client|Guest\n"  # next batch: the decision holds
        "d@example.com;Di;Dou;12/31/2000;-;Customer\n"  # contradicts dd/mm: a row error
    )
    job = deliver(world, upload(world, content))
    assert (job.status, job.created, job.failed) == ("completed_with_errors", 3, 1), errors(world, job.id)
    assert job.detected_date_format == "dd/mm/yyyy"
    reason = "not a valid date in the file's date format (dd/mm/yyyy)"
    assert errors(world, job.id) == [(5, "Birthday", reason)]
    ana = world.customers.get_by_email("a@example.com")
    assert ana is not None and ana.birthday == date(1987, 2, 4) and ana.group_ids == ("customer",)
    assert ana.registered_at == datetime(2015, 1, 10, 9, 30, tzinfo=UTC)
    bob = world.customers.get_by_email("b@example.com")
    assert bob is not None and bob.group_ids == ("customer",)  # the shop's default group, kept
    cy = world.customers.get_by_email("c@example.com")
    assert cy is not None and cy.birthday == date(2000, 2, 1) and cy.group_ids == ("customer", "guest")
    assert set(job.warnings) == {
        ImportWarning("Groups", import_values.UNKNOWN_GROUP, 2),
        ImportWarning("Groups", import_values.NO_KNOWN_GROUP, 1),
    }
    assert not any("Carribean" in w.reason for w in job.warnings)


def test_the_date_order_decided_in_a_first_run_holds_in_its_continuation() -> None:
    world = build(rows_per_batch=2, continue_below_ms=1000)
    content = (
        "Email address;First Name;Last name;Birthday\n"
        "a@example.com;Ana;Ruiz;25/12/1990\n"
        "b@example.com;Bob;Berg;-\n"
        "c@example.com;Cy;Cole;01/02/2000\n"  # ambiguous, read in a fresh invocation
    )
    job = deliver(world, upload(world, content), remaining=0)  # hands over after one batch
    assert (job.status, job.detected_date_format) == ("running", "dd/mm/yyyy")
    marker = next(k for k in world.files.files if "/_continue/" in k)
    done = world.service.handle_upload(marker, "x", 0, lambda: 10**9)
    assert done is not None and (done.status, done.created, done.failed) == ("completed", 3, 0)
    cy = world.customers.get_by_email("c@example.com")
    assert cy is not None and cy.birthday == date(2000, 2, 1)


def test_a_file_with_only_ambiguous_dates_fails_at_its_first_batch_naming_the_option() -> None:
    world = build()
    content = "Email address;First Name;Last name;Birthday\na@example.com;Ana;Ruiz;04/02/1987\n"
    job = deliver(world, upload(world, content))
    assert job.status == "failed" and "date_format" in (job.failure or "")
    assert world.customers.customers == {}


def test_create_missing_groups_through_the_service_twice_makes_one_group() -> None:
    world = build()
    content = "Email address;First Name;Last name;Groups\na@example.com;Ana;Ruiz;Customer, Carribean\n"
    for _ in range(2):
        job_id = upload(world, content)
        with_options(world, job_id, ImportOptions(create_missing_groups=True))
        job = deliver(world, job_id)
        assert job.failed == 0 and job.warnings == (), errors(world, job.id)
    carribean = [e for e in world.config.entries("GROUP") if e.data["name"] == "Carribean"]
    assert len(carribean) == 1 and Decimal(carribean[0].data["reduction_percent"]) == 0
    ana = world.customers.get_by_email("a@example.com")
    assert ana is not None and ana.group_ids == ("customer", carribean[0].id)


def test_addresses_resolve_country_names_and_an_unknown_country_names_its_column() -> None:
    world = build()
    deliver(world, upload(world, "Email address;First Name;Last name\njohn@example.com;John;Doe\n"))
    content = (
        "Email address;Alias;First Name;Last name;Address;Postcode;City;Pays\n"
        "john@example.com;Home;John;Doe;1 Main St;10001;New York;United States\n"
        "john@example.com;Paris;John;Doe;1 rue de Rivoli;75001;Paris;France\n"
        "john@example.com;London;John;Doe;1 Oxford St;W1;London;Royaume-Uni\n"
        "john@example.com;Madrid;John;Doe;1 Gran Via;28013;Madrid;Estados Unidos\n"
        "john@example.com;Leeds;John;Doe;1 Park Row;LS1;Leeds;UK\n"
        "john@example.com;Nowhere;John;Doe;1 Road;1;Town;Atlantis\n"
    )
    job = deliver(world, upload(world, content, kind="addresses"))
    assert (job.created, job.failed) == (5, 1)
    assert errors(world, job.id) == [(7, "Pays", import_values.UNKNOWN_COUNTRY)]
    john = world.customers.get_by_email("john@example.com")
    assert john is not None
    stored = world.service.addresses.for_customer(john.id, 50, None, include_deleted=False)[0]
    assert sorted(a.country for a in stored) == ["FR", "GB", "GB", "US", "US"]
    again = deliver(world, upload(world, content, kind="addresses"))  # country names compare as codes
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


# -- PrestaShop's own sample files (tests/fixtures/imports, verbatim from PrestaShop/PrestaShop) -----
PRESTASHOP_CUSTOMERS = "prestashop-8-customers_import.csv"
PRESTASHOP_ADDRESSES = "prestashop-8-addresses_import.csv"
# Hashing nine plaintext passwords is the passwords part's business (and ~0.2 s a row here).
NO_PASSWORDS = {"Password *": IGNORE}


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def import_sample(world: World, body: bytes, kind: str = "customers", **options: Any):  # type: ignore[no-untyped-def]
    return world.service.import_inline(kind, body, "emp-1", ImportOptions(**options))  # type: ignore[arg-type]


def people(world: World) -> dict[str, Customer]:
    return {c.email.lower(): c for c in world.customers.customers.values()}


def test_prestashop_sample_groups_with_create_missing_groups() -> None:
    world = build()
    job = import_sample(world, sample(PRESTASHOP_CUSTOMERS), mapping=NO_PASSWORDS, create_missing_groups=True)
    assert (job.created, job.failed) == (9, 0), errors(world, job.id)
    carribean, kids = imported_group_id("Carribean"), imported_group_id("Kids")
    found = people(world)
    assert found["james.hook@prestashop.com"].group_ids == ("customer", carribean)
    assert found["tictac.crocodile@prestashop.com"].group_ids == ("customer", carribean)
    assert found["maggie.banning@prestashop.com"].group_ids == (kids,)
    assert found["peter.pan@prestashop.com"].group_ids == ("customer",)
    # "Default group ID" holds PrestaShop's ids (3, 4, 5): without a group_map, the first listed
    # group is the default, and every row says so.
    assert found["james.hook@prestashop.com"].default_group_id == "customer"
    assert job.status == "completed_with_warnings"
    assert job.warnings == (ImportWarning("Default group ID", import_values.DEFAULT_NOT_MAPPED, 9),)
    names = {e.id: e.data for e in world.config.entries("GROUP")}
    assert names[carribean]["name"] == "Carribean" and Decimal(names[kids]["reduction_percent"]) == 0
    # The same file again (a redelivery, a second import) creates no second group.
    again = import_sample(
        world, sample(PRESTASHOP_CUSTOMERS), mapping=NO_PASSWORDS, create_missing_groups=True
    )
    assert again.failed == 0 and len(world.config.entries("GROUP")) == len(names)


def test_prestashop_sample_groups_with_a_group_map() -> None:
    world = build()
    carribean = world.config.create_group(GroupRequest(name="Caribbean club", names={"fr": "Carribean"}))
    kids = world.config.create_group(GroupRequest(name="Kids"))
    group_map = {"3": "customer", "4": carribean.id, "5": kids.id}
    job = import_sample(world, sample(PRESTASHOP_CUSTOMERS), mapping=NO_PASSWORDS, group_map=group_map)
    assert (job.status, job.created, job.warnings) == ("completed", 9, ()), errors(world, job.id)
    found = people(world)
    hook = found["james.hook@prestashop.com"]
    assert (hook.group_ids, hook.default_group_id) == (("customer", carribean.id), carribean.id)
    maggie = found["maggie.banning@prestashop.com"]
    assert (maggie.group_ids, maggie.default_group_id, maggie.enabled) == ((kids.id,), kids.id, False)


def test_without_either_the_prestashop_sample_keeps_every_row_with_warnings_counted() -> None:
    world = build()
    job = import_sample(world, sample(PRESTASHOP_CUSTOMERS), mapping=NO_PASSWORDS)
    assert (job.status, job.created, job.failed) == ("completed_with_warnings", 9, 0)
    assert set(job.warnings) == {
        ImportWarning("Groups (x,y,z...)", import_values.UNKNOWN_GROUP, 4),  # Carribean twice, Kids twice
        ImportWarning("Groups (x,y,z...)", import_values.NO_KNOWN_GROUP, 2),  # the two Kids rows
        ImportWarning("Default group ID", import_values.DEFAULT_NOT_MAPPED, 7),
    }
    assert people(world)["maggie.banning@prestashop.com"].group_ids == ("customer",)


def excel_french(body: bytes) -> bytes:
    """The sample as Excel re-saves it in a French locale: dd/mm/yyyy dates, Windows-1252."""
    text = body.decode("utf-8")
    text = re.sub(r"(\d{4})-(\d{2})-(\d{2})", r"\3/\2/\1", text)
    return text.replace("\n", "\r\n").encode("cp1252")


def test_an_excel_french_resave_reads_its_dates_day_first() -> None:
    world = build(rows_per_batch=3)
    job = import_sample(world, excel_french(sample(PRESTASHOP_CUSTOMERS)), mapping=NO_PASSWORDS)
    assert (job.created, job.failed) == (9, 0), errors(world, job.id)
    assert job.detected_date_format == "dd/mm/yyyy"
    found = people(world)
    # Peter's 02/04/1987 is only readable once Tiger Lily's 28/02/1982 decided the order.
    assert found["peter.pan@prestashop.com"].birthday == date(1987, 4, 2)
    assert found["peter.pan@prestashop.com"].registered_at == datetime(2015, 1, 10, tzinfo=UTC)
    assert found["maggie.banning@prestashop.com"].birthday == date(2006, 2, 27)


def test_an_excel_french_resave_with_only_ambiguous_dates_fails_naming_date_format() -> None:
    world = build()
    first_two = b"\r\n".join(excel_french(sample(PRESTASHOP_CUSTOMERS)).split(b"\r\n")[:3]) + b"\r\n"
    job = import_sample(world, first_two, mapping=NO_PASSWORDS)
    assert job.status == "failed" and "date_format" in (job.failure or "")
    assert world.customers.customers == {}
    told = import_sample(world, first_two, mapping=NO_PASSWORDS, date_format="dd/mm/yyyy")
    assert (told.created, told.failed) == (2, 0)
    assert people(world)["peter.pan@prestashop.com"].birthday == date(1987, 4, 2)


@pytest.mark.parametrize(
    "fixture",
    [
        PRESTASHOP_ADDRESSES,
        "prestashop-1.6-addresses_import.csv",
        "prestashop-1.6-addresses_import-fr.csv",
        "prestashop-1.6-addresses_import-es.csv",
    ],
)
def test_prestashop_sample_addresses_import_with_countries_and_skip_brand_and_supplier_rows(
    fixture: str,
) -> None:
    world = build()
    import_sample(world, sample(PRESTASHOP_CUSTOMERS), mapping=NO_PASSWORDS)
    job = import_sample(world, sample(fixture), kind="addresses")
    assert (job.created, job.failed, job.rows_read) == (11, 0, 16), errors(world, job.id)
    assert job.status == "completed_with_warnings"
    warnings = {(w.column, w.reason): w.count for w in job.warnings}
    # The header names the brand and supplier columns in the file's language (6th and 7th).
    manufacturer, supplier = sample(fixture).decode().splitlines()[0].split(";")[5:7]
    assert warnings[(manufacturer, import_values.SKIPPED_BRAND)] == 3  # Apple, Shure, Shure
    assert warnings[(supplier, import_values.SKIPPED_SUPPLIER)] == 2  # U.P.S, FedEX
    countries = {}
    for customer in world.customers.customers.values():
        for address in world.service.addresses.for_customer(customer.id, 50, None, include_deleted=False)[0]:
            countries[address.alias] = address.country
    assert countries == {
        "Peter.Pan / New York": "US",
        "Wendy.Moira.Darling / New York": "US",
        "Wendy.Moira.Darling / London": "GB",
        "Tiger.Lily / Arizona": "US",
        "Tiger.Lily / Le Chesnay": "FR",
        "James.Hook / Home": "KY",
        "James Hook / Pro": "DE",
        "Tinker.Bell / Napaiiri": "FI",
        "Smee / Fiji": "FJ",
        "Smee / Portland": "US",
        "Tictac Crocodile / Home": "US",
    }
    again = import_sample(world, sample(fixture), kind="addresses")
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 11, 0)


def test_an_inactive_address_is_skipped_with_a_warning() -> None:
    world = build()
    import_sample(world, sample(PRESTASHOP_CUSTOMERS), mapping=NO_PASSWORDS)
    lines = sample(PRESTASHOP_ADDRESSES).decode().splitlines()
    body = "\n".join([lines[0], lines[1].replace(";1;Peter", ";0;Peter"), lines[2]]) + "\n"
    job = import_sample(world, body.encode(), kind="addresses")
    assert (job.created, job.failed) == (1, 0)
    assert ImportWarning("Active (0/1)", import_values.SKIPPED_INACTIVE, 1) in job.warnings
