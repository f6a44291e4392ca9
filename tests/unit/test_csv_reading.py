"""Reading every file Excel writes (issue 17 §3): the encoding over the whole stream, UTF-16, the
delimiter, CRLF and title rows; the bytes are written here as Excel writes them."""

from __future__ import annotations

import codecs
import io
from typing import Any

import pytest

from chalicelib.imports import csv_format
from chalicelib.imports.domain import ImportOptions

HEADER = "Email address;First Name;Last name"
FILLER = "".join(f"p{n:05d}@example.com;Paul;Martin\r\n" for n in range(2500))  # ~80 KiB of ASCII


def rows_of(data: bytes, **options: Any) -> tuple[str, list[Any]]:
    opts = ImportOptions(**options)
    text, delimiter, _ = csv_format.open_text(io.BytesIO(data), opts)
    return delimiter, list(csv_format.read_rows(text, delimiter, opts.skip_lines))


def cells(rows: list[Any]) -> list[list[str]]:
    return [row[1] for row in rows]


def test_windows_1252_whose_first_accent_comes_after_70_kib_is_read_whole() -> None:
    data = (HEADER + "\r\n" + FILLER + "helene@example.com;Hélène;Müller\r\n").encode("cp1252")
    assert data.index(b"\xe9") > 70 * 1024
    delimiter, rows = rows_of(data)
    assert delimiter == ";" and rows[-1] == (2502, ["helene@example.com", "Hélène", "Müller"])
    assert len(rows) == 2502 and not any(isinstance(r, csv_format.Unreadable) for r in rows)


def test_utf8_then_windows_1252_stops_on_the_line_that_fails_and_names_the_option() -> None:
    data = (HEADER + "\nzoe@example.com;Zoé;Roux\n" + FILLER).encode() + "x@example.com;Hélène;M\n".encode(
        "cp1252"
    )
    with pytest.raises(csv_format.DecodingError) as error:
        rows_of(data)
    assert error.value.line == 2503
    assert str(error.value).startswith("Line 2503 ") and "`encoding`" in str(error.value)
    assert "Hélène" not in str(error.value)


def test_a_utf8_bom_counts_as_utf8_so_a_later_windows_1252_byte_stops_the_import() -> None:
    data = codecs.BOM_UTF8 + (HEADER + "\n").encode() + "x@example.com;Hélène;M\n".encode("cp1252")
    with pytest.raises(csv_format.DecodingError, match=r"^Line 2 "):
        rows_of(data)


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF16_LE + "Email address\tFirst Name\r\nh@example.com\tHélène\r\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "Email address\tFirst Name\r\nh@example.com\tHélène\r\n".encode("utf-16-be"),
        "Email address\tFirst Name\r\nh@example.com\tHélène\r\n".encode("utf-16-le"),  # no BOM
        "Email address\tFirst Name\r\nh@example.com\tHélène\r\n".encode("utf-16-be"),
        codecs.BOM_UTF8 + "Email address;First Name\r\nh@example.com;Hélène\r\n".encode(),
        "Email address,First Name\nh@example.com,Hélène\n".encode(),
        "Email address|First Name\rh@example.com|Hélène\r".encode("cp1252"),  # old Mac line ends
    ],
    ids=["utf16-le-bom", "utf16-be-bom", "utf16-le", "utf16-be", "utf8-bom", "comma-lf", "pipe-cr"],
)
def test_excel_variants(data: bytes) -> None:
    _, rows = rows_of(data)
    assert cells(rows) == [["Email address", "First Name"], ["h@example.com", "Hélène"]]
    assert [line for line, _ in rows] == [1, 2]


def test_utf16_crlf_cut_between_two_reads_keeps_line_numbers() -> None:
    body = "".join(f"p{n}@example.com\tÉ\r\n" for n in range(5000))
    data = codecs.BOM_UTF16_LE + ("Email address\tFirst Name\r\n" + body).encode("utf-16-le")
    _, rows = rows_of(data)
    assert rows[-1] == (5001, ["p4999@example.com", "É"])


def test_a_forced_encoding_is_used_and_an_undecodable_byte_fails_naming_the_line() -> None:
    data = (HEADER + "\nzoe@example.com;Zoé;Roux\n").encode()
    # Forced Windows-1252 reads UTF-8 bytes as what they are in Windows-1252: the merchant chose.
    assert rows_of(data, encoding="windows-1252")[1][1][1][1] == "ZoÃ©"
    with pytest.raises(csv_format.DecodingError, match=r"^Line 3 can't be read as UTF-8.*`encoding`"):
        rows_of(data + b"x@example.com;\xe9;M\n", encoding="utf-8")
    with pytest.raises(csv_format.DecodingError, match=r"^Line 2 can't be read as Windows-1252"):
        rows_of((HEADER + "\nx@example.com;A;B\x81\n").encode("latin-1"), encoding="windows-1252")
    assert rows_of(b"Email\n\x81@example.com\n", encoding="iso-8859-1")[1][1][1] == ["\x81@example.com"]
    utf16 = "Email\tName\nh@example.com\tH\n".encode("utf-16-be")
    assert rows_of(utf16, encoding="utf-16")[1][1] == (2, ["h@example.com", "H"])


def test_a_truncated_utf8_character_at_the_end_of_the_file_is_reported() -> None:
    with pytest.raises(csv_format.DecodingError, match=r"^Line 2 "):
        rows_of(b"Email\nh\xc3\xa9l\xc3")


def test_the_delimiter_option_and_title_rows_to_skip() -> None:
    data = b"Customers;;\r\nExported 2024-01-02;;\r\nEmail address,First Name\r\na@example.com,A\r\n"
    delimiter, rows = rows_of(data, skip_lines=2)
    assert delimiter == "," and rows == [(3, ["Email address", "First Name"]), (4, ["a@example.com", "A"])]
    assert rows_of(b"Email address;First Name\na@example.com;A;B\n", delimiter="|")[0] == "|"
    assert rows_of(b"Email\tName\n", delimiter="tab")[0] == "\t"
    with pytest.raises(csv_format.CsvFormatError, match="delimiter option"):
        rows_of(b"Email\n", delimiter="ab")


def test_a_header_with_commas_in_a_semicolon_file_is_still_semicolon() -> None:
    data = b'Email *;Groups (x,y,z...);Default group ID\na@example.com;"Customer, Guest";3\n'
    assert rows_of(data)[0] == ";"


def test_real_binaries_are_still_refused_as_not_text() -> None:
    with pytest.raises(csv_format.CsvFormatError, match="not a text CSV file"):
        rows_of(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00b\xee\x9dh^\x01\x00\x00\x90\x04")
