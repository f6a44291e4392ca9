"""What the value readers keep in DynamoDB (moto): the file's date order on the job, across runs,
and a group an import creates, once."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.imports.domain import ImportJob
from chalicelib.imports.repository import DynamoImportRepository
from chalicelib.imports.values import imported_group_id
from chalicelib.shop.repository import DynamoConfigRepository
from chalicelib.shop.service import ConfigService
from tests.factories import FIXED_NOW


def test_the_decided_date_order_is_kept_on_the_job_for_the_next_run(aws: None) -> None:
    jobs = DynamoImportRepository()
    job = ImportJob(id="01IMPORTDATES0000000000000", kind="customers", filename="f.csv", created_at=FIXED_NOW)
    jobs.create(job)
    stored = jobs.get(job.id)
    assert stored is not None and stored.detected_date_format is None
    jobs.save(stored, replace(stored, detected_date_format="dd/mm/yyyy", checkpoint_rows=600))
    again = jobs.get(job.id)
    assert again is not None and (again.detected_date_format, again.checkpoint_rows) == ("dd/mm/yyyy", 600)


def test_a_group_an_import_creates_is_created_once(aws: None) -> None:
    config = ConfigService(DynamoConfigRepository())
    group_id = imported_group_id("Carribean")
    assert config.ensure_group(group_id, "Carribean") is True
    # A redelivered batch, a second import or a concurrent run: the conditional put does nothing.
    assert config.ensure_group(group_id, "CARRIBEAN") is False
    groups = [e for e in config.entries("GROUP") if e.id == group_id]
    assert len(groups) == 1 and groups[0].data["name"] == "Carribean"
