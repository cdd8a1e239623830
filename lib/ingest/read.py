"""Reading and decoding one corpus entry: size and binary checks, encodings, Unicode normalisation."""

from __future__ import annotations

import codecs
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# ----------------------------------------------------------------------------------------------
# Documented limits. Each one is a reason a file can be rejected; the notebook prints them.

MAX_BYTES = 2_000_000  # a news article is tens of KB; 2 MB of "text" is a dump, a book or binary


MAX_CONTROL_SHARE = 0.01  # more than 1% control characters: not text


class Rejected(Exception):
    """A file that cannot become a document; the message is the human-readable reason."""


# ----------------------------------------------------------------------------------------------
# Reading and decoding

MAGIC_NUMBERS = {
    b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (or DOCX/XLSX)", b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image", b"\xff\xd8\xff": "a JPEG image", b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable", b"{\\rtf": "an RTF document", b"\xd0\xcf\x11\xe0": "an MS Office document",
}


def check_entry(path: Path, max_bytes: int = MAX_BYTES) -> int:
    """The size of a readable regular corpus entry, or Rejected saying why it cannot be read.

    lstat first: opening a FIFO would block the build forever, and a broken symlink is the
    realistic 'unreadable file' (we run as root, so permissions rarely stop us). Nothing is read,
    so a 50 MB page or a 2 GB export is judged by its size before a byte of it is decoded.
    """
    try:
        info = path.lstat()
    except OSError as exc:
        raise Rejected(f"cannot be inspected: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(info.st_mode):
        if not path.exists():
            raise Rejected("broken symbolic link: its target does not exist")
        if path.is_dir():
            raise Rejected("symbolic link to a directory: not followed (it could loop)")
        info = path.stat()
    if stat.S_ISFIFO(info.st_mode):
        raise Rejected("not a regular file: a FIFO (named pipe)")
    if stat.S_ISSOCK(info.st_mode):
        raise Rejected("not a regular file: a socket")
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        raise Rejected("not a regular file: a device")
    if not stat.S_ISREG(info.st_mode):
        raise Rejected("not a regular file")
    if info.st_size > max_bytes:
        raise Rejected(f"larger than the {max_bytes:,}-byte size limit ({info.st_size:,} bytes)")
    return info.st_size


def read_entry(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The raw bytes of a corpus entry (see check_entry), or Rejected saying why there are none."""
    check_entry(path, max_bytes)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Rejected(f"unreadable: {exc.strerror or exc}") from exc


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    n_replacement_chars: int


CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls except tab, newlines, \v, \f


def _control_share(text: str) -> float:
    return len(CONTROL_RE.findall(text)) / max(len(text), 1)


def decode(raw: bytes) -> Decoded:
    """Bytes to normalised text: UTF-8 (with or without BOM) first, legacy encodings by detection.

    UTF-8 is tried strictly first because a wrong legacy guess silently garbles every non-ASCII
    name. Text that is valid UTF-8 apart from a few bad bytes stays UTF-8 (the damage is counted
    as U+FFFD) instead of being re-read as a legacy encoding, which would garble the rest.
    """
    if not raw:
        raise Rejected("empty file (0 bytes)")
    for magic, kind in MAGIC_NUMBERS.items():
        if raw.startswith(magic):
            raise Rejected(f"binary: {kind}, not text")
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        text, encoding = raw.decode("utf-16", errors="replace"), "utf-16"
    elif b"\x00" in raw:
        raise Rejected("binary: contains NUL bytes, not text")
    elif raw.startswith(codecs.BOM_UTF8):
        text, encoding = raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    else:
        text, encoding = _decode_without_bom(raw)
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise Rejected("binary: too many control characters for text")
    text = normalise(text)
    return Decoded(text=text, encoding=encoding, n_replacement_chars=text.count("\ufffd"))


def _decode_without_bom(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lenient = raw.decode("utf-8", errors="replace")
    multibyte_ok = sum(1 for ch in lenient if ord(ch) > 127 and ch != "\ufffd")
    if multibyte_ok > 0:  # legacy bytes almost never form valid UTF-8 sequences: this is damaged UTF-8
        return lenient, "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise Rejected("not decodable: no text encoding fits the bytes")
    return str(best), best.encoding


def normalise(text: str) -> str:
    """One newline convention, NFC, no stray BOM: the same article always has the same code points."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return unicodedata.normalize("NFC", text)
