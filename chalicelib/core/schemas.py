"""Shared Pydantic pieces: strict request base, list envelope, error bodies, the response base that
validates from domain objects."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints


class RequestModel(BaseModel):
    """Requests forbid unknown fields (no mass assignment) and strip surrounding spaces.

    cache_strings is off: pydantic-core would otherwise keep up to 16,384 validated strings
    (e-mails, names) alive per process — memory that grows with an import, holding customer data.

    defer_build (here and on ResponseModel): a model builds its validator on first use, not at
    import. The app declares a few hundred models and one function uses a handful; building them
    all was ~100 ms of every cold start (issue 19). The OpenAPI document builds them when asked.
    """

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, cache_strings=False, defer_build=True
    )


class ResponseModel(BaseModel):
    """Responses validate from the domain objects (`XResponse.model_validate(customer)`): one
    mapping per entity instead of a presenter copying it field by field. A field stored under
    another name says so with `validation_alias` (which the OpenAPI document, built in
    serialization mode, does not show); keyword construction by field name keeps working."""

    model_config = ConfigDict(
        extra="forbid",
        from_attributes=True,
        validate_by_name=True,
        validate_by_alias=True,
        defer_build=True,
    )

    @classmethod
    def read_from(cls, *sources: object, **values: Any) -> dict[str, Any]:
        """This response's fields as `model_validate(Attributes(*sources, **values))` reads them,
        as a dict to validate (a list of them for a nested field): `values` first, then the first
        source that has the attribute; a field none has is left out, so its default applies.

        A cart's answer reads some forty attributes on every cart call: an `Attributes` answers
        each in `__getattr__`, after the failed look-up that calls it; here each field is read by
        name, once (devtools/bench_overhead.py, cart line update)."""
        fields: dict[str, Any] = {}
        for name in _input_names(cls):
            if name in values:
                fields[name] = values[name]
                continue
            for source in sources:
                value = getattr(source, name, _ABSENT)
                if value is not _ABSENT:
                    fields[name] = value
                    break
        return fields


@cache
def _input_names(model: type[BaseModel]) -> tuple[str, ...]:
    """The name each field validates from: its `validation_alias`, else its own."""
    names = []
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        if alias is not None and not isinstance(alias, str):
            raise TypeError(f"{model.__name__}.{name}: read_from reads plain string aliases only")
        names.append(alias or name)
    return tuple(names)


_ABSENT = object()


class Attributes:
    """Several objects read as one, for a response whose fields come from more than one domain
    object or are derived at the edge (a presigned URL, a field only staff see): `values` first,
    then each source in order; the first that has the attribute answers."""

    __slots__ = ("_sources", "_values")

    def __init__(self, *sources: object, **values: Any) -> None:
        self._sources = sources
        self._values = values

    def __getattr__(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        # One look-up per source (hasattr then getattr read each found attribute twice): a priced
        # cart's response reads some forty attributes through here on every cart call.
        for source in self._sources:
            value = getattr(source, name, _ABSENT)
            if value is not _ABSENT:
                return value
        raise AttributeError(name)


class ItemsResponse[T](ResponseModel):
    """A whole list (no paging): `{"items": [...]}`."""

    items: list[T]

    @classmethod
    def of(cls, items: Iterable[object], **context: Any) -> Self:
        """The list validated from its domain objects, each item as `T` (`context` reaches each
        item's validators)."""
        return cls.model_validate({"items": list(items)}, context=context or None)


class ListResponse[T](ItemsResponse[T]):
    """One page of a list and the cursor of the next (None on the last page)."""

    next_cursor: str | None

    @classmethod
    def page(cls, items: Iterable[object], cursor: str | None) -> Self:
        """The page validated from its domain objects, each item as `T`."""
        return cls.model_validate({"items": list(items), "next_cursor": cursor})


class ErrorResponse(ResponseModel):
    Code: str
    Message: str
    Fields: dict[str, str] | None = None


Name = Annotated[str, StringConstraints(min_length=1, max_length=255)]
ShortText = Annotated[str, StringConstraints(max_length=255)]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=False)]
Limit = Annotated[int, Field(ge=1, le=200)]
Email = Annotated[EmailStr, StringConstraints(max_length=254)]
# The languages the shop, its mails and the back-office speak.
Language = Literal["en", "fr", "es"]
# A list's `next_cursor`, sent back as ?cursor=.
Cursor = Annotated[str, StringConstraints(max_length=2048)]
# An e-mail address as typed (a sign-in, a filter): not checked as an address, only bounded.
TypedEmail = Annotated[str, StringConstraints(min_length=1, max_length=254)]
# A mailed link's token (reset, verification, erasure), sent back in a body.
LinkToken = Annotated[str, StringConstraints(min_length=1, max_length=512)]


class PageParams(RequestModel):
    """?limit=&cursor= of a paginated list."""

    limit: Limit = 50
    cursor: Cursor | None = None
