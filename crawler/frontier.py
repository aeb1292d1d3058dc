"""The crawl's state and every scheduling decision of one run, without Scrapy (the spider turns a Fetch into a Request).

What the run has decided is kept by URL key (the canonical URL without its scheme), so tracking-parameter
variants (`?spm=…`, `utm_*`), `index.html` and http/https twins of a URL are never requested twice, while the
URL requested is the one the site wrote. A URL counts as scheduled the moment a decision returns it, not when a
request is later yielded, so no two pages can both schedule it.

The archive (crawler.incremental.ArchiveState or anything with its three methods) answers "already archived?"
once per URL per run. Modes: `full` (the archive holds nothing of the site), `backfill` (asked for), `resume`
(the previous run did not finish: walk everything again) and `incremental`, in which a list's pagination is
walked one page at a time and only while the page links to something new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from crawler.discovery import Pager, looks_like_article
from crawler.incremental import Lookup
from crawler.urls import followable, url_key


class Archive(Protocol):
    def holds_site(self) -> bool: ...

    def previous_run_finished(self, current_run_id: int | None) -> bool: ...

    def lookup(self, urls: Iterable[str]) -> Lookup: ...


class Stats(Protocol):
    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


@dataclass(frozen=True, slots=True)
class Fetch:
    """A page to request: the URL as the site wrote it, its link depth, its place in a list's pagination and,
    for a refetch of an archived article, the conditional-GET headers to send."""

    url: str
    hops: int
    list_page: int = 1
    validators: Mapping[str, str] | None = None


def key_of(url: str) -> str:
    """The URL's identity in this run; a URL too broken to canonicalise (a bad port) is its own key."""
    try:
        return url_key(url)
    except ValueError:
        return url


class Frontier:
    """All that one run knows and decides about which URLs to fetch."""

    def __init__(
        self,
        archive: Archive,
        domains: frozenset[str],
        stats: Stats,
        allows: Callable[[str], bool] = lambda url: True,
        max_hops: int = 10,
        max_list_pages: int = 5000,
    ) -> None:
        self.archive = archive
        self.domains = domains
        self.stats = stats
        self.allows = allows
        self.max_hops = max_hops
        self.max_list_pages = max_list_pages
        self.mode = "full"
        self.ask_archive = False
        #: keys decided in this run (scheduled, refetched or archived): never scheduled again
        self.seen: set[str] = set()
        #: every link URL met, as written -> its key, or None when the crawl does not follow it (another site, a
        #: trap, a binary, the profile's deny rules): a page's links are mostly the ones the page before had
        self.links: dict[str, str | None] = {}
        #: keys the archive holds
        self.archived: set[str] = set()
        #: archived keys in the refetch window -> their conditional-GET headers, until refetched
        self.refetch_due: dict[str, Mapping[str, str]] = {}
        #: keys of the start pages' links: site navigation, on every list page, so never "new" on one
        self.nav: set[str] = set()
        #: keys of pages fetched in this run that were not articles (errors, challenges, lists)
        self.not_articles: set[str] = set()

    def begin(
        self,
        backfill: bool,
        run_id: int | None,
        agree: Callable[[str, str], str] | None = None,
        state: dict[str, Any] | None = None,
    ) -> str:
        """Choose the run's mode from what the archive holds and how the previous run ended.

        `agree(name, value)` settles it for a fleet (crawler.fleet): the first worker of a shared run decides, so a
        second worker does not read the first one's unfinished run record as a killed run and choose "resume".
        `state` is a JOBDIR's job state (see `keep_in`).
        """
        holds = self.archive.holds_site()
        self.ask_archive = holds
        if backfill:
            self.mode = "backfill"
        elif not holds:
            self.mode = "full"
        elif not self.archive.previous_run_finished(run_id):
            self.mode = "resume"  # the previous run was killed or stopped: walk every list page again
        else:
            self.mode = "incremental"
        if agree is not None:
            self.mode = agree("mode", self.mode)
        return self.keep_in(state)

    def keep_in(self, state: dict[str, Any] | None) -> str:
        """With a JOBDIR: keep this run's decisions in the job state Scrapy saves when the run stops cleanly
        (spider.state, pickled by SpiderState), and take up the ones of a run that stopped there: the URLs it
        scheduled (queued in the JOBDIR or done) stay scheduled, its mode stays. Returns the run's mode.

        crawler.extensions.JobDirGuard clears the state of a run that was killed or finished, so a state found
        here belongs to a clean stop whose queue is intact.
        """
        if state is None:
            return self.mode
        if "seen" in state:
            self.seen = state["seen"]
            self.mode = state.get("mode", self.mode)
            self.stats.inc_value("jobdir/resumed_keys", len(self.seen))
        state["seen"], state["mode"] = self.seen, self.mode  # the same set: the state saved is the run's last
        return self.mode

    # -- decisions ---------------------------------------------------------------------------------------------
    def claim(self, url: str) -> bool:
        """Schedule a URL the crawl fetches whatever it is (start page, robots.txt, sitemap, feed) unless this
        run already has; True when it is newly scheduled."""
        key = key_of(url)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def mark(self, urls: Iterable[str]) -> None:
        """Record URLs fetched outside the link graph (the later pages of a multi-page article)."""
        self.seen.update(key_of(u) for u in urls)

    def too_deep(self, hops: int) -> bool:
        """A page this many links from a start page is not followed further (a depth trap)."""
        if hops >= self.max_hops:
            self.stats.inc_value("pages/max_hops")
            return True
        return False

    def follow(self, links: Iterable[str], hops: int) -> list[Fetch]:
        """The links of an article page (or of a sitemap or feed) to fetch at depth `hops`."""
        return self._decide(self._candidates(links), hops)

    def discovered(self, urls: Iterable[str], source: str) -> list[Fetch]:
        """Page URLs a sitemap or feed lists (they count as one link from a start page)."""
        fetches = self.follow(urls, hops=1)
        self.stats.inc_value(f"discovery/{source}_scheduled", sum(f.validators is None for f in fetches))
        return fetches

    def list_page(self, links: list[str], pager: Pager, hops: int, page_no: int) -> list[Fetch]:
        """The links of a list (or other non-article) page `page_no` of its pagination, `hops` from a start page.

        Its pager's pages stay at the list's depth. In an incremental run only its next page is walked, and only
        when the page links to something new (not archived, not navigation, not fetched as a non-article).
        """
        if self.mode != "incremental":
            in_links = set(links)
            pages = [u for u in pager.pages if u not in in_links]  # a JS pager has no <a> links
            return self._decide(self._candidates([*links, *pages]), hops + 1, set(pager.pages), hops, page_no)
        on_pager = set(pager.pages)
        others = [u for u in links if u not in on_pager]
        candidates = self._candidates(others)
        if hops == 0:
            self.nav.update(k for u in others if (k := self.links.get(u)))
        fresh = any(self._new(u) for u in others)
        fetches = self._decide(candidates, hops + 1)
        if pager.next and not fresh:
            self.stats.inc_value("discovery/pagination_stopped")
        elif pager.next and page_no < self.max_list_pages and self.claim(pager.next):
            fetches.append(Fetch(pager.next, hops, list_page=page_no + 1))
        return fetches

    def continuation(self, first: str, hops: int, pages: Iterable[str] = ()) -> list[Fetch]:
        """Page 1 of a multi-page article whose later page was reached on its own (page 1 collects them all).

        The article's other `pages` (the later page's pager) are page 1's to fetch, in order: they count as
        scheduled, so the later page's links do not fetch them on their own as well.
        """
        key = key_of(first)
        self.mark(u for u in pages if key_of(u) != key)
        if key in self.seen:
            return []
        self._ask({first: key})
        self.seen.add(key)
        return [] if key in self.archived else [Fetch(first, hops)]

    def judged(self, url: str, article: bool) -> None:
        """A fetched page's verdict: a non-article never counts as something new on a list page."""
        if article:
            self.not_articles.discard(key_of(url))
        else:
            self.not_articles.add(key_of(url))

    # -- the steps ---------------------------------------------------------------------------------------------
    def _new(self, url: str) -> bool:
        """Is this link, on a list page, an article this run may fetch that the archive does not hold?"""
        key = self.links.get(url)
        return (
            key is not None
            and looks_like_article(url)
            and key not in self.archived
            and key not in self.nav
            and key not in self.not_articles
        )

    def _candidates(self, links: Iterable[str]) -> dict[str, str]:
        """url -> key of the links not decided yet that the crawl may follow; the archive is asked about them.

        A link met before is settled by one dict lookup, before any other work (most links of a page were on the
        page before); a new one is checked (site, traps, profile) before it is canonicalised, once per run.
        """
        out: dict[str, str] = {}
        keys: set[str] = set()
        for url in links:
            key = self.links.get(url, "")
            if key is None:
                continue
            if not key:  # met for the first time: the cheap checks first, canonicalisation only if it passes
                key = self.links[url] = key_of(url) if self._may_follow(url) else None
                if key is None:
                    continue
            if key in self.seen or key in keys:
                continue
            out[url] = key
            keys.add(key)
        self._ask(out)
        return out

    def _may_follow(self, url: str) -> bool:
        try:
            urlsplit(url).port  # noqa: B018 - raises on a port that is not a number
            return followable(url, self.domains) and self.allows(url)
        except ValueError:  # a URL urllib cannot split ("http://[::1/…", ":8o8o"): nothing to follow
            return False

    def _ask(self, candidates: Mapping[str, str]) -> None:
        """Record the archive's answer for these URLs (url -> key) that it has not been asked about."""
        if not self.ask_archive:
            return
        todo = [url for url, key in candidates.items() if key not in self.archived]
        if not todo:
            return
        lookup = self.archive.lookup(todo)
        self.archived.update(candidates.get(u) or key_of(u) for u in lookup.archived)
        self.refetch_due.update((candidates.get(u) or key_of(u), v) for u, v in lookup.refetch.items())

    def _decide(
        self,
        candidates: Mapping[str, str],
        hops: int,
        pager: set[str] | None = None,
        pager_hops: int = 0,
        page_no: int = 1,
    ) -> list[Fetch]:
        """Schedule the candidates the archive does not hold; refetch the archived ones due for it."""
        if hops > self.max_hops:
            return []
        out: list[Fetch] = []
        for url, key in candidates.items():
            on_pager = pager is not None and url in pager
            if on_pager and page_no >= self.max_list_pages:
                continue
            self.seen.add(key)
            if key in self.archived:
                validators = self.refetch_due.pop(key, None)
                if validators is not None:
                    self.stats.inc_value("articles/refetched")
                    out.append(Fetch(url, hops, validators=validators))
            elif on_pager:  # a list's other pages stay at the list's depth
                out.append(Fetch(url, pager_hops, list_page=page_no + 1))
            else:
                out.append(Fetch(url, hops))
        return out
