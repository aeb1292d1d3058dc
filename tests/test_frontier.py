"""The Frontier's scheduling decisions without Scrapy; a fake archive stands in for incremental.ArchiveState."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pytest

from crawler.discovery import Pager
from crawler.frontier import Fetch, Frontier
from crawler.incremental import Lookup

SITE = "http://www.qinghe.cn"
HOME = SITE + "/"


class FakeArchive:
    """An archive holding `stored` URLs; those in `due` are inside the refetch window, with these validators."""

    def __init__(
        self,
        stored: Iterable[str] = (),
        due: dict[str, dict[str, str]] | None = None,
        finished: bool = True,
        holds: bool | None = None,
    ) -> None:
        self.stored = set(stored)
        self.due = due or {}
        self.finished = finished
        self.holds = bool(self.stored) if holds is None else holds
        self.asked: list[list[str]] = []

    def holds_site(self) -> bool:
        return self.holds

    def previous_run_finished(self, current_run_id: int | None) -> bool:
        return self.finished

    def lookup(self, urls: Iterable[str]) -> Lookup:
        urls = list(urls)
        self.asked.append(urls)
        archived = {u for u in urls if u in self.stored}
        return Lookup(archived=archived, refetch={u: self.due[u] for u in archived if u in self.due})


class FakeStats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] += count


def frontier(archive: FakeArchive | None = None, backfill: bool = False, **kwargs) -> Frontier:  # type: ignore[no-untyped-def]
    f = Frontier(archive or FakeArchive(), frozenset({"qinghe.cn"}), FakeStats(), **kwargs)
    f.begin(backfill, run_id=2)
    return f


def urls(fetches: list[Fetch]) -> list[str]:
    return [f.url for f in fetches]


def art(n: int) -> str:
    return f"{SITE}/2015/0706/{n}.html"


@pytest.mark.parametrize(
    ("archive", "backfill", "mode"),
    [
        (FakeArchive(), False, "full"),
        (FakeArchive([art(1)]), False, "incremental"),
        (FakeArchive([art(1)], finished=False), False, "resume"),
        (FakeArchive([art(1)]), True, "backfill"),
        (FakeArchive(), True, "backfill"),
    ],
    ids=["empty-archive", "finished-before", "killed-before", "backfill", "backfill-empty"],
)
def test_mode_follows_what_the_archive_holds_and_how_the_last_run_ended(archive, backfill, mode) -> None:  # type: ignore[no-untyped-def]
    assert frontier(archive, backfill).mode == mode


def test_empty_archive_is_never_asked_about_links() -> None:
    archive = FakeArchive()
    f = frontier(archive)
    assert urls(f.follow([art(1), art(2)], hops=1)) == [art(1), art(2)]
    assert archive.asked == []


def test_tracking_variants_index_pages_and_scheme_twins_of_a_scheduled_url_are_not_requested() -> None:
    f = frontier()
    assert urls(f.follow([art(1)], hops=1)) == [art(1)]
    twins = [
        art(1) + "?spm=a2c4g.11186623",
        art(1) + "?from=timeline&utm_source=wechat",
        art(1).replace("http://", "https://"),
        art(1).replace("www.qinghe.cn", "WWW.QINGHE.CN"),
        art(1) + "#comments",
    ]
    assert f.follow(twins, hops=1) == []
    assert f.claim(SITE + "/tzgg/")
    assert f.follow([SITE + "/tzgg/index.html", SITE + "/tzgg/index.html?from=nav"], hops=1) == []


def test_the_url_requested_is_the_one_the_site_wrote() -> None:
    f = frontier()
    written = art(7) + "?from=groupmessage"
    assert f.follow([written, art(7)], hops=1) == [Fetch(written, 1)]


def test_a_url_is_scheduled_when_decided_so_no_two_pages_schedule_it() -> None:
    f = frontier()
    first = f.follow([art(1), art(2)], hops=1)
    second = f.follow([art(2), art(3)], hops=2)  # decided before any request of the first page was made
    assert urls(first) == [art(1), art(2)]
    assert urls(second) == [art(3)]
    assert f.follow([art(1), art(2), art(3)], hops=1) == []
    assert not f.claim(art(3))


def test_claimed_urls_are_not_scheduled_again_as_links() -> None:
    f = frontier()
    assert f.claim(HOME)
    assert not f.claim(HOME)
    assert f.follow([HOME, SITE], hops=1) == []  # the home page links to itself; no trailing slash is the same


def test_links_off_the_site_traps_binaries_and_disallowed_paths_are_not_followed_nor_looked_up() -> None:
    archive = FakeArchive([art(99)])
    f = frontier(archive, allows=lambda url: "/private/" not in url)
    links = [
        "http://www.other.cn/2015/0706/1.html",
        SITE + "/search.php?q=1",
        SITE + "/logo.png",
        SITE + "/private/2015/0706/1.html",
        "mailto:news@qinghe.cn",
        art(5),
    ]
    assert urls(f.follow(links, hops=1)) == [art(5)]
    assert archive.asked == [[art(5)]]
    assert f.follow(links, hops=1) == []
    assert archive.asked == [[art(5)]]  # refused links are remembered, not re-checked or looked up


def test_archived_links_are_not_scheduled_and_each_link_is_looked_up_once() -> None:
    archive = FakeArchive([art(1), art(2)])
    f = frontier(archive)
    assert urls(f.follow([art(1), art(2), art(3)], hops=1)) == [art(3)]
    assert urls(f.follow([art(1), art(2), art(3), art(4)], hops=1)) == [art(4)]
    assert archive.asked == [[art(1), art(2), art(3)], [art(4)]]


def test_archived_links_in_the_refetch_window_are_refetched_once_with_their_validators() -> None:
    validators = {"If-None-Match": '"v1"'}
    archive = FakeArchive([art(1), art(2)], due={art(1): validators})
    f = frontier(archive)
    assert f.follow([art(1), art(2)], hops=1) == [Fetch(art(1), 1, validators=validators)]
    assert f.follow([art(1) + "?spm=x", art(1)], hops=2) == []
    assert f.stats.values["articles/refetched"] == 1  # type: ignore[attr-defined]


def test_links_beyond_max_hops_are_not_scheduled_but_a_shorter_path_still_can() -> None:
    f = frontier(max_hops=3)
    assert f.follow([art(1)], hops=4) == []
    assert urls(f.follow([art(1)], hops=3)) == [art(1)]
    assert f.too_deep(3)
    assert not f.too_deep(2)
    assert f.stats.values["pages/max_hops"] == 1  # type: ignore[attr-defined]


def test_full_crawl_walks_every_pager_page_at_the_lists_depth_including_script_pagers() -> None:
    f = frontier()
    page2, page3 = SITE + "/xxgk/index_1.shtml", SITE + "/xxgk/index_2.shtml"
    pager = Pager(next=page2, pages=[page2, page3])  # a createPageHTML() pager: no <a> links to them
    fetches = f.list_page([art(1), art(2)], pager, hops=1, page_no=1)
    assert fetches == [Fetch(art(1), 2), Fetch(art(2), 2), Fetch(page2, 1, list_page=2), Fetch(page3, 1, list_page=2)]


def test_an_endless_pager_stops_at_max_list_pages() -> None:
    f = frontier(max_list_pages=3)
    nxt = SITE + "/news/?page=4"
    assert f.list_page([art(1), nxt], Pager(nxt, [nxt]), hops=1, page_no=3) == [Fetch(art(1), 2)]


def incremental(stored: Iterable[str]) -> Frontier:
    f = frontier(FakeArchive(stored))
    assert f.mode == "incremental"
    return f


def test_incremental_walks_the_next_list_page_only_while_this_one_links_to_something_new() -> None:
    f = incremental([art(n) for n in range(1, 10)])
    page2, page3 = SITE + "/tzgg/index_2.html", SITE + "/tzgg/index_3.html"
    pager = Pager(next=page2, pages=[page2, page3])
    # page 1: two new articles on top: they are fetched, and page 2 (only page 2) is walked
    fetches = f.list_page([art(11), art(10), art(9), page2, page3], pager, hops=1, page_no=1)
    assert fetches == [Fetch(art(11), 2), Fetch(art(10), 2), Fetch(page2, 1, list_page=2)]
    # page 2: nothing new (all archived): page 3 is not walked
    assert f.list_page([art(8), art(7), page3], Pager(next=page3, pages=[page3]), hops=1, page_no=2) == []
    assert f.stats.values["discovery/pagination_stopped"] == 1  # type: ignore[attr-defined]


def test_incremental_counts_an_article_scheduled_this_run_as_new_on_a_later_list_page() -> None:
    f = incremental([art(1)])
    assert urls(f.follow([art(2)], hops=1)) == [art(2)]  # found first elsewhere (a sitemap, another column)
    page2 = SITE + "/news/?page=2"
    assert f.list_page([art(2), art(1)], Pager(page2, [page2]), hops=1, page_no=1) == [Fetch(page2, 1, list_page=2)]


def test_incremental_site_navigation_and_failed_pages_are_not_news() -> None:
    f = incremental([art(1)])
    nav = [SITE + "/2015/0101/100.html", SITE + "/tzgg/"]  # an old article linked from every page's header
    f.list_page(nav, Pager(), hops=0, page_no=1)  # the home page
    dead = SITE + "/2015/0708/399.html"
    f.follow([dead], hops=1)
    f.judged(dead, article=False)  # it answered 404
    page2 = SITE + "/news/?page=2"
    assert f.list_page([*nav, dead, art(1)], Pager(page2, [page2]), hops=1, page_no=1) == []


def test_incremental_links_the_crawl_would_not_follow_are_not_news() -> None:
    f = incremental([art(1)])
    page2 = SITE + "/news/?page=2"
    elsewhere = ["http://www.gov.cn/2015/0706/123.html", SITE + "/print/2015/0706/1.html"]
    assert f.list_page([*elsewhere, art(1)], Pager(page2, [page2]), hops=1, page_no=1) == []


def test_continuation_page_schedules_page_one_unless_seen_or_archived() -> None:
    f = incremental([art(1)])
    assert f.continuation(art(1), hops=2) == []
    assert f.continuation(art(2), hops=2) == [Fetch(art(2), 2)]
    assert f.continuation(art(2), hops=2) == []


def test_a_continuation_leaves_the_articles_other_pages_to_page_ones_chain() -> None:
    f = frontier()
    first, page2, page3 = (SITE + f"/2015/0710/889{s}.html" for s in ("", "_2", "_3"))
    assert f.continuation(first, hops=1, pages=[first, page3]) == [Fetch(first, 1)]
    assert f.follow([first, page3, page2], hops=2) == [Fetch(page2, 2)], "page 3 is the chain's, page 1 asked for"


def test_later_pages_of_an_article_are_marked_so_links_to_them_are_not_fetched() -> None:
    f = frontier()
    f.mark([SITE + "/2015/0710/888_2.html", SITE + "/2015/0710/888_3.html"])
    assert f.follow([SITE + "/2015/0710/888_2.html", SITE + "/2015/0710/888_3.html?from=x"], hops=1) == []


def test_a_url_too_broken_to_canonicalise_is_refused_not_raised() -> None:
    f = frontier()
    assert f.follow([SITE + ":8o8o/2015/0706/1.html", "http://[::1/2015/0706/1.html", art(1)], hops=1) == [
        Fetch(art(1), 1)
    ]
