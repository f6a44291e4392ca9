"""What trying issue 17 as a merchant found (a local stack, the real sample files): a preview that
showed a row's plaintext password, a column without a header and cells past the header's last
column dropped while the job said plain `completed`, and a PrestaShop 8 export re-imported
taking every customer out of all groups but the default one."""

from __future__ import annotations

from chalicelib.customers.schemas import ListCustomersParams, UpdateCustomerRequest
from chalicelib.imports.domain import ImportOptions
from tests.unit.test_import_service import PRESTASHOP, World, build, deliver, upload

# PrestaShop's docs/csv_import/customers_import.csv header, with two of its rows.
SAMPLE = (
    "Customer ID;Active (0/1);Titles ID (Mr = 1, Ms = 2, else 0);Email *;Password *;"
    "Birthday (yyyy-mm-dd);Last Name *;First Name *;Newsletter (0/1);Opt-in (0/1);"
    "Groups (x,y,z...);Default group ID\n"
    "1;1;1;Peter.Pan@prestashop.com;123456789;1987-04-02;Pan;Peter;1;0;Customer;3\n"
    "9;0;2;Maggie.Banning@prestashop.com;123456789;2006-02-27;Banning;Maggie;0;0;Kids;5\n"
)


def preview(world: World, content: str, **options: object) -> list[dict[str, object]]:
    job, _ = world.service.create_job(
        "customers",
        "file.csv",
        "emp-1",
        ImportOptions(preview=True, **options),  # type: ignore[arg-type]
    )
    world.files.put(f"imports/{job.id}/file.csv", content.encode(), "text/csv")
    previewed = deliver(world, job.id)
    assert previewed.status == "previewed"
    rows = world.service.preview(previewed)
    assert rows is not None
    return [dict(row.values) | {"_action": row.action} for row in rows]


def test_a_preview_never_shows_a_password_whatever_the_row_would_do() -> None:
    # Given the sample imported once (so a second preview sees its rows as unchanged)
    world = build()
    first = deliver(world, upload(world, SAMPLE))
    assert first.failed == 0
    # When it is previewed again: unchanged rows, a mode=create skip, and a row that fails
    failing = SAMPLE + "10;1;1;not-an-email;123456789;1990-01-01;Doe;Jo;0;0;Customer;3\n"
    shown = preview(world, failing) + preview(world, SAMPLE, mode="create")

    # Then no row, whatever its action, carries the password cell (only whether one came)
    assert {row["_action"] for row in shown} >= {"unchanged", "skip", "error"}
    for row in shown:
        assert "123456789" not in {str(v) for v in row.values()}, row["_action"]
        assert "password" not in row and "password_hash" not in row


def test_values_in_a_column_without_a_header_or_past_the_last_one_are_warnings() -> None:
    world = build()
    content = (
        "Email;First name;Last name;\na@example.com;Ann;One;kept-nowhere\nb@example.com;Bob;Two;;surplus\n"
    )
    job = deliver(world, upload(world, content))
    assert (job.created, job.failed) == (2, 0)
    assert job.status == "completed_with_warnings"
    assert {(w.column, w.count) for w in job.warnings} == {("column 4", 1), ("column 5", 1)}
    # The warning names the position, never the cell
    assert all("kept-nowhere" not in w.reason and "surplus" not in w.reason for w in job.warnings)


def test_an_empty_trailing_column_is_no_warning() -> None:
    # PrestaShop 1.6's export ends its header and every row with ";"
    world = build()
    job = deliver(world, upload(world, PRESTASHOP))
    assert (job.status, job.warnings) == ("completed", ())


def test_re_importing_a_prestashop8_export_keeps_every_group_and_sets_the_default() -> None:
    # Given John in Guest (his default) and Customer
    world = build()
    deliver(world, upload(world, PRESTASHOP))
    john = world.customers.get_by_email("john@example.com")
    assert john is not None
    world.customer_service.update(
        john.id, UpdateCustomerRequest(group_ids=["guest", "customer"], default_group_id="guest")
    )
    # When our PrestaShop 8 export (its "Group" column is the default group's name) comes back
    text = "".join(world.service.export_lines(ListCustomersParams(), "prestashop8"))
    job = deliver(world, upload(world, text.encode()))

    # Then nothing changed: John is still in both groups, Guest his default
    assert (job.status, job.failed, job.updated) == ("completed", 0, 0)
    after = world.customers.get(john.id)
    assert after is not None
    assert set(after.group_ids) == {"guest", "customer"} and after.default_group_id == "guest"

    # And a "Group" naming another of our groups makes it the default, keeping the others
    moved = text.replace(";Guest;", ";Visitor;")
    deliver(world, upload(world, moved.encode()))
    after = world.customers.get(john.id)
    assert after is not None
    assert set(after.group_ids) == {"guest", "customer", "visitor"} and after.default_group_id == "visitor"


def test_a_customer_on_two_rows_of_one_file_is_a_warning_not_a_silent_overwrite() -> None:
    # Given a file naming the same customer twice, the rows in different batches too
    content = (
        "Email;First name;Last name\n"
        "q6@example.com;Ann;First\n"
        "other@example.com;Bob;Other\n"
        "Q6@example.com;Anna;Second\n"
        "q6@example.com;Anna;Second\n"  # the same values again: nothing more is lost
    )
    for rows_per_batch in (100, 1):
        world = build(rows_per_batch=rows_per_batch)
        import_id = upload(world, content)
        job = deliver(world, import_id)
        # Then the later row wins, and the job says the earlier one's values were replaced
        ann = world.customers.get_by_email("q6@example.com")
        assert ann is not None and ann.last_name == "Second"
        assert job.status == "completed_with_warnings", rows_per_batch
        assert [(w.column, w.count) for w in job.warnings] == [("Email", 1)]
        # And a redelivered event (the same lines again) adds no warning
        again = deliver(world, import_id)
        assert [(w.column, w.count) for w in again.warnings] == [("Email", 1)]


def test_the_same_file_imported_twice_is_no_warning() -> None:
    world = build()
    deliver(world, upload(world, PRESTASHOP))
    job = deliver(world, upload(world, PRESTASHOP.replace("Gorred", "Gorre")))
    assert (job.status, job.updated, job.warnings) == ("completed", 1, ())
