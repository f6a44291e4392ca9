"""Reading the values merchants' files hold (issue 17 §2): countries by code or by name in English,
French and Spanish, social titles by id or label, dates in the file's own order (decided once per
file), groups by name or by the source system's id.

Pure functions and small per-run objects: no AWS, no settings. pycountry is imported inside the
function that needs it (cold start: `app.py` imports the import service).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from chalicelib.core.countries import COUNTRY_CODES
from chalicelib.core.text import fold
from chalicelib.imports.csv_format import CsvFormatError, parse_date, parse_datetime
from chalicelib.imports.domain import DateFormat, ImportOptions
from chalicelib.shop.domain import ConfigEntry, Title

# -- countries -------------------------------------------------------------------------------------
# Names merchants write that are neither ISO's English name nor its French/Spanish translation.
COUNTRY_ALIASES: dict[str, str] = {
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "grande bretagne": "GB",
    "angleterre": "GB",
    "gran bretana": "GB",
    "inglaterra": "GB",
    "usa": "US",
    "us": "US",
    "america": "US",
    "united states of america": "US",
    "etats unis d amerique": "US",
    "eeuu": "US",
    "ee uu": "US",
    "estados unidos de america": "US",
    "deutschland": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "nederland": "NL",
    "espana": "ES",
    "italia": "IT",
    "schweiz": "CH",
    "suisse": "CH",
    "svizzera": "CH",
    "osterreich": "AT",
    "belgie": "BE",
    "belgique": "BE",
    "portugal": "PT",
    "brasil": "BR",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "iran": "IR",
    "syria": "SY",
    "vietnam": "VN",
    "laos": "LA",
    "taiwan": "TW",
    "czech republic": "CZ",
    "republique tcheque": "CZ",
    "republica checa": "CZ",
    "turkey": "TR",
    "turquie": "TR",
    "turquia": "TR",
    "ivory coast": "CI",
    "macedonia": "MK",
    "moldova": "MD",
    "tanzania": "TZ",
    "venezuela": "VE",
    "bolivia": "BO",
    "vatican": "VA",
    "palestine": "PS",
    "hong kong": "HK",
    "macau": "MO",
    "cape verde": "CV",
    "swaziland": "SZ",
    "burma": "MM",
    "east timor": "TL",
}
UNKNOWN_COUNTRY = "unknown country: write its ISO code (FR, US...) or its name in English, French or Spanish"


def _country_key(value: str) -> str:
    # "U.S.A." and "USA", "Côte d'Ivoire" and "cote divoire", "Royaume-Uni" and "royaume uni" meet.
    folded = re.sub(r"[.'\u2019]", "", fold(value))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


@functools.cache
def _country_names() -> dict[str, str]:
    """Folded name → alpha-2, built once per process from pycountry's ISO 3166-1 data and its
    French and Spanish gettext catalogues (the msgids are the English names)."""
    import gettext

    import pycountry

    catalogues = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        for language in ("fr", "es")
    ]
    names: dict[str, str] = {}
    for country in pycountry.countries:
        code = str(country.alpha_2)
        names.setdefault(_country_key(str(country.alpha_3)), code)
        for attribute in ("name", "common_name", "official_name"):
            english = getattr(country, attribute, None)
            if not english:
                continue
            for label in (english, *(catalogue.gettext(english) for catalogue in catalogues)):
                names.setdefault(_country_key(label), code)
    names.update(COUNTRY_ALIASES)
    return names


def country_code(value: str) -> str:
    """The ISO 3166-1 alpha-2 code of a country written as a code (alpha-2 or alpha-3) or a name.
    Raises: ValueError (unknown)."""
    text = value.strip()
    if len(text) == 2 and text.upper() in COUNTRY_CODES:
        return text.upper()
    code = _country_names().get(_country_key(text))
    if code is None:
        raise ValueError(UNKNOWN_COUNTRY)
    return code


# -- titles ----------------------------------------------------------------------------------------
# Titles as merchants write them, in English, French and Spanish → PrestaShop's default title ids.
_TITLE_WORDS = {
    "m": "1",
    "mr": "1",
    "mister": "1",
    "monsieur": "1",
    "sr": "1",
    "senor": "1",
    "don": "1",
    "mrs": "2",
    "ms": "2",
    "miss": "2",
    "mme": "2",
    "madame": "2",
    "mlle": "2",
    "mademoiselle": "2",
    "sra": "2",
    "senora": "2",
    "srta": "2",
    "senorita": "2",
    "dona": "2",
}
# PrestaShop's importer: "Titles ID (Mr = 1, Ms = 2, else 0)" — 0 is "no title", not an error.
NO_TITLE = "0"


def title_id(value: str, titles: Sequence[Title], exists: Callable[[str], bool]) -> str | None:
    """Our title id for a title written as an id or a label; None for PrestaShop's 0 (none).
    Raises: ValueError (unknown)."""
    if any(t.id == value for t in titles):
        return value
    if value.strip() == NO_TITLE:
        return None
    folded = re.sub(r"[^a-z]", "", fold(value))
    for title in titles:
        if re.sub(r"[^a-z]", "", fold(title.name)) == folded:
            return title.id
    if folded in _TITLE_WORDS and exists(_TITLE_WORDS[folded]):
        return _TITLE_WORDS[folded]
    raise ValueError("unknown title")


# -- dates -----------------------------------------------------------------------------------------
SlashOrder = Literal["dd/mm/yyyy", "mm/dd/yyyy"]
# A day, month and four-digit year with "/" or "." (Excel's re-saves), optionally a time.
_SLASH = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
AMBIGUOUS_DATES = (
    "The file's dates can be read as day/month or as month/day (no day is above 12): "
    "set the import's date_format option to dd/mm/yyyy or mm/dd/yyyy."
)
AMBIGUOUS_DATE = "ambiguous date (day/month or month/day): set the import's date_format option"
# The row fields that hold dates (customers).
DATE_FIELDS = ("birthday", "registration", "last_visit")


class AmbiguousDatesError(CsvFormatError):
    """Every day/month date of the file's first batch could be read either way, and the import
    has no date_format: guessing would import birthdays a month off, so the import stops."""


@dataclass
class DateReader:
    """Dates as the file writes them. ISO always reads; day/month dates follow `option`, or, with
    `auto`, the order decided from the file's first unambiguous value (a day above 12). The
    decision is per file: it is kept on the job (`detected_date_format`), so a continuation or a
    later batch reads the same way."""

    option: DateFormat = "auto"
    decided: SlashOrder | None = None

    @property
    def order(self) -> SlashOrder | None:
        if self.option in ("dd/mm/yyyy", "mm/dd/yyyy"):
            return self.option
        return self.decided if self.option == "auto" else None

    def settle(self, values: Iterable[str], *, first_batch: bool) -> None:
        """Decide the file's day/month order from a batch's date cells, if not decided yet.
        Raises: AmbiguousDatesError (first batch, only ambiguous values)."""
        if self.option != "auto" or self.decided is not None:
            return
        day_first = month_first = ambiguous = 0
        for value in values:
            match = _SLASH.fullmatch(value.strip())
            if match is None:
                continue
            first, second = int(match.group(1)), int(match.group(2))
            if first > 12 >= second:
                day_first += 1
            elif second > 12 >= first:
                month_first += 1
            else:
                ambiguous += 1
        if day_first or month_first:
            # Mixed orders: the majority wins; the other values are row errors when read.
            self.decided = "mm/dd/yyyy" if month_first > day_first else "dd/mm/yyyy"
        elif ambiguous and first_batch:
            raise AmbiguousDatesError(AMBIGUOUS_DATES)

    def read_date(self, value: str) -> date:
        """Raises: ValueError."""
        if _ISO_DATE.match(value):
            return parse_date(value)
        return self._slash(value).date()  # a time after a birthday (Excel's date cells) is dropped

    def read_datetime(self, value: str) -> datetime:
        """A moment (UTC when the file gives no zone). Raises: ValueError."""
        if _SLASH.fullmatch(value.strip()):
            return self._slash(value)
        return parse_datetime(value)  # ISO-8601, with or without a time or a zone

    def _slash(self, value: str) -> datetime:
        match = _SLASH.fullmatch(value.strip())
        if match is None:
            raise ValueError("must be a date (YYYY-MM-DD, or as the import's date_format says)")
        order = self.order
        if order is None:
            if self.option == "iso":
                raise ValueError("must be a date (YYYY-MM-DD): the import's date_format is iso")
            raise ValueError(AMBIGUOUS_DATE)
        first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        day, month = (first, second) if order == "dd/mm/yyyy" else (second, first)
        hour, minute, second_ = (int(match.group(n) or 0) for n in (4, 5, 6))
        try:
            return datetime(year, month, day, hour, minute, second_, tzinfo=UTC)
        except ValueError:
            raise ValueError(f"not a valid date in the file's date format ({order})") from None


# -- groups ----------------------------------------------------------------------------------------
UNKNOWN_GROUP = "unknown group, not assigned (set create_missing_groups, or map its id in group_map)"
UNKNOWN_GROUP_ID = "unknown group id, not assigned (map it in group_map)"
NO_KNOWN_GROUP = "no known group: the customer keeps the shop's default customer group"
GROUP_TO_CREATE = "new group: created when the import is applied (create_missing_groups)"
DEFAULT_NOT_MAPPED = "default group id not in group_map: the first listed group is the default"
# Our older exports separated groups with "|": always a separator, whatever the option says.
ALWAYS_SEPARATOR = "|"


def imported_group_id(name: str) -> str:
    """The id of a group created by an import, derived from its folded name, so that every batch,
    every redelivery and every concurrent run creating "Carribean" lands on the same item (a
    conditional put), never on a second group."""
    folded = fold(name)
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:32] or "group"
    return f"import-{slug}-{hashlib.sha256(folded.encode()).hexdigest()[:8]}"


@dataclass
class GroupsRead:
    group_ids: list[str]
    default_group_id: str | None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (field, reason)


class GroupResolver:
    """Groups of one import run: by our id, by name in any language, or by the source system's id
    through `group_map`. With create_missing_groups, `create(id, name)` makes a missing group
    (0 % reduction) and says whether it exists now (a preview's says no: it writes nothing);
    otherwise an unknown group is a warning and the row keeps its known ones."""

    def __init__(
        self,
        entries: Callable[[], list[ConfigEntry]],
        options: ImportOptions,
        create: Callable[[str, str], bool] | None = None,
    ) -> None:
        self._entries = entries
        self._options = options
        self._create = create if options.create_missing_groups else None
        self._names: dict[str, str] | None = None

    def _lookup(self) -> dict[str, str]:
        if self._names is None:
            names: dict[str, str] = {}
            for entry in self._entries():
                for label in (
                    entry.id,
                    str(entry.data.get("name", "")),
                    *(str(n) for n in (entry.data.get("names") or {}).values()),
                ):
                    if fold(label):
                        names.setdefault(fold(label), entry.id)
            self._names = names
        return self._names

    def split(self, raw: str) -> list[str]:
        """The listed groups: split on "|" and on the file's separator, except where a piece is
        one of our group names as a whole ("Wholesale, EU" in a file our export wrote with "|")."""
        separator = self._options.multi_value_separator or ","
        names = self._lookup()
        parts: list[str] = []
        for piece in raw.split(ALWAYS_SEPARATOR):
            if fold(piece) in names or separator == ALWAYS_SEPARATOR:
                parts.append(piece)
            else:
                parts.extend(piece.split(separator))
        return [part.strip() for part in parts if part.strip()]

    def one(self, name: str) -> tuple[str | None, str | None]:
        """(our group id, None) for one listed group, or (None, the warning's reason)."""
        mapped = self._options.group_map.get(name)
        if mapped is not None:
            return mapped, None
        names = self._lookup()
        found = names.get(fold(name))
        if found is not None:
            return found, None
        if name.isdigit():
            return None, UNKNOWN_GROUP_ID  # the source's id: only group_map can say which group
        if self._create is None:
            return None, UNKNOWN_GROUP
        group_id = imported_group_id(name)
        if not self._create(group_id, name[:64]):
            return None, GROUP_TO_CREATE  # a preview writes nothing, groups included
        names[fold(name)] = group_id
        return group_id, None

    def read(self, groups: str | None, default: str | None) -> GroupsRead:
        warnings: list[tuple[str, str]] = []
        resolved: list[str] = []
        for name in self.split(groups or ""):
            group_id, reason = self.one(name)
            if group_id is None:
                warnings.append(("groups", reason or UNKNOWN_GROUP))
            else:
                resolved.append(group_id)
        resolved = list(dict.fromkeys(resolved))
        default_id: str | None = None
        if default is not None:
            default_id = self._options.group_map.get(default.strip()) or self._lookup().get(fold(default))
            if default_id is None:
                if resolved:
                    warnings.append(("default_group", DEFAULT_NOT_MAPPED))
            elif default_id not in resolved:
                # PrestaShop's default group is one of the customer's groups, listed or not.
                resolved.insert(0, default_id)
        if not resolved:
            if groups is not None or default is not None:
                warnings.append(("groups" if groups is not None else "default_group", NO_KNOWN_GROUP))
            return GroupsRead([], None, warnings)
        return GroupsRead(resolved, default_id or resolved[0], warnings)


# -- addresses -------------------------------------------------------------------------------------
SKIPPED_BRAND = "brand (manufacturer) address, skipped: only customer addresses are imported"
SKIPPED_SUPPLIER = "supplier address, skipped: only customer addresses are imported"
SKIPPED_INACTIVE = "inactive address (Active = 0), skipped"


def skipped_address(values: dict[str, str | None]) -> tuple[str, str] | None:
    """(field, reason) when an address row is not a customer's: PrestaShop's importer also takes
    brand and supplier addresses, which name a manufacturer or supplier and no customer."""
    if values.get("email") or values.get("customer_id"):
        return None
    if values.get("manufacturer"):
        return "manufacturer", SKIPPED_BRAND
    if values.get("supplier"):
        return "supplier", SKIPPED_SUPPLIER
    return None


# -- one run ---------------------------------------------------------------------------------------
@dataclass
class ValueReader:
    """The value readers of one import run (kept on the run, never on the shared service) and the
    warnings of the row being read, which the batch takes once the row is applied."""

    dates: DateReader
    groups: GroupResolver
    pending: list[tuple[str, str]] = field(default_factory=list)  # (field, reason)

    def warn(self, name: str, reason: str) -> None:
        self.pending.append((name, reason))

    def take(self) -> list[tuple[str, str]]:
        taken, self.pending = self.pending, []
        return taken
