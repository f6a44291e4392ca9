"""The customers CSV format (PrestaShop's, `;`-separated, headers in English, French or Spanish):
encoding and delimiter detection, header matching, value parsing, and the export writer."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import IO, Any

from chalicelib.text import fold

DELIMITERS = (";", ",", "\t")
EMPTY = {"", "-", "0000-00-00", "0000-00-00 00:00:00"}
TRUE = {"1", "yes", "y", "oui", "si", "true", "vrai", "verdadero", "x"}
FALSE = {"0", "no", "n", "non", "false", "faux", "falso"}
# Cells that a spreadsheet would run as a formula get a leading apostrophe on export (and lose it
# on import, so an export re-imports unchanged). "-" alone is the format's "no value".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

EXPORT_HEADER = (
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
)

# Folded header (letters and digits only) → field. English, French and Spanish variants.
_HEADER_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "idcustomer", "reference"),
    "title": ("title", "socialtitle", "titre", "civilite", "tratamiento", "titulo", "gender"),
    "last_name": ("lastname", "nom", "apellido", "apellidos", "surname"),
    "first_name": ("firstname", "prenom", "nombre"),
    "email": (
        "emailaddress",
        "email",
        "adresseemail",
        "courriel",
        "mail",
        "direcciondecorreoelectronico",
        "correoelectronico",
        "correo",
    ),
    "age": ("age", "edad"),
    "enabled": ("enabled", "active", "actif", "active", "activo", "activado", "estado"),
    "newsletter": ("news", "newsletter", "boletin", "boletindenoticias", "lettredinformation"),
    "optin": ("opt", "optin", "partneroffers", "offrespartenaires", "ofertasdesocios"),
    "registration": (
        "registration",
        "registered",
        "inscription",
        "dateinscription",
        "registro",
        "fechaderegistro",
    ),
    "last_visit": ("lastvisit", "dernierevisite", "derniereconnexion", "ultimavisita", "connection"),
    "birthday": (
        "birthday",
        "birthdate",
        "datedenaissance",
        "anniversaire",
        "fechadenacimiento",
        "cumpleanos",
    ),
    "company": ("company", "societe", "entreprise", "empresa", "compania"),
    "groups": ("groups", "group", "groupes", "groupe", "grupos", "grupo"),
    "language": ("language", "lang", "langue", "idioma"),
    "password": ("password", "motdepasse", "contrasena", "clave"),
}
HEADER_ALIASES: dict[str, str] = {
    alias: field for field, aliases in _HEADER_FIELDS.items() for alias in aliases
}

ADDRESS_HEADER_FIELDS: dict[str, tuple[str, ...]] = {
    "email": _HEADER_FIELDS["email"] + ("customeremail", "customeremailaddress", "emailducustomer"),
    "alias": ("alias", "addressalias", "nomdeladresse"),
    "company": _HEADER_FIELDS["company"],
    "first_name": _HEADER_FIELDS["first_name"],
    "last_name": _HEADER_FIELDS["last_name"],
    "vat_number": ("vatnumber", "vat", "numerodetva", "tva", "nif", "numerodeiva"),
    "dni": ("dni", "identificationnumber", "numerodidentification"),
    "address1": ("address1", "address", "adresse", "direccion", "direccion1", "adresse1"),
    "address2": ("address2", "adresse2", "direccion2", "complement"),
    "postcode": ("postcode", "zipcode", "zip", "postalcode", "codepostal", "codigopostal", "cp"),
    "city": ("city", "ville", "ciudad", "localidad"),
    "state": ("state", "etat", "region", "province", "provincia", "estado"),
    "country": ("country", "pays", "pais", "countrycode", "codepays"),
    "phone": ("phone", "telephone", "telefono"),
    "phone_mobile": ("mobilephone", "phonemobile", "mobile", "portable", "movil", "telefonomovil"),
    "other": ("other", "autre", "otro", "note"),
}
ADDRESS_HEADER_ALIASES: dict[str, str] = {
    alias: field for field, aliases in ADDRESS_HEADER_FIELDS.items() for alias in aliases
}


class CsvFormatError(ValueError):
    """The file as a whole can't be read (no header, no e-mail column, binary data)."""


def header_key(cell: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(cell))


def detect_encoding(sample: bytes) -> tuple[str, int]:
    """(codec, BOM length). UTF-8 when the sample decodes as UTF-8, else Windows-1252."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvFormatError("UTF-16 files are not supported; save the file as UTF-8.")
    try:
        # The sample may end inside a multi-byte character: decode incrementally, not final.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8", 0
    except UnicodeDecodeError:
        return "cp1252", 0


def detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


class ByteCounter:
    def __init__(self) -> None:
        self.count = 0


def open_text(stream: IO[bytes], sample_size: int = 65536) -> tuple[io.TextIOBase, str, ByteCounter]:
    """Wrap a binary stream (S3 body, file) as text, without reading it whole. Returns the text
    stream, the delimiter, and a counter of the bytes read so far (for progress)."""
    counter = ByteCounter()
    buffered = io.BufferedReader(_Raw(stream, counter), 65536)
    sample = buffered.peek(sample_size)[:sample_size]
    if b"\x00" in sample:
        raise CsvFormatError("The file is not a text CSV file.")
    encoding, bom = detect_encoding(sample)
    if bom:
        buffered.read(bom)
    text = io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline="")
    first_line = sample[bom:].split(b"\n", 1)[0].decode(encoding, errors="replace")
    return text, detect_delimiter(first_line), counter


class _Raw(io.RawIOBase):
    """Adapts any object with read(n) (botocore's StreamingBody) to io.RawIOBase."""

    def __init__(self, source: Any, counter: ByteCounter) -> None:
        self._source = source
        self._counter = counter

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        self._counter.count += len(data)
        return len(data)


def read_rows(text: IO[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number of the record, cells) for every record; quoted fields may span lines."""
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', strict=False)
    previous_end = 0
    for cells in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        yield start, cells


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


def csv_lines(rows: Iterable[Iterable[str]]) -> Iterator[str]:
    """`;`-separated lines with the format's trailing `;`, formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([*(neutralise(c) for c in row), ""])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def format_datetime(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"
