"""Decode raw page bytes to text without trusting the declared charset blindly.

Order of evidence: byte-order mark, the HTTP charset (``declared``), ``<meta charset>`` /
``http-equiv``, then a content check: every candidate is decoded and the one with the fewest
undecodable bytes and the least mojibake wins, so a GBK page labelled utf-8 (or a utf-8 page
labelled gb2312) still comes out readable. GB2312/GBK labels always decode as GB18030, their superset.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Literal

__all__ = ["Decoded", "decode_html", "decode_page", "header_charset", "normalize_label"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]{0,100}encoding\s*=\s*["']([a-zA-Z0-9_.:-]{2,40})""", re.I)

#: label aliases browsers apply (WHATWG encoding standard, simplified to what Chinese sites use)
_ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "euc-cn": "gb18030",
    "gb18030": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}

#: tried after the declared labels when those do not decode cleanly
_FALLBACKS: tuple[str, ...] = ("utf-8", "gb18030", "big5hkscs")

# characters typical of mojibake (utf-8 read as a legacy code page, or the reverse)
_MOJIBAKE = re.compile(r"[\ufffd\ue000-\uf8ff\u0080-\u009f]|[锟斤拷]{2,}|[鍦鏂囩殑浠鐨勪笂]{2,}|Ã.|Â.|æ[\u0080-\u00bf]")


def normalize_label(label: str | None) -> str | None:
    """The Python codec to use for a charset label, or None when the label is unknown."""
    if not label:
        return None
    key = label.strip().strip("\"'").strip().lower()
    name = _ALIASES.get(key) or _ALIASES.get(key.replace("_", "-"))
    if name:
        return name
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    return _ALIASES.get(name, name)


def _sniff_meta(body: bytes) -> str | None:
    head = body[:65536]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head[:1024])
    return m.group(1).decode("ascii", "ignore") if m else None


def _badness(text: str) -> int:
    """How broken a decoded text looks: replacement chars, control chars and typical mojibake runs."""
    return len(_MOJIBAKE.findall(text))


def _try(body: bytes, codec: str) -> tuple[str, int] | None:
    try:
        return body.decode(codec), 0
    except UnicodeDecodeError:
        pass
    except LookupError:
        return None
    try:
        text = body.decode(codec, "replace")
    except LookupError:  # pragma: no cover - codec vanished
        return None
    return text, text.count("\ufffd")


DecodeStatus = Literal["clean", "mixed", "lossy"]


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded page and how trustworthy the decode is.

    ``status``: ``"clean"`` — one codec decoded every byte; ``"mixed"`` — a page in ``encoding`` with islands in
    ``secondary`` (a GBK title in a UTF-8 page), each decoded by its own evidence, nothing replaced;
    ``"lossy"`` — ``replaced`` bytes could not be decoded by anything and became U+FFFD. A crawler keeps the
    capture either way and flags the article when the status is not ``"clean"``.
    """

    text: str
    #: the page's codec (a Python codec name, usable to re-decode the bytes)
    encoding: str
    status: DecodeStatus = "clean"
    #: undecodable byte sequences replaced by U+FFFD
    replaced: int = 0
    #: the codec of the islands of a ``"mixed"`` page, else None
    secondary: str | None = None

    @property
    def clean(self) -> bool:
        return self.status == "clean"


#: a page is UTF-8 with islands of another encoding when at least this share of its non-ASCII characters decode
#: as UTF-8: GBK text reads as valid UTF-8 for ~15% of its characters, a UTF-8 page with a GBK title for ~95%
MIXED_UTF8_SHARE = 0.6
#: bytes a run of non-ASCII bytes is decoded in at a time (bounds the work per undecodable byte)
_RUN_WINDOW = 512
_NON_ASCII = re.compile(rb"[\x80-\xff]+")
_CJK_CHAR = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _prefix(chunk: bytes, codec: str) -> tuple[str, int]:
    """The longest cleanly decodable start of ``chunk``: (text, bytes used)."""
    try:
        return chunk.decode(codec), len(chunk)
    except UnicodeDecodeError as exc:
        return chunk[: exc.start].decode(codec), exc.start


def _cjk_share(text: str) -> float:
    return len(_CJK_CHAR.findall(text)) / len(text) if text else 0.0


def _decode_run(run: bytes, secondary: str) -> tuple[str, int, int]:
    """A run of non-ASCII bytes of a UTF-8 page: (text, bytes replaced, bytes decoded as ``secondary``).

    UTF-8 wins where it decodes, unless the other codec reads the same bytes as Chinese text and UTF-8 does
    not (GBK pairs that happen to be valid UTF-8 come out as Latin letters).
    """
    out: list[str] = []
    replaced = foreign = 0
    i = 0
    while i < len(run):
        chunk = run[i : i + _RUN_WINDOW]
        u_text, u_len = _prefix(chunk, "utf-8")
        g_text, g_len = _prefix(chunk, secondary)
        if u_len == 0 and g_len == 0:
            out.append("\ufffd")
            replaced += 1
            i += 1
        elif u_len > g_len or (u_len == g_len and _cjk_share(u_text) >= _cjk_share(g_text)):
            out.append(u_text)
            i += u_len
        else:
            out.append(g_text)
            foreign += g_len
            i += g_len
    return "".join(out), replaced, foreign


def _decode_mixed(body: bytes, secondary: str = "gb18030") -> Decoded:
    """Decode a mostly-UTF-8 page run by run: each run of non-ASCII bytes by the codec that reads it."""
    out: list[str] = []
    pos = replaced = foreign = 0
    for m in _NON_ASCII.finditer(body):
        out.append(body[pos : m.start()].decode("ascii"))
        start, end = m.span()
        if end < len(body) and 0x40 <= body[end] < 0x80 and secondary != "utf-8":
            # a GBK trail byte may be ASCII (0x40-0x7E): keep it with its lead when that decodes
            try:
                body[start : end + 1].decode(secondary)
            except UnicodeDecodeError:
                pass
            else:
                try:
                    body[start:end].decode("utf-8")
                except UnicodeDecodeError:
                    end += 1
        text, bad, other = _decode_run(body[start:end], secondary)
        out.append(text)
        replaced += bad
        foreign += other
        pos = end
    out.append(body[pos:].decode("ascii"))
    status: DecodeStatus = "lossy" if replaced else "mixed" if foreign else "clean"
    return Decoded("".join(out), "utf-8", status, replaced, secondary if foreign else None)


def _utf8_share(body: bytes) -> float:
    """Share of the non-ASCII characters of ``body`` that are valid UTF-8."""
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return (non_ascii - bad) / non_ascii if non_ascii else 1.0


def decode_page(body: bytes, declared: str | None = None) -> Decoded:
    """Decode ``body`` by the evidence (BOM, labels, the bytes themselves) and say how clean it came out.

    Never raises.
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        return Decoded(str(body) if body is not None else "", "utf-8")
    body = bytes(body)
    if not body:
        return Decoded("", "utf-8")
    for bom, codec in _BOMS:
        if body.startswith(bom):
            try:
                return Decoded(body.decode(codec), codec)
            except UnicodeDecodeError:
                break
    # Valid UTF-8 with non-ASCII bytes is practically never a legacy encoding: GBK/Big5 text
    # almost always contains byte pairs that are invalid UTF-8. So a clean UTF-8 decode wins.
    try:
        return Decoded(body.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    labels = [normalize_label(label) for label in (declared, _sniff_meta(body))]
    if _utf8_share(body) >= MIXED_UTF8_SHARE:
        secondary = next((c for c in labels if c and c != "utf-8"), "gb18030")
        return _decode_mixed(body, secondary)

    candidates: list[str] = []
    for label in [*labels, *_FALLBACKS]:
        if label and label not in candidates and label != "utf-8":
            candidates.append(label)
    candidates.append("utf-8")

    best: tuple[int, int, str, str, int] | None = None
    for order, codec in enumerate(candidates):
        got = _try(body, codec)
        if got is None:
            continue
        text, errors = got
        # a single-byte code page always "decodes"; rank it after real CJK decoders unless clean
        penalty = errors * 4 + _badness(text)
        if codec in ("cp1252", "latin-1", "iso8859-1") and re.search(r"[\u00c0-\u00ff]{3,}", text):
            penalty += 1000
        if errors == 0 and penalty == 0:
            return Decoded(text, codec)
        if best is None or (penalty, order) < best[:2]:
            best = (penalty, order, codec, text, errors)
    if best is None:  # pragma: no cover - utf-8 with "replace" always decodes
        text = body.decode("utf-8", "replace")
        return Decoded(text, "utf-8", "lossy", text.count("\ufffd"))
    _penalty, _order, codec, text, errors = best
    return Decoded(text, codec, "lossy" if errors else "clean", errors)


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``body`` and return ``(text, encoding used)``; see :func:`decode_page` for the decode's quality."""
    got = decode_page(body, declared)
    return got.text, got.encoding


def header_charset(headers: Mapping[str, str]) -> str | None:
    """The charset parameter of a Content-Type header (any key case), lower-cased; None when absent."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if not content_type:
        return None
    msg = Message()
    msg["Content-Type"] = content_type
    charset = msg.get_param("charset")
    if not isinstance(charset, str):
        return None
    return charset.strip().strip("'\"").lower() or None
