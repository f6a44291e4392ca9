from chalicelib.core.text import fold, normalise_email
from chalicelib.models import keys


def test_fold_removes_case_and_accents_so_alvarez_sorts_before_berg() -> None:
    assert fold("Álvarez") == "alvarez"
    assert fold("  Ñúñez   Ávila ") == "nunez avila"
    assert sorted(["Berg", "Álvarez", "zimmer", "Ångström"], key=fold) == [
        "Álvarez",
        "Ångström",
        "Berg",
        "zimmer",
    ]


def test_email_identity_is_case_insensitive() -> None:
    assert normalise_email(" John.DOE@Example.COM ") == "john.doe@example.com"


def test_sort_key_puts_missing_values_first_and_keeps_ids_unique() -> None:
    assert keys.sort_key(None, "01A") == "!\x0101A"
    assert keys.sort_key("ana", "x") < keys.sort_key("ana maria", "a")
    assert keys.sort_key("2026-01-01", "01A") < keys.sort_key("2026-01-02", "01A")
    assert keys.sort_key(None, "01A") < keys.sort_key("1990-01-01", "01A")


def test_key_builders() -> None:
    assert keys.customer_pk("01A") == "CUSTOMER#01A"
    assert keys.email_pk("a@b.c") == "EMAIL#a@b.c"
    assert keys.customer_flags_pk(True, True, True, False, False) == "CUSTOMERS#FLAGS#11100"
    assert keys.membership_sk("customer") == "GROUP#customer"
    assert keys.group_members_pk("vip") == "GROUP#vip"
    assert keys.employee_email_pk("x@y.z") == "EMPLOYEE_EMAIL#x@y.z"
    assert keys.throttle_pk("login", "abc") == "THROTTLE#login#abc"
    assert keys.connection_sk("2026-11-23T10:00:00Z", "001").startswith(keys.connection_prefix())
