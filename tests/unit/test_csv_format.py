import io

import pytest

from chalicelib.services import csv_format

PRESTASHOP = (
    "ID;Title;Last name;First Name;Email address;Age;Enabled;News.;Opt.;Registration;Last visit;\n"
    "2;1;Gorred;Francis;francis@example.com;-;1;0;0;2013-07-04 15:20:02;2013-07-04 15:18:50;\n"
)


def rows_of(data: bytes) -> tuple[str, list[tuple[int, list[str]]]]:
    text, delimiter, _ = csv_format.open_text(io.BytesIO(data))
    return delimiter, list(csv_format.read_rows(text, delimiter))


@pytest.mark.parametrize(
    "data",
    [
        PRESTASHOP.encode("utf-8"),
        b"\xef\xbb\xbf" + PRESTASHOP.encode("utf-8"),
        PRESTASHOP.replace("\n", "\r\n").encode("utf-8"),
        PRESTASHOP.encode("cp1252"),
    ],
)
def test_encodings_and_line_endings(data: bytes) -> None:
    delimiter, rows = rows_of(data)
    assert delimiter == ";"
    assert rows[0][1][0] == "ID" and rows[1][1][4] == "francis@example.com"


def test_windows_1252_accents_are_decoded() -> None:
    _, rows = rows_of("Nom;Prénom;Adresse e-mail\nNúñez;Élodie;e@example.com\n".encode("cp1252"))
    assert rows[1][1][:2] == ["Núñez", "Élodie"]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiters_are_detected(delimiter: str) -> None:
    data = (
        delimiter.join(["Email address", "First Name", "Last name"])
        + "\na@example.com"
        + delimiter
        + "A"
        + delimiter
        + "B\n"
    )
    found, rows = rows_of(data.encode())
    assert found == delimiter and rows[1][1] == ["a@example.com", "A", "B"]


def test_quoted_fields_with_delimiters_and_newlines_keep_line_numbers() -> None:
    data = (
        b'Email address;Last name\n"a@example.com";"Smith; Jr"\n'
        b'"b@example.com";"two\nlines"\nc@example.com;C\n'
    )
    _, rows = rows_of(data)
    assert [(line, cells[1]) for line, cells in rows[1:]] == [(2, "Smith; Jr"), (3, "two\nlines"), (5, "C")]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Email address", "email"),
        ("Adresse e-mail", "email"),
        ("Dirección de correo electrónico", "email"),
        ("Prénom", "first_name"),
        ("NOMBRE", "first_name"),
        ("Apellido", "last_name"),
        ("Dernière visite", "last_visit"),
        ("Última visita", "last_visit"),
        ("News.", "newsletter"),
        ("Boletín", "newsletter"),
        ("Opt-in", "optin"),
        ("Activé", "enabled"),
        ("Tratamiento", "title"),
        ("Inscription", "registration"),
    ],
)
def test_headers_in_three_languages(header: str, field: str) -> None:
    assert csv_format.HEADER_ALIASES[csv_format.header_key(header)] == field


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", True), ("oui", True), ("Sí", True), ("TRUE", True), ("0", False), ("non", False), ("no", False)],
)
def test_booleans(raw: str, value: bool) -> None:
    assert csv_format.parse_bool(raw) is value


def test_bad_values_say_why_without_echoing() -> None:
    with pytest.raises(ValueError, match="yes/no") as error:
        csv_format.parse_bool("perhaps")
    assert "perhaps" not in str(error.value)
    with pytest.raises(ValueError, match="date"):
        csv_format.parse_datetime("yesterday")


def test_empty_markers_and_formula_cells() -> None:
    assert csv_format.clean("-") is None and csv_format.clean("0000-00-00 00:00:00") is None
    assert csv_format.neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_format.neutralise("-") == "-"
    assert csv_format.clean("'=HYPERLINK(1)") == "=HYPERLINK(1)"
    assert list(csv_format.csv_lines([["a;b", "=1+1"]])) == ['"a;b";\'=1+1;\r\n']


def test_binary_files_are_refused() -> None:
    with pytest.raises(csv_format.CsvFormatError):
        csv_format.open_text(io.BytesIO(b"\x00\x01\x02PK"))
