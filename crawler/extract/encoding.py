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
from email.message import Message

__all__ = ["decode_html", "normalize_label"]

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


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``body`` and return ``(text, encoding used)``. Never raises."""
    if not isinstance(body, bytes | bytearray | memoryview):
        return (str(body) if body is not None else ""), "utf-8"
    body = bytes(body)
    if not body:
        return "", "utf-8"
    for bom, codec in _BOMS:
        if body.startswith(bom):
            try:
                return body.decode(codec), codec
            except UnicodeDecodeError:
                break
    # Valid UTF-8 with non-ASCII bytes is practically never a legacy encoding: GBK/Big5 text
    # almost always contains byte pairs that are invalid UTF-8. So a clean UTF-8 decode wins.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8"

    candidates: list[str] = []
    for label in (declared, _sniff_meta(body)):
        codec = normalize_label(label)
        if codec and codec not in candidates and codec != "utf-8":
            candidates.append(codec)
    for codec in _FALLBACKS:
        if codec not in candidates and codec != "utf-8":
            candidates.append(codec)
    candidates.append("utf-8")

    best: tuple[int, int, str, str] | None = None
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
            return text, codec
        key = (penalty, order, codec, text)
        if best is None or key[:2] < best[:2]:
            best = key
    if best is None:
        return body.decode("utf-8", "replace"), "utf-8"
    return best[3], best[2]


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
