"""A multi-page article is merged in one place: the same merge while crawling and when re-extracting captures."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from crawler.extract import extract_article
from crawler.extract.types import Extracted, Image
from crawler.items import ArticleItem, CaptureData
from crawler.multipage import MAX_PARKED_PAGES, PageChain, ParkedPages
from crawler.offline.reextract import item_from_captures
from pipelines.normalize import NormalizePipeline

BASE = "http://www.qinghe.cn/2016/0302"
FETCHED = datetime(2016, 3, 2, 8, 0, tzinfo=UTC)


def capture(url: str, body: bytes = b"<html></html>") -> CaptureData:
    return CaptureData(url, url, 200, {"Content-Type": "text/html; charset=utf-8"}, body, FETCHED)


def item_of(url: str, extracted: Extracted) -> ArticleItem:
    return ArticleItem("qinghe", url, FETCHED, extracted, [capture(url)], page_urls=[url])


def test_single_page_article_has_no_chain() -> None:
    url = BASE + "/51.html"
    assert PageChain.start(item_of(url, Extracted(url, body="一页"))) is None
    assert PageChain.start(item_of(url, Extracted(url, body="一页", next_pages=[url + "?from=nav"]))) is None


def test_pages_merge_in_order_with_images_captures_and_urls() -> None:
    p1, p2, p3 = (f"{BASE}/52{s}.html" for s in ("", "_2", "_3"))
    chain = PageChain.start(item_of(p1, Extracted(p1, body="第一页", images=[Image("/a.jpg")], next_pages=[p2])))
    assert chain is not None
    assert chain.next_url() == p2
    # page 2 names page 3 (and page 2 itself, and a tracking twin of page 1): only page 3 is new
    page2 = Extracted(p2, body="第二页", images=[Image("/b.jpg")], next_pages=[p2, p3, p1 + "?spm=1"])
    assert chain.add(page2, p2, capture(p2)) == [p3]
    assert chain.next_url() == p3
    assert chain.add(Extracted(p3, body=""), p3, capture(p3)) == []  # an empty page adds no blank line
    assert chain.next_url() is None
    item = chain.item
    assert item.extracted.body == "第一页\n第二页"
    assert [i.src for i in item.extracted.images] == ["/a.jpg", "/b.jpg"]
    assert item.page_urls == [p1, p2, p3]
    assert [c.url for c in item.captures] == [p1, p2, p3]
    assert not chain.partial


def test_a_failed_later_page_leaves_a_partial_article_with_the_other_pages() -> None:
    p1, p2, p3 = (f"{BASE}/53{s}.html" for s in ("", "_2", "_3"))
    chain = PageChain.start(item_of(p1, Extracted(p1, body="第一页", next_pages=[p2, p3])))
    assert chain is not None
    assert chain.next_url() == p2
    chain.failed()
    assert chain.next_url() == p3
    chain.add(Extracted(p3, body="第三页"), p3, capture(p3))
    assert chain.next_url() is None
    assert chain.partial
    assert chain.item.partial is True
    assert chain.item.extracted.body == "第一页\n第三页"
    assert chain.item.page_urls == [p1, p3]


def test_a_chain_survives_pickling_as_requests_in_a_disk_or_redis_queue_do() -> None:
    p1, p2 = BASE + "/54.html", BASE + "/54_2.html"
    chain = PageChain.start(item_of(p1, Extracted(p1, body="第一页", next_pages=[p2])))
    copy = pickle.loads(pickle.dumps(chain))
    assert copy.remaining == [p2]
    assert copy.item.extracted.body == "第一页"



def test_a_parked_page_is_merged_in_its_place_without_a_request() -> None:
    p1, p2, p3, p4 = (f"{BASE}/56{s}.html" for s in ("", "_2", "_3", "_4"))
    parked = ParkedPages()
    # page 3 was reached on its own first (as a tracking twin); it names page 4, which the chain did not know
    parked.park(p3 + "?spm=1", Extracted(p3, body="第三页", next_pages=[p4]), capture(p3))
    chain = PageChain.start(item_of(p1, Extracted(p1, body="第一页", next_pages=[p2, p3])))
    assert chain is not None
    assert chain.next_url(parked) == p2
    chain.add(Extracted(p2, body="第二页"), p2, capture(p2))
    assert chain.next_url(parked) == p4, "page 3 is merged from the park, page 4 is fetched"
    assert len(parked) == 0
    chain.add(Extracted(p4, body="第四页"), p4, capture(p4))
    assert chain.next_url(parked) is None
    assert chain.item.extracted.body == "第一页\n第二页\n第三页\n第四页"
    assert chain.item.page_urls == [p1, p2, p3 + "?spm=1", p4]
    assert [c.url for c in chain.item.captures] == [p1, p2, p3, p4]


def test_parked_pages_are_bounded_oldest_first_and_kept_in_a_job_state() -> None:
    parked = ParkedPages(limit=2)
    for n in (1, 2, 3):
        parked.park(f"{BASE}/57_{n + 1}.html", Extracted(f"{BASE}/57_{n + 1}.html", body=str(n)), None)
    assert len(parked) == 2
    assert parked.take(f"{BASE}/57_2.html") is None, "the oldest was dropped"
    assert ParkedPages().limit == MAX_PARKED_PAGES
    state: dict[str, object] = {}
    kept = ParkedPages.kept_in(state)
    kept.park(BASE + "/58_2.html", Extracted(BASE + "/58_2.html", body="第二页"), capture(BASE + "/58_2.html"))
    resumed = pickle.loads(pickle.dumps(state))  # a JOBDIR's spider.state, saved at a clean stop
    again = ParkedPages.kept_in(resumed)
    found = again.take(BASE + "/58_2.html")
    assert found is not None
    assert found.page.body == "第二页"
    assert ParkedPages.kept_in(None) is not ParkedPages.kept_in(None), "without a JOBDIR: this run's own"


def _page(n: int, of: int) -> bytes:
    pager = " ".join(f'<a href="55{"" if i == 1 else f"_{i}"}.html">{i}</a>' for i in range(1, of + 1) if i != n)
    nxt = f'<a href="55_{n + 1}.html">下一页</a>' if n < of else ""
    text = "".join(
        f"<p>第{n}页第{k}段：双桥镇的护河志愿者每周巡河两次，记录水质变化，清理岸边垃圾，劝阻乱扔杂物的行为。</p>"
        for k in range(1, 4)
    )
    return (
        f"<html><head><title>护河志愿者的一天_青禾新闻网</title></head><body><h1>护河志愿者的一天</h1>"
        f'<div class="info">2016-03-02 08:00 来源：青禾日报</div><div class="content">{text}'
        f'<img src="/img/55_{n}.jpg"></div><div class="pages">{pager} {nxt}</div></body></html>'
    ).encode()


def test_reextraction_merges_stored_captures_exactly_as_the_crawl_merged_the_pages() -> None:
    urls = [f"{BASE}/55.html", f"{BASE}/55_2.html", f"{BASE}/55_3.html"]
    bodies = [_page(n, 3) for n in (1, 2, 3)]
    first = extract_article(bodies[0].decode(), urls[0], FETCHED, None)
    chain = PageChain.start(ArticleItem("qinghe", urls[0], FETCHED, first, page_urls=[urls[0]]))
    assert chain is not None
    while (url := chain.next_url()) is not None:
        chain.add(extract_article(bodies[urls.index(url)].decode(), url, FETCHED, None), url)
    crawled = NormalizePipeline().process_item(chain.item)

    stored = [
        SimpleNamespace(body=body, final_url=url, fetched_at=FETCHED, declared_charset="utf-8")
        for url, body in zip(urls, bodies, strict=True)
    ]
    again = item_from_captures("qinghe", stored)
    assert crawled.page_urls == again.page_urls == urls
    assert crawled.extracted.body == again.extracted.body
    assert (
        crawled.extracted.body.index("第1页")
        < crawled.extracted.body.index("第2页")
        < crawled.extracted.body.index("第3页")
    )
    assert crawled.extracted.images == again.extracted.images


@pytest.mark.slow
def test_a_later_page_reached_before_its_page_one_is_fetched_once_and_merged(tmp_path) -> None:
    """Used to: page 2, reached from a list page, was dropped once its page 1 was asked for, and page 1's chain
    fetched it again (about 1% of the benchmark site's requests). Now it waits, parked, for page 1's chain."""
    from tests.test_crawl import crawl, runs, snapshot
    from tests.test_crawl_bounds import HTML, host, page

    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    pages = ["/2016/0302/55.html", "/2016/0302/55_2.html", "/2016/0302/55_3.html"]
    with host("127.0.0.1") as site:
        # the list links page 2 only: page 1 is reached through page 2's pager, after page 2 was fetched
        links = '<a href="/2016/0302/55_2.html">护河志愿者的一天（二）</a><a href="/news/">新闻</a>'
        site.pages = {"/": page(links), "/news/": page('<a href="/">首页</a>')}
        site.pages.update({path: (200, HTML, _page(n, 3)) for n, path in enumerate(pages, 1)})
        crawl(site.base_url, db_url)
        hits = list(site.hits)
    base = site.base_url

    assert [h for h in hits if h in pages] == [pages[1], pages[0], pages[2]], "page 2 first, then page 1, then 3"
    assert {h: hits.count(h) for h in hits if hits.count(h) > 1 and h != "/robots.txt"} == {}, "each page once"
    stored = snapshot(db_url)
    assert set(stored) == {base + pages[0]}
    _title, body, page_urls, captures = stored[base + pages[0]]
    assert page_urls == tuple(base + p for p in pages)
    assert captures == 3
    assert body.index("第1页") < body.index("第2页") < body.index("第3页")
    run = runs(db_url)[-1]
    assert run.stats["articles_partial"] == 0, "stored complete, not partial"
    assert run.stats["pages"].get("continuation") == 1
