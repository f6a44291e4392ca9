"""The customer export's layouts: ours, and the files the systems merchants move between read.

- `clientele`: our import format (API.md "Imports"), `;`-separated with the trailing `;`.
- `prestashop-import`: the header of PrestaShop's own sample import file
  (`docs/csv_import/customers_import.csv`), so the file goes straight into its CSV import.
- `prestashop8`: what PrestaShop 8's back office writes from Customers > Export
  (`CustomerController::exportAction`: `;`-separated, `fputcsv`, no trailing `;`).
- `shopify`: Shopify's customer import template (`customer_template.csv`), comma-separated.

Every layout re-imports through our importer (the round-trip tests). None holds a password hash:
the PrestaShop import's password column stays empty, as a hash of ours means nothing there and
is a secret besides. Where a layout has an id column it holds our customer id, which our re-import
matches first (Shopify's has none: its rows match by e-mail).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, get_args

from chalicelib.customers.domain import Customer

ExportFormat = Literal["clientele", "prestashop-import", "prestashop8", "shopify"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)


@dataclass(frozen=True)
class ExportContext:
    """What a row needs beside the customer: the shop's names for titles and groups."""

    titles: dict[str, str]  # title id → name
    groups: dict[str, str]  # group id → name
    b2b: bool
    today: date


@dataclass(frozen=True)
class ExportLayout:
    header: tuple[str, ...]
    delimiter: str
    # Our format ends every line with ";" (as PrestaShop 1.6's list export did); the others don't.
    trailing: bool
    row: Callable[[Customer, ExportContext], list[str]]
    filename: str


def _datetime(moment: datetime | None, empty: str = "") -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else empty


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _age(birthday: date | None, today: date) -> str:
    if birthday is None:
        return "-"
    years = today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))
    return str(years)


def _groups_in_order(customer: Customer) -> list[str]:
    """The default group first: an importer that takes the first listed group as the default
    (ours without a group map, PrestaShop's) gets the right one back."""
    ordered = [customer.default_group_id, *(g for g in customer.group_ids if g != customer.default_group_id)]
    return [g for g in ordered if g]


def _company(customer: Customer, context: ExportContext) -> str:
    return str(customer.b2b.get("company") or "") if context.b2b else ""


def _clientele(customer: Customer, context: ExportContext) -> list[str]:
    return [
        customer.id,
        context.titles.get(customer.title_id or "", "-") if customer.title_id else "-",
        customer.last_name,
        customer.first_name,
        customer.email,
        _age(customer.birthday, context.today),
        _flag(customer.enabled),
        _flag(customer.newsletter),
        _flag(customer.optin),
        _datetime(customer.registered_at, "-"),
        _datetime(customer.last_visit_at, "-"),
        customer.birthday.isoformat() if customer.birthday else "-",
        _company(customer, context) or "-",
        "|".join(context.groups.get(g, g) for g in _groups_in_order(customer)),
        customer.language,
    ]


def _prestashop_title_id(customer: Customer) -> str:
    # The column's own legend: Mr = 1, Ms = 2, else 0. Our default titles keep PrestaShop's ids.
    return customer.title_id if customer.title_id in ("1", "2") else "0"


def _prestashop_import(customer: Customer, context: ExportContext) -> list[str]:
    return [
        customer.id,
        _flag(customer.enabled),
        _prestashop_title_id(customer),
        customer.email,
        "",  # Password: never a hash, never anything
        customer.birthday.isoformat() if customer.birthday else "",
        customer.last_name,
        customer.first_name,
        _flag(customer.newsletter),
        _flag(customer.optin),
        # PrestaShop's importer takes "Y-m-d" or "Y-m-d H:i:s" here; the time keeps the round trip exact.
        _datetime(customer.registered_at),
        # PrestaShop separates groups with ",", and reads each as an id or a name.
        ",".join(context.groups.get(g, g) for g in _groups_in_order(customer)),
        customer.default_group_id or "",
    ]


def _prestashop8(customer: Customer, context: ExportContext) -> list[str]:
    return [
        customer.id,
        context.titles.get(customer.title_id or "", "") if customer.title_id else "",
        customer.first_name,
        customer.last_name,
        customer.email,
        context.groups.get(customer.default_group_id or "", customer.default_group_id or ""),
        _company(customer, context),
        customer.total_spent,
        _flag(customer.enabled),
        _flag(customer.newsletter),
        _flag(customer.optin),
        _datetime(customer.registered_at),
        _datetime(customer.last_visit_at),
    ]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _shopify(customer: Customer, context: ExportContext) -> list[str]:
    # The address columns describe Shopify's "default address"; a customer's addresses are not
    # read per row (one more request for each customer), so they stay empty here.
    return [
        customer.first_name,
        customer.last_name,
        customer.email,
        _yes_no(customer.newsletter),
        _company(customer, context),
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "no",  # Accepts SMS Marketing: no consent of that kind is held here
        # Shopify's tags are comma-separated: the customer's groups, default first.
        ", ".join(context.groups.get(g, g) for g in _groups_in_order(customer)),
        "",  # Note: the merchant's private note stays in the back office
        "no",
    ]


LAYOUTS: dict[str, ExportLayout] = {
    "clientele": ExportLayout(
        (
            "ID",
            "Title",
            "Last name",
            "First Name",
            "Email address",
            "Age",
            "Enabled",
            "News.",
            "Opt.",
            "Registration",
            "Last visit",
            "Birthday",
            "Company",
            "Groups",
            "Language",
        ),
        ";",
        True,
        _clientele,
        "customers.csv",
    ),
    "prestashop-import": ExportLayout(
        (
            "Customer ID",
            "Active (0/1)",
            "Titles ID (Mr = 1, Ms = 2, else 0)",
            "Email *",
            "Password *",
            "Birthday (yyyy-mm-dd)",
            "Last Name *",
            "First Name *",
            "Newsletter (0/1)",
            "Opt-in (0/1)",
            "Registration date (yyyy-mm-dd)",
            "Groups (x,y,z...)",
            "Default group ID",
        ),
        ";",
        False,
        _prestashop_import,
        "customers_import.csv",
    ),
    "prestashop8": ExportLayout(
        (
            "ID",
            "Social title",
            "First name",
            "Last name",
            "Email address",
            "Group",
            "Company",
            "Sales",
            "Enabled",
            "Newsletter",
            "Partner offers",
            "Registration",
            "Last visit",
        ),
        ";",
        False,
        _prestashop8,
        "customer.csv",
    ),
    "shopify": ExportLayout(
        (
            "First Name",
            "Last Name",
            "Email",
            "Accepts Email Marketing",
            "Default Address Company",
            "Default Address Address1",
            "Default Address Address2",
            "Default Address City",
            "Default Address Province Code",
            "Default Address Country Code",
            "Default Address Zip",
            "Default Address Phone",
            "Phone",
            "Accepts SMS Marketing",
            "Tags",
            "Note",
            "Tax Exempt",
        ),
        ",",
        False,
        _shopify,
        "customer_template.csv",
    ),
}
