"""Privacy responses (domain objects → API shapes)."""

from __future__ import annotations

from chalicelib.addresses.schemas import AddressResponse
from chalicelib.carts.domain import Voucher
from chalicelib.core.files import FileStore
from chalicelib.customers.account_schemas import ConnectionRecordResponse, PersonalDataResponse
from chalicelib.customers.domain import PendingRegistration
from chalicelib.customers.schemas import CustomerResponse
from chalicelib.handlers.cart_presenters import cart_summary, order_response
from chalicelib.handlers.thread_presenters import _event, message_response, thread_response
from chalicelib.privacy.domain import CONSENT_CHANNELS, Consent, ErasureJob
from chalicelib.privacy.export import PersonalData
from chalicelib.privacy.schemas import ConsentResponse, ConsentsResponse, ErasureResponse, ImportRowResponse


def consent_response(consent: Consent) -> ConsentResponse:
    return ConsentResponse(
        channel=consent.channel,
        state=consent.state,
        level=consent.level,
        source=consent.source,
        at=consent.at,
    )


def current_consents(consents: tuple[Consent, ...]) -> list[ConsentResponse]:
    """Every channel, those never set as `not_subscribed`."""
    by_channel = {c.channel: c for c in consents}
    return [
        consent_response(by_channel[channel])
        if channel in by_channel
        else ConsentResponse(channel=channel, state="not_subscribed", level=None, source=None, at=None)
        for channel in CONSENT_CHANNELS
    ]


def consents_response(current: tuple[Consent, ...], history: list[Consent]) -> ConsentsResponse:
    return ConsentsResponse(current=current_consents(current), history=[consent_response(c) for c in history])


def erasure_response(job: ErasureJob) -> ErasureResponse:
    return ErasureResponse(
        customer_id=job.customer_id,
        requested_by=job.requested_by,
        started_at=job.started_at,
        step=job.step,
        done=job.done,
        finished_at=job.finished_at,
        items_changed=job.items_changed,
    )


def _voucher(voucher: Voucher) -> dict[str, object]:
    return {
        "code": voucher.code,
        "cart_id": voucher.cart_id,
        "percent": format(voucher.percent.normalize(), "f"),
        "valid_until": voucher.valid_until.isoformat(),
        "created_at": voucher.created_at.isoformat(),
        "used_by_order": voucher.used_by_order,
    }


def personal_data_response(data: PersonalData, files: FileStore) -> PersonalDataResponse:
    customer = data.view.customer
    threads = []
    for view in data.threads:
        threads.append(
            thread_response(view.thread).model_dump(mode="json")
            | {
                "messages": [
                    message_response(m, view.thread, files).model_dump(mode="json", by_alias=True)
                    for m in view.messages
                ],
                "events": [_event(e).model_dump(mode="json") for e in view.events],
            }
        )
    return PersonalDataResponse(
        exported_at=data.exported_at,
        profile=CustomerResponse.model_validate(customer),
        groups=list(customer.group_ids),
        last_connections=[
            ConnectionRecordResponse(at=c.at, ip=c.ip, user_agent=c.user_agent) for c in data.view.connections
        ],
        addresses=[AddressResponse.model_validate(a).model_dump(mode="json") for a in data.view.addresses],
        consents=current_consents(customer.consents),
        consent_history=[consent_response(c) for c in data.consent_history],
        import_rows=[
            ImportRowResponse(import_id=r.import_id, line=r.line, action=r.action, at=r.at)
            for r in customer.import_rows
        ],
        carts=[cart_summary(cart).model_dump(mode="json") for cart in data.carts],
        orders=[order_response(order).model_dump(mode="json") for order in data.orders],
        vouchers=[_voucher(v) for v in data.vouchers],
        threads=threads,
        open_links=[
            {"purpose": purpose, "valid_until": until.isoformat()} for purpose, until in data.open_links
        ],
        erasure=erasure_response(data.erasure) if data.erasure else None,
        guest_consents=[
            {"channel": channel, "source": source, "at": at} for channel, source, at in data.guest_consents
        ],
        stored_files=[{"kind": f.kind, "ref": f.ref} for f in data.stored_files],
        pending_registration=_pending(data.pending_registration),
    )


def _pending(registration: PendingRegistration | None) -> dict[str, object] | None:
    if registration is None:
        return None
    return {
        "requested_at": registration.requested_at.isoformat(),
        "valid_until": registration.valid_until.isoformat(),
        "details": dict(registration.profile),
    }
