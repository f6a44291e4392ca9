import io
from typing import Any

import pytest

from chalicelib.imports import csv_format

PRESTASHOP = (
    "ID;Title;Last name;First Name;Email address;Age;Enabled;News.;Opt.;Registration;Last visit;\n"
    "2;1;Gorred;Francis;francis@example.com;-;1;0;0;2013-07-04 15:20:02;2013-07-04 15:18:50;\n"
)


def rows_of(data: bytes) -> tuple[str, list[Any]]:
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


# -- fields and quotes that would have stopped the file or swallowed it (issue 16 §3.1) -----------
def readable(rows: list[Any]) -> list[tuple[int, str]]:
    """(line, first cell) of the records read, and (line, reason) of the ones that could not be."""
    return [
        (row.line, row.reason) if isinstance(row, csv_format.Unreadable) else (row[0], row[1][0])
        for row in rows
    ]


def test_a_field_over_the_csv_module_limit_is_one_unreadable_line_and_reading_goes_on() -> None:
    # 200,000 characters: over csv's own 131,072-character limit, whose error used to end the file.
    data = b"Email;Note\na@example.com;" + b"x" * 200_000 + b"\nb@example.com;B\n"
    _, rows = rows_of(data)
    assert readable(rows) == [
        (1, "Email"),
        (2, "the line is longer than 100,000 characters"),
        (3, "b@example.com"),
    ]


def test_a_quoted_field_over_the_limit_costs_its_line_only() -> None:
    data = b'Email;Note\na@example.com;"' + b"x" * 200_000 + b'"\nb@example.com;B\n'
    _, rows = rows_of(data)
    assert [line for line, _ in readable(rows)] == [1, 2, 3]
    assert isinstance(rows[1], csv_format.Unreadable) and rows[2][1] == ["b@example.com", "B"]


def test_a_cell_over_ten_thousand_characters_is_an_error_on_its_column() -> None:
    data = (
        b"Email;Note;City\na@example.com;"
        + b"x" * 10_001
        + b";Paris\nb@example.com;"
        + b"y" * 10_000
        + b";Lyon\n"
    )
    _, rows = rows_of(data)
    assert rows[1] == csv_format.Unreadable(2, "longer than 10,000 characters", 1)
    assert rows[2] == (3, ["b@example.com", "y" * 10_000, "Lyon"])


def test_an_unclosed_quote_on_a_small_file_does_not_swallow_the_rest() -> None:
    data = b'Email;Name\na@example.com;"Ann\nb@example.com;Bob\nc@example.com;Cy\n'
    _, rows = rows_of(data)
    assert readable(rows) == [
        (1, "Email"),
        (2, csv_format.UNCLOSED_QUOTE),
        (3, "b@example.com"),
        (4, "c@example.com"),
    ]


def test_a_quote_running_over_more_than_ten_lines_is_an_unclosed_quote() -> None:
    rows_text = "".join(f"r{n}@example.com;N{n}\n" for n in range(30))
    data = ('Email;Name\nq@example.com;"open\n' + rows_text + 'z@example.com;"closed\nacross two"\n').encode()
    _, rows = rows_of(data)
    found = readable(rows)
    assert found[1] == (2, csv_format.UNCLOSED_QUOTE)
    assert found[2:] == [(3 + n, f"r{n}@example.com") for n in range(30)] + [(33, "z@example.com")]
    assert rows[-1][1] == ["z@example.com", "closed\nacross two"]


def test_a_multi_line_quoted_value_within_the_bounds_is_one_record() -> None:
    note = "\n".join(f"line {n}" for n in range(10))
    data = f'Email;Note\na@example.com;"{note}"\nb@example.com;B\n'.encode()
    _, rows = rows_of(data)
    assert rows[1] == (2, ["a@example.com", note]) and rows[2] == (12, ["b@example.com", "B"])
