"""decode_html: BOM, HTTP charset, <meta charset>, and wrong labels that must not produce mojibake."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract import extract_article
from crawler.extract.encoding import decode_html, decode_page, normalize_label

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)

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


def _mixed(title: str = "市区新建三座口袋公园") -> bytes:
    head = b'<html><head><meta charset="utf-8"><title>'
    rest = "</title></head><body><p>今年以来，市园林部门在老城区见缝插绿，新建了三座口袋公园。</p></body></html>"
    return head + title.encode("gbk") + rest.encode("utf-8")


def test_page_labelled_utf8_with_a_gbk_title_is_decoded_by_the_evidence():
    got = decode_page(_mixed(), "utf-8")
    assert "<title>市区新建三座口袋公园</title>" in got.text
    assert "今年以来，市园林部门" in got.text
    assert got.encoding == "utf-8"
    assert got.status == "mixed"
    assert got.secondary == "gb18030"
    assert got.replaced == 0
    assert not got.clean


def test_gbk_pairs_that_happen_to_be_valid_utf8_still_read_as_chinese():
    # 模 is C4 A3 in GBK: valid UTF-8 for the Latin letter U+0123, but Chinese in a page of Chinese
    got = decode_page(_mixed("模范社区"), "utf-8")
    assert "<title>模范社区</title>" in got.text


def test_mixed_page_extracts_its_title():
    got = extract_article(_mixed(), "http://news.example.cn/2019/0101/1.html", FETCHED, encoding="utf-8")
    assert got.title == "市区新建三座口袋公园"
    assert got.body.startswith("今年以来")


def test_clean_pages_say_so():
    assert decode_page(_page("utf-8").encode("utf-8")).status == "clean"
    assert decode_page(_page("gbk").encode("gbk"), "gbk").status == "clean"
    assert decode_page(_page("gbk").encode("gbk"), "utf-8").status == "clean"


def test_undecodable_bytes_are_counted_and_flagged_lossy():
    raw = _page("utf-8").encode("utf-8") + b"\xff\xfe\xff" + "尾部文字".encode()
    got = decode_page(raw, "utf-8")
    assert got.status == "lossy"
    assert got.replaced >= 1
    assert "尾部文字" in got.text
    assert "记者在现场" in got.text


def test_decode_html_keeps_its_text_and_codec_shape():
    text, codec = decode_html(_mixed(), "utf-8")
    assert "市区新建三座口袋公园" in text
    assert codec == "utf-8"
