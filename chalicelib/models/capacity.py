"""What an item costs DynamoDB to write: its size by DynamoDB's rules and the write units it takes.

Size rules (Developer Guide, "Item sizes and formats"): an attribute is its name's UTF-8 bytes plus
its value's — a string its UTF-8 bytes, a binary its bytes, a number about one byte per two
significant digits plus one, a boolean or null one byte, a list or map 3 bytes plus its elements
(a map's keys counted like names) plus one byte per element. A standard write costs one write unit
per started kilobyte of the item, in the base table and again in every index the item lands in.
"""

from __future__ import annotations

import base64
import math
from typing import Any

WRITE_UNIT_BYTES = 1024


def item_bytes(item: dict[str, dict[str, Any]]) -> int:
    """The size of a low-level item ({"name": {"S": "..."}, ...}), in bytes."""
    total = 0
    for name, value in item.items():
        text = value.get("S")  # most attributes: counted here rather than through _value_bytes
        total += len(name.encode()) + (len(text.encode()) if type(text) is str else _value_bytes(value))
    return total


def write_units(item: dict[str, dict[str, Any]]) -> int:
    """Write units of one standard write of the item (at least one)."""
    return max(1, math.ceil(item_bytes(item) / WRITE_UNIT_BYTES))


def _value_bytes(value: dict[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        return _number_bytes(str(content))
    if kind == "B":
        return len(_binary(content))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in content)
    if kind == "NS":
        return sum(_number_bytes(str(n)) for n in content)
    if kind == "BS":
        return sum(len(_binary(b)) for b in content)
    if kind == "L":
        return 3 + sum(_value_bytes(element) + 1 for element in content)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_bytes(v) + 1 for k, v in content.items())
    raise ValueError(f"not a DynamoDB value type: {kind}")


def _number_bytes(number: str) -> int:
    digits = number.lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def _binary(content: Any) -> bytes:
    # botocore's low-level binary is bytes; PynamoDB's serialized form is base64 text.
    return bytes(content) if isinstance(content, bytes | bytearray) else base64.b64decode(content)
