"""decode_html: BOM, HTTP charset, <meta charset>, and wrong labels that must not produce mojibake."""

from __future__ import annotations

from crawler.extract.encoding import decode_html, normalize_label

TEXT = "<p>这是一篇关于地方新闻的报道，记者在现场看到了热闹的景象。</p>"


def _page(charset: str, body: str = TEXT) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    return f"<html><head>{meta}</head><body>{body}</body></html>"


def test_gb2312_label_decodes_as_gb18030():
    raw = _page("gb2312").encode("gb18030")
    text, enc = decode_html(raw)
    assert enc == "gb18030"
    assert "热闹的景象" in text


def test_gbk_page_labelled_utf8_is_not_mojibake():
    raw = _page("utf-8").encode("gbk")
    text, enc = decode_html(raw, "utf-8")
    assert enc == "gb18030"
    assert "记者在现场" in text


def test_utf8_page_labelled_gb2312_is_not_mojibake():
    raw = _page("gb2312").encode("utf-8")
    text, enc = decode_html(raw, "gb2312")
    assert enc == "utf-8"
    assert "记者在现场" in text


def test_bom_wins_over_labels():
    raw = b"\xef\xbb\xbf" + _page("gbk").encode("utf-8")
    text, enc = decode_html(raw, "gbk")
    assert enc == "utf-8-sig"
    assert text.startswith("<html>")


def test_meta_charset_short_form():
    raw = ('<meta charset="big5"><p>台北市政府今天宣布新的交通措施，民眾可多加利用。</p>').encode("big5")
    text, _ = decode_html(raw)
    assert "交通措施" in text


def test_decode_never_raises_on_binary_or_empty():
    assert decode_html(b"") == ("", "utf-8")
    text, enc = decode_html(bytes(range(256)) * 4, "no-such-charset")
    assert isinstance(text, str)
    assert isinstance(enc, str)


def test_normalize_label_aliases():
    assert normalize_label("GB2312") == "gb18030"
    assert normalize_label("x-gbk") == "gb18030"
    assert normalize_label("UTF8") == "utf-8"
    assert normalize_label("bogus-label") is None
