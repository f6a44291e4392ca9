"""Previewed imports against in-memory fakes (issue 17 §1): nothing written until `apply`, the
options kept through the applied run and its continuations, previews that expire."""

from __future__ import annotations

from chalicelib.imports.domain import IMPORT_PREFIX, ImportOptions
from chalicelib.imports.service import CONTINUE_MARKER, PREVIEW_TTL
from tests.unit.test_import_service import World, build, deliver, errors

GROUPS = (
    "Email address;First Name;Last name;Groups;Loyalty\n"
    "a@example.com;Ana;Ruiz;Customer, Carribean;gold\n"
    "b@example.com;Bob;Berg;Carribean;\n"
    "not-an-email;Bad;Row;Customer;silver\n"
)


def upload(world: World, content: str, options: ImportOptions, kind: str = "customers") -> str:
    job, _ = world.service.create_job(kind, "file.csv", "emp-1", options)  # type: ignore[arg-type]
    world.files.put(f"imports/{job.id}/file.csv", content.encode(), "text/csv")
    return job.id


def run_marker(world: World, import_id: str) -> None:
    """Deliver every continuation marker of the job, as the import Lambda's events would."""
    prefix = f"{IMPORT_PREFIX}{import_id}/{CONTINUE_MARKER}"
    for key in sorted(k for k in list(world.files.files) if k.startswith(prefix)):
        _, size, etag = world.files.open(key)
        world.service.handle_upload(key, etag, size, lambda: 10**9)
        world.files.files.pop(key, None)


def group_names(world: World) -> set[str]:
    return {str(e.data["name"]) for e in world.config.entries("GROUP")}


def test_a_preview_creates_no_customer_nor_group_and_apply_creates_them_once() -> None:
    # Given a file previewed with create_missing_groups (an unknown group "Carribean")
    world = build()
    options = ImportOptions(create_missing_groups=True, preview=True)
    import_id = upload(world, GROUPS, options)
    job = deliver(world, import_id)

    # Then nothing was written: no customer, no group, no error record; the rows are shown
    assert job.status == "previewed" and (job.created, job.failed) == (2, 1)
    assert world.customers.customers == {} and "Carribean" not in group_names(world)
    assert errors(world, import_id) == []
    rows = world.service.preview(job)
    assert rows is not None and [(r.line, r.action) for r in rows] == [
        (2, "create"),
        (3, "create"),
        (4, "error"),
    ]
    assert rows[0].values["email"] == "a@example.com" and rows[0].values["group_ids"][0] == "customer"
    assert [e.column for e in rows[2].errors] == ["Email address"]
    assert any(w.column == "Loyalty" and w.count == 2 for w in job.warnings)
    assert f"imports/{import_id}/file.csv" in world.files.files  # kept for the apply

    # When it is applied, twice, and the worker runs the marker
    applied = world.service.apply(import_id)
    assert world.service.apply(import_id) == applied
    run_marker(world, import_id)

    # Then it ran once with the options as previewed: customers and the group, created once
    job = world.service.get(import_id)
    assert (job.status, job.created, job.failed) == ("completed_with_errors", 2, 1)
    assert [n for n in group_names(world) if n == "Carribean"] == ["Carribean"]
    ana = world.customers.get_by_email("a@example.com")
    assert ana is not None and len(ana.group_ids) == 2
    assert errors(world, import_id) == [(4, "Email address", errors(world, import_id)[0][2])]
    assert (
        world.jobs.get_preview(import_id) == [] and f"imports/{import_id}/file.csv" not in world.files.files
    )
    assert world.service.preview(job) is None


def test_the_applied_run_keeps_its_options_across_continuations() -> None:
    # Given existing customers and a previewed mode=create import that needs three invocations
    world = build(rows_per_batch=2, continue_below_ms=10**10)  # hand over after every batch
    seed = "Email address;First Name;Last name\na@example.com;Ana;Ruiz\nc@example.com;Cy;Cole\n"
    seeded = upload(world, seed, ImportOptions())
    deliver(world, seeded)
    run_marker(world, seeded)
    assert world.service.get(seeded).created == 2
    content = (
        "Email address;First Name;Last name\n"
        "a@example.com;Changed;Name\nb@example.com;Bob;Berg\n"
        "c@example.com;Changed;Too\nd@example.com;Di;Dale\n"
        "e@example.com;Ed;Eve\n"
    )
    import_id = upload(world, content, ImportOptions(mode="create", preview=True))
    preview = deliver(world, import_id)
    assert preview.status == "previewed" and (preview.created, preview.rows_read) == (3, 5)

    # When it is applied and every continuation runs
    world.service.apply(import_id)
    for _ in range(5):
        run_marker(world, import_id)

    # Then every invocation skipped the existing customers (mode create held), nothing else
    job = world.service.get(import_id)
    assert job.continuation >= 3 and (job.status, job.created, job.updated) == (
        "completed_with_warnings",
        3,
        0,
    )
    assert [(w.column, w.count) for w in job.warnings] == [("Email address", 2)]
    ana = world.customers.get_by_email("a@example.com")
    assert ana is not None and ana.first_name == "Ana"


def test_an_address_preview_writes_nothing_and_mode_create_keeps_existing_addresses() -> None:
    world = build()
    deliver(
        world,
        upload(world, "Email address;First Name;Last name\njohn@example.com;John;Doe\n", ImportOptions()),
    )
    content = (
        "Email address;Alias;First Name;Last name;Address;Postcode;City;Country\n"
        "john@example.com;Home;John;Doe;1 Main St;10001;New York;US\n"
    )
    job = deliver(world, upload(world, content, ImportOptions(preview=True), kind="addresses"))
    assert job.status == "previewed" and job.created == 1
    owner = world.customers.get_by_email("john@example.com")
    assert owner is not None and world.service.addresses.for_customer(owner.id, 10, None)[0] == []
    rows = world.service.preview(job)
    assert rows is not None and rows[0].action == "create" and rows[0].values["country"] == "US"

    deliver(world, upload(world, content, ImportOptions(), kind="addresses"))
    changed = content.replace("1 Main St", "2 Main St")
    job = deliver(world, upload(world, changed, ImportOptions(mode="create"), kind="addresses"))
    assert (job.status, job.created, job.updated) == ("completed_with_warnings", 0, 0)
    assert job.warnings[0].reason == "already exists, skipped (mode create)"
    (address,), _ = world.service.addresses.for_customer(owner.id, 10, None)
    assert address.address1 == "1 Main St"


def test_a_preview_never_applied_expires_with_its_file_and_rows() -> None:
    world = build()
    import_id = upload(world, GROUPS, ImportOptions(preview=True))
    assert deliver(world, import_id).status == "previewed"
    clock = world.service.clock  # type: ignore[attr-defined]
    clock.advance(days=PREVIEW_TTL.days - 1)
    world.service.resume_stalled()
    assert world.service.get(import_id).status == "previewed"
    clock.advance(days=2)
    world.service.resume_stalled()
    job = world.service.get(import_id)
    assert job.status == "failed" and "expired" in (job.failure or "")
    assert (
        world.jobs.get_preview(import_id) == [] and f"imports/{import_id}/file.csv" not in world.files.files
    )
    # The watchdog's write is the only one: expiring twice changes nothing
    world.service.resume_stalled()
    assert world.service.get(import_id) == job


def test_a_preview_never_keeps_a_password_not_even_of_a_skipped_row() -> None:
    # Given an existing customer and a mode=create preview of a file with passwords for it and a new one
    world = build()
    deliver(
        world, upload(world, "Email address;First Name;Last name\na@example.com;Ana;Ruiz\n", ImportOptions())
    )
    content = (
        "Email address;First Name;Last name;Password;Password hash\n"
        "a@example.com;Ana;Ruiz;plain-Secret-1;\n"
        "b@example.com;Bob;Berg;;$2y$10$abcdefghijklmnopqrstuuJ9JH3X6M8F5yqR7yX8VlV1zQ0Q2Y3aC\n"
    )
    job = deliver(world, upload(world, content, ImportOptions(mode="create", preview=True)))

    # Then the skipped row and the created one are shown, neither with its password or hash
    rows = world.service.preview(job)
    assert rows is not None and [r.action for r in rows] == ["skip", "create"]
    for row in rows:
        assert "password" not in row.values and "password_hash" not in row.values
        assert "plain-Secret-1" not in repr(row) and "$2y$" not in repr(row)
