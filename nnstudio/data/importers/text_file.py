"""Is a file a text table at all, and in which encoding: the checks before any CSV parsing.

A PNG, a gzip archive or an executable renamed to .csv is refused by its first bytes or its
control characters, with the byte where binary data begins, instead of being parsed into
nonsense rows. The encoding is guessed from a byte-order mark, from the zero bytes of UTF-16,
or by trying UTF-8, else Latin-1.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pyarrow

from nnstudio.core.errors import DataError

# Files people rename to .csv by mistake, by their first bytes.
BINARY_SIGNATURES = {
    b"\x1f\x8b": "gzip-compressed data; decompress it first",
    b"PK\x03\x04": "a zip archive (or an Excel .xlsx workbook); extract or export it as CSV first",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"BZh": "bzip2-compressed data; decompress it first",
    b"\xfd7zXZ": "xz-compressed data; decompress it first",
    b"\x93NUMPY": "a NumPy array; give it the extension .npy",
    b"PAR1": "a Parquet file",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Office file; export it as CSV first",
    b"SQLite format 3": "an SQLite database",
}
# Control characters never found in a text table (tab, newlines and form feed are fine).
_CONTROL = bytes([*range(0, 9), *range(14, 32), 127])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)


def _first_control(data: bytes) -> int | None:
    """Where the first control character is; `translate` scans a megabyte in a millisecond."""
    found = set(data.translate(None, _NOT_CONTROL))
    return min(data.find(bytes([b])) for b in found) if found else None


def check_text(path: Path, head: bytes, encoding: str) -> None:
    """Raise DataError when the start of the file is binary data rather than a text table."""
    for signature, what in BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise DataError(f"{path} is not a text table: binary data at byte 0 ({what})")
    if wide_encoding(encoding):  # find the place in the decoded text, then count its bytes
        text = decode_head(head, encoding, str(path))
        at = _first_control(text.encode("latin-1", errors="replace"))
        at = len(text[:at].encode(encoding)) if at is not None else None
    else:
        at = _first_control(head)
    if at is not None:
        raise DataError(f"{path} is not a text table: binary data at byte {at}")


def sniff_encoding(head: bytes) -> str:
    """UTF-16 by its byte-order mark or its zero bytes, else UTF-8 when it decodes, else Latin-1."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    even, odd = head[0:2000:2], head[1:2000:2]
    if len(head) >= 4 and odd.count(0) > 0.4 * len(odd) and not even.count(0):
        return "utf-16-le"
    if len(head) >= 4 and even.count(0) > 0.4 * len(even) and not odd.count(0):
        return "utf-16-be"
    return "utf-8" if _is_utf8(head) else "latin-1"


def encoding_problem(encoding: str) -> str | None:
    """Why codec `encoding` cannot read a text file, in words ("is an unknown encoding", "is
    not a text encoding", "cannot read text files"), or None when it can.

    "rot13" and "hex" are codecs, but not of text; "idna" or "punycode" encode text but cannot
    read a file's lines with damaged bytes replaced, as the CSV reader hands them over (in
    pyarrow's buffers, which Python 3.13's punycode takes for bytes and fails on). What a codec
    can do is tried, not looked up by name.
    """
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        return "is an unknown encoding"
    try:
        sample = "a,b\r\n1,\u00e9\r\n".encode(encoding, errors="replace")  # LookupError: not text
        codec.incrementaldecoder(errors="replace").decode(pyarrow.py_buffer(sample + b"\xff"),
                                                          final=True)
    except LookupError:
        return "is not a text encoding"
    except (UnicodeError, ValueError, TypeError, AttributeError):
        return "cannot read text files"
    return None


def wide_encoding(encoding: str) -> bool:
    """Whether a newline takes more than one byte, so bytes cannot be split at b"\\n"."""
    return codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))


def decode_head(head: bytes, encoding: str, where: str = "the file") -> str:
    """The text of the first bytes of a file; a character cut at the end is left out.

    DataError when the encoding refuses the file outright, as "utf-16" does a file without a
    byte-order mark (errors="replace" only covers single bad characters).
    """
    try:
        return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    except UnicodeError as exc:
        raise DataError(f"{where} cannot be read as {encoding} ({exc}); choose the encoding with "
                        f"its byte order, e.g. utf-16-le or utf-16-be") from None


def _is_utf8(head: bytes) -> bool:
    try:
        # final=False: the sample may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True
