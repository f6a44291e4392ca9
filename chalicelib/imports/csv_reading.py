"""Reading an uploaded file as text: the encoding (over the whole stream), the delimiter and the
Excel title rows to skip. Every file Excel writes is read: UTF-8 with or without BOM, Windows-1252
("CSV (separator: ;)" on a French or Spanish Windows), UTF-16 LE/BE with BOM ("Unicode text",
tab-separated) and UTF-16 without BOM.

`encoding=auto` never decides from a sample: the file is decoded as strict UTF-8 as it streams,
and the first byte that isn't UTF-8 decides what the file is. While everything before it was
ASCII, the file is Windows-1252 from that byte on (ASCII is the same in both, so nothing already
read is wrong). Once real UTF-8 (an accent, a BOM) was read, the file mixes two encodings and no
guess is safe: the import stops on the line that first failed to decode. Nothing is ever replaced
by "�" in silence.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Sequence
from typing import IO, Any

from chalicelib.imports.domain import ImportOptions

DELIMITERS = (";", ",", "\t", "|")
# How much of the file the delimiter (and UTF-16 without BOM) is decided from. The encoding is
# NOT decided from it: see _Decoded.
SAMPLE_SIZE = 65536
_CHUNK = 65536

# Option value → Python codec. "utf-16" is resolved to LE or BE from the BOM or the NUL pattern.
_CODECS = {"utf-8": "utf-8", "windows-1252": "cp1252", "iso-8859-1": "latin-1", "utf-16": "utf-16"}
_LABELS = {
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252",
    "latin-1": "ISO-8859-1",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
}
_OPTION_VALUES = "auto, utf-8, windows-1252, iso-8859-1 or utf-16"
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}


class CsvFormatError(ValueError):
    """The file as a whole can't be read (no header, no e-mail column, binary data)."""


class DecodingError(CsvFormatError):
    """A byte the file's encoding can't decode: the import stops on its line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


class ByteCounter:
    def __init__(self) -> None:
        self.count = 0


def _utf16_without_bom(sample: bytes) -> str | None:
    """The UTF-16 codec ("utf-16-le"/"utf-16-be") when the sample has the NUL pattern of UTF-16
    text (one byte of nearly every pair is 0: Latin text), else None. A binary file has NULs on
    both sides."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sum(1 for b in sample[0 : pairs * 2 : 2] if b == 0)
    odd = sum(1 for b in sample[1 : pairs * 2 : 2] if b == 0)
    if odd > pairs * 0.5 and even < pairs * 0.05:
        return "utf-16-le"
    if even > pairs * 0.5 and odd < pairs * 0.05:
        return "utf-16-be"
    return None


def detect_encoding(sample: bytes, encoding: str = "auto") -> tuple[str, int]:
    """(codec, BOM length) to start reading with. For "auto" without a BOM this is "utf-8", which
    may still turn into Windows-1252 further on (see _Decoded). Raises: CsvFormatError (binary)."""
    if encoding != "auto":
        codec = _CODECS.get(encoding)
        if codec is None:
            raise CsvFormatError(f"The encoding option must be one of {_OPTION_VALUES}.")
        if codec == "utf-8":
            return codec, len(codecs.BOM_UTF8) if sample.startswith(codecs.BOM_UTF8) else 0
        if codec == "utf-16":
            if sample.startswith(codecs.BOM_UTF16_LE):
                return "utf-16-le", 2
            if sample.startswith(codecs.BOM_UTF16_BE):
                return "utf-16-be", 2
            # Excel writes UTF-16 little-endian; the NUL pattern tells a big-endian file.
            return _utf16_without_bom(sample) or "utf-16-le", 0
        return codec, 0
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if sample.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if sample.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    utf16 = _utf16_without_bom(sample[:4096])
    if utf16:
        return utf16, 0
    if b"\x00" in sample:
        raise CsvFormatError("The file is not a text CSV file.")
    return "utf-8", 0


def _decoder(codec: str) -> Callable[[bytes, bool], tuple[str, int]]:
    """(text, bytes consumed) of a chunk; a multi-byte character cut at the chunk's end stays
    unconsumed unless final. Raises UnicodeDecodeError whose start is an offset in the chunk."""
    if codec == "utf-8":
        return lambda data, final: codecs.utf_8_decode(data, "strict", final)
    if codec == "utf-16-le":
        return lambda data, final: codecs.utf_16_le_decode(data, "strict", final)
    if codec == "utf-16-be":
        return lambda data, final: codecs.utf_16_be_decode(data, "strict", final)
    return lambda data, final: (data.decode(codec), len(data))


class _Decoded(io.RawIOBase):
    """The file decoded as it streams, handed on as UTF-8 (to an io.TextIOWrapper, which gives
    csv its universal-newline lines). Counts the line breaks handed on, so that a byte that can't
    be decoded is reported on its line; the text before that byte is handed on first, and the
    error is raised only when the reader asks for more, i.e. on the very line."""

    def __init__(self, source: Any, counter: ByteCounter, codec: str, utf8_bom: bool, forced: bool) -> None:
        self._source = source
        self._counter = counter
        self._codec = codec
        self._decode = _decoder(codec)
        self._forced = forced
        self._pending = b""  # bytes read but not decoded yet (a cut multi-byte character)
        self._out = b""
        self._error: DecodingError | None = None
        self._eof = False
        self._ascii_so_far = not utf8_bom  # a UTF-8 BOM is real UTF-8: no Windows-1252 after it
        self._lines = 0  # line breaks handed on
        self._after_cr = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._out:
            if self._error is not None:
                raise self._error
            if self._eof:
                return 0
            self._fill()
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size

    def _fill(self) -> None:
        # read1: what one read of the source gives, so rows are handed on as the bytes arrive.
        data = self._source.read1(_CHUNK)
        self._counter.count += len(data)
        final = not data
        self._eof = final
        data = self._pending + data
        out: list[bytes] = []
        while data:
            try:
                decoded, consumed = self._decode(data, final)
            except UnicodeDecodeError as error:
                good = data[: error.start]
                decoded, _ = self._decode(good, True) if good else ("", 0)
                out.append(self._utf8(good, decoded))
                self._see(decoded)
                if self._codec == "utf-8" and not self._forced and self._ascii_so_far:
                    # Only ASCII so far: the same text in Windows-1252, which the rest is.
                    self._codec, self._decode = "cp1252", _decoder("cp1252")
                    data = data[error.start :]
                    continue
                self._error = self._failure(self._lines + 1)
                self._pending = b""
                break
            out.append(self._utf8(data[:consumed], decoded))
            self._see(decoded)
            self._pending = data[consumed:]
            break
        self._out += b"".join(out)

    def _utf8(self, raw: bytes, decoded: str) -> bytes:
        # Bytes that decoded as UTF-8 are handed on as they are: no need to encode them again.
        return raw if self._codec == "utf-8" else decoded.encode("utf-8")

    def _see(self, text: str) -> None:
        if not text:
            return
        if self._ascii_so_far and not text.isascii():
            self._ascii_so_far = False
        breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
        if self._after_cr and text.startswith("\n"):
            breaks -= 1  # a CRLF cut between two chunks is one break
        self._lines += breaks
        self._after_cr = text.endswith("\r")

    def _failure(self, line: int) -> DecodingError:
        label = _LABELS.get(self._codec, self._codec)
        if self._forced:
            message = (
                f"Line {line} can't be read as {label}: set the `encoding` option to the file's "
                f"encoding ({_OPTION_VALUES})."
            )
        elif self._codec == "utf-8":
            message = (
                f"Line {line} is not UTF-8 although the text before it is: the file mixes two "
                f"encodings. Save it again as UTF-8, or set the `encoding` option ({_OPTION_VALUES})."
            )
        elif self._codec == "cp1252":
            message = (
                f"Line {line} can't be read as UTF-8 nor as Windows-1252: set the `encoding` option "
                f"to the file's encoding ({_OPTION_VALUES}; iso-8859-1 reads any byte)."
            )
        else:
            message = (
                f"Line {line} can't be read as {label}: save the file again, or set the `encoding` "
                f"option ({_OPTION_VALUES})."
            )
        return DecodingError(line, message)


def detect_delimiter(header_line: str, following: Sequence[str] = ()) -> str:
    """The delimiter that cuts the header row into the most columns, among those that cut the
    next rows into as many (a header such as "Groups (x,y,z...)" has commas in a `;` file)."""
    best, best_score = ";", (0, 0)
    for delimiter in DELIMITERS:
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        if len(header) < 2:
            continue
        rows = [next(csv.reader([line], delimiter=delimiter), []) for line in following if line.strip()]
        consistent = sum(1 for row in rows if len(row) == len(header))
        score = (consistent, len(header))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _option_delimiter(value: str) -> str:
    delimiter = _DELIMITER_NAMES.get(value.lower(), value)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise CsvFormatError("The delimiter option must be one character (;  ,  tab or |).")
    return delimiter


def open_text(
    stream: IO[bytes], options: ImportOptions | None = None, sample_size: int = SAMPLE_SIZE
) -> tuple[io.TextIOBase, str, ByteCounter]:
    """Wrap a binary stream (S3 body, file) as text, without reading it whole. Returns the text
    stream, the delimiter, and a counter of the bytes read so far (for progress).
    Raises: CsvFormatError (binary file, bad option); reading the text raises DecodingError."""
    options = options or ImportOptions()
    counter = ByteCounter()
    buffered = io.BufferedReader(_Counted(stream), sample_size)
    sample = buffered.peek(sample_size)[:sample_size]
    codec, bom = detect_encoding(sample, options.encoding)
    if bom:
        counter.count += len(buffered.read(bom))
    decoded = _Decoded(buffered, counter, codec, codec == "utf-8" and bom > 0, options.encoding != "auto")
    text = io.TextIOWrapper(io.BufferedReader(decoded, _CHUNK), encoding="utf-8", newline="")
    if options.delimiter:
        delimiter = _option_delimiter(options.delimiter)
    else:
        # For detection only: a bad byte here is reported by the reading itself, on its line.
        sample_codec = codec if codec.startswith("utf-16") or options.encoding != "auto" else "utf-8"
        lines = re.split(r"\r\n|\r|\n", _sample_text(sample[bom:], sample_codec))
        if len(sample) == sample_size:
            lines = lines[:-1]  # cut by the sample's end
        head = lines[options.skip_lines : options.skip_lines + 10]
        delimiter = detect_delimiter(head[0], head[1:]) if head else ";"
    return text, delimiter, counter


def _sample_text(sample: bytes, codec: str) -> str:
    try:
        return _decoder(codec)(sample, False)[0]
    except UnicodeDecodeError:
        return sample.decode("cp1252" if codec == "utf-8" else codec, errors="replace")


class _Counted(io.RawIOBase):
    """Adapts any object with read(n) (botocore's StreamingBody) to io.RawIOBase."""

    def __init__(self, source: Any) -> None:
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
