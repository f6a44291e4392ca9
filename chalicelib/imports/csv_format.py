"""The customers CSV format (PrestaShop's, `;`-separated, headers in English, French or Spanish):
encoding and delimiter detection, header matching, value parsing, and the export writer (the
export layouts themselves are in export_layouts.py)."""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO

from chalicelib.core.text import fold
from chalicelib.imports import layouts as import_layouts
from chalicelib.imports.csv_reading import DELIMITERS as DELIMITERS
from chalicelib.imports.csv_reading import ByteCounter as ByteCounter
from chalicelib.imports.csv_reading import CsvFormatError as CsvFormatError
from chalicelib.imports.csv_reading import DecodingError as DecodingError
from chalicelib.imports.csv_reading import detect_delimiter as detect_delimiter
from chalicelib.imports.csv_reading import detect_encoding as detect_encoding
from chalicelib.imports.csv_reading import open_text as open_text

EMPTY = {"", "-", "0000-00-00", "0000-00-00 00:00:00"}
TRUE = {"1", "yes", "y", "oui", "si", "true", "vrai", "verdadero", "x"}
FALSE = {"0", "no", "n", "non", "false", "faux", "falso"}
# Cells that a spreadsheet would run as a formula get a leading apostrophe on export (and lose it
# on import, so an export re-imports unchanged). "-" alone is the format's "no value".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Folded header (letters and digits only) → field, for the fields the import stores: views of
# the label tables in import_layouts (PrestaShop, Shopify, WooCommerce; English, French, Spanish).
HEADER_ALIASES: dict[str, str] = {
    key: field
    for key, field in import_layouts.ALIASES["customers"].items()
    if field in import_layouts.STORED_FIELDS["customers"]
}
ADDRESS_HEADER_ALIASES: dict[str, str] = {
    key: field
    for key, field in import_layouts.ALIASES["addresses"].items()
    if field in import_layouts.STORED_FIELDS["addresses"]
}


# Bounds on what one record may be. A cell longer than MAX_FIELD_CHARS is a row error; a quoted
# value running over more than MAX_RECORD_LINES lines or MAX_RECORD_CHARS characters is taken for
# an unclosed quote. MAX_RECORD_CHARS stays below csv's own field limit (131,072), so that limit,
# whose error would end the whole file, is never reached.
MAX_FIELD_CHARS = 10_000
MAX_RECORD_LINES = 10
MAX_RECORD_CHARS = 100_000
UNCLOSED_QUOTE = (
    f"a quoted value is not closed within {MAX_RECORD_LINES} lines; this line was skipped and "
    "reading went on with the next one"
)


def header_key(cell: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(cell))


@dataclass(frozen=True)
class Unreadable:
    """A record the reader could not take as it is: reported as a row error on `line` (and on the
    cell at `position` when only that cell is at fault), never applied, never silently merged."""

    line: int
    reason: str
    position: int | None = None


Row = tuple[int, list[str]]


class _RecordTooLongError(Exception):
    """The record being read runs past MAX_RECORD_LINES or MAX_RECORD_CHARS: a runaway quote."""


class _LineTooLongError(Exception):
    def __init__(self, line: int) -> None:
        super().__init__("line too long")
        self.line = line


class _Lines:
    """The physical lines csv.reader consumes, bounded, remembering the lines of the record being
    read so that, when a record turns out to be unreadable, its lines after the first can be read
    again as records of their own. csv.reader starts a fresh record on every next() (even after an
    error), so one reader can go on past any bad record."""

    def __init__(self, text: IO[str], skip_lines: int = 0) -> None:
        self._text = text
        self._replay: deque[tuple[int, str]] = deque()
        self._number = 0
        self._skip = skip_lines
        self.taken: list[tuple[int, str]] = []
        self._chars = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._replay:
            number, line = self._replay.popleft()
        else:
            # Bounded read: a file that is one endless line never sits whole in memory.
            line = self._text.readline(MAX_RECORD_CHARS + 1)
            while self._skip and line:
                # Title rows above the header (options.skip_lines): physical lines, still counted
                # so that every line number is the one the merchant sees in the file.
                if line.endswith(("\n", "\r")):
                    self._skip -= 1
                    self._number += 1
                line = self._text.readline(MAX_RECORD_CHARS + 1)
            if not line:
                if self.taken:  # the file ends inside a quoted value
                    raise _RecordTooLongError
                raise StopIteration
            self._number += 1
            number = self._number
            if len(line) > MAX_RECORD_CHARS:
                while line and not line.endswith(("\n", "\r")):
                    line = self._text.readline(65536)
                raise _LineTooLongError(number)
        taken = self.taken
        taken.append((number, line))
        self._chars += len(line)
        if self._chars > MAX_RECORD_CHARS or len(taken) > MAX_RECORD_LINES:
            raise _RecordTooLongError
        return line

    def record_done(self) -> int:
        """The first line of the record just read; starts the next one."""
        first = self.taken[0][0]
        self.taken.clear()
        self._chars = 0
        return first

    def record_failed(self) -> int | None:
        """Drops the first line of the record being read (returned) and reads the others again."""
        if not self.taken:
            return None
        (first, _), *rest = self.taken
        self._replay.extendleft(reversed(rest))
        self.taken, self._chars = [], 0
        return first


def read_rows(text: IO[str], delimiter: str, skip_lines: int = 0) -> Iterator[Row | Unreadable]:
    """(first line number of the record, cells) for every record after the first `skip_lines`
    physical lines; quoted fields may span lines, up to MAX_RECORD_LINES. What can't be read is an
    Unreadable on its line, and reading goes on with the next line: a stray quote costs its own
    line, not the rest of the file. Raises: DecodingError (a byte the encoding can't decode)."""
    lines = _Lines(text, skip_lines)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=False)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except _LineTooLongError as error:
            # The lines before it in the same record (a quote left open) are read again.
            first = lines.record_failed()
            if first is not None:
                yield Unreadable(first, UNCLOSED_QUOTE)
            yield Unreadable(error.line, f"the line is longer than {MAX_RECORD_CHARS:,} characters")
            continue
        except _RecordTooLongError:
            first = lines.record_failed()
            if first is not None:
                yield Unreadable(first, UNCLOSED_QUOTE)
            continue
        except csv.Error as error:
            first = lines.record_failed()
            if first is not None:
                reason = "contains a NUL character" if "NUL" in str(error) else "this line is not valid CSV"
                yield Unreadable(first, reason)
            continue
        line = lines.record_done()
        if cells and max(map(len, cells)) > MAX_FIELD_CHARS:
            too_long = next(i for i, cell in enumerate(cells) if len(cell) > MAX_FIELD_CHARS)
            yield Unreadable(line, f"longer than {MAX_FIELD_CHARS:,} characters", too_long)
        else:
            yield line, cells


def clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value in EMPTY:
        return None
    if value.startswith("'") and value[1:2] in FORMULA_START and len(value) > 1:
        value = value[1:]
    return value


def parse_bool(value: str) -> bool:
    folded = fold(value)
    if folded in TRUE:
        return True
    if folded in FALSE:
        return False
    raise ValueError("must be a yes/no value (0/1, yes/no, oui/non, sí/no, true/false)")


def parse_datetime(value: str) -> datetime:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?", value):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be a date and time (YYYY-MM-DD HH:MM:SS or ISO-8601)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError("must be a date (YYYY-MM-DD)") from None


# -- export ----------------------------------------------------------------------------------------
def neutralise(cell: str) -> str:
    if cell and cell != "-" and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def csv_lines(rows: Iterable[Iterable[str]], delimiter: str = ";", *, trailing: bool = True) -> Iterator[str]:
    """CSV lines, formula-safe; by default `;`-separated with our format's trailing `;`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    end = [""] if trailing else []
    for row in rows:
        writer.writerow([*(neutralise(c) for c in row), *end])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
