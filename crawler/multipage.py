"""The one place a multi-page article's pages are merged into one article.

The spider merges pages as they arrive (a PageChain travels with the requests for pages 2, 3 …); re-extraction
merges the stored captures of the same pages with `merge_page`, so both give the same article. A later page
reached on its own, before its page 1, is parked (`ParkedPages`) until page 1's chain comes to it, so the chain
merges it without fetching it again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from crawler.extract.types import Extracted
from crawler.items import ArticleItem, CaptureData
from crawler.urls import url_key


def merge_page(item: ArticleItem, page: Extracted, url: str, capture: CaptureData | None = None) -> None:
    """Append page N to the article of pages 1…N-1: its body on a new line, its images, its URL and capture."""
    article = item.extracted
    if page.body:
        article.body = f"{article.body}\n{page.body}"
    article.images.extend(page.images)
    item.page_urls.append(url)
    if capture is not None:
        item.captures.append(capture)


#: later pages kept for their page 1's chain: page 1 is requested as soon as one is parked, so only the pages
#: whose page 1 is still on its way wait here (a few hundred covers a busy crawl); each holds its page's bytes
MAX_PARKED_PAGES = 300


@dataclass(frozen=True, slots=True)
class ParkedPage:
    """A later page fetched before its page 1: what was extracted from it, and its capture."""

    url: str
    page: Extracted
    capture: CaptureData | None


class ParkedPages:
    """Later pages of multi-page articles reached on their own, by URL key, until their page 1's chain takes them.

    Bounded (the oldest is dropped: its chain then fetches it again). Lives in the spider, not in a PageChain, so
    a chain stays small in the request queue; with a JOBDIR it is kept in the job state (`kept_in`), so a resumed
    run still has the pages parked before the stop. Picklable for that.
    """

    def __init__(self, limit: int = MAX_PARKED_PAGES) -> None:
        self.limit = limit
        self._pages: OrderedDict[str, ParkedPage] = OrderedDict()

    @classmethod
    def kept_in(cls, state: dict[str, Any] | None) -> ParkedPages:
        """The store of a JOBDIR's job state (the one a stopped run left, or a new one put there); without a
        JOBDIR (state None) a store of this run only."""
        if state is None:
            return cls()
        parked = state.get("parked_pages")
        if not isinstance(parked, cls):
            parked = state["parked_pages"] = cls()
        return parked

    def park(self, url: str, page: Extracted, capture: CaptureData | None) -> None:
        key = url_key(url)
        self._pages[key] = ParkedPage(url, page, capture)
        self._pages.move_to_end(key)
        while len(self._pages) > self.limit:
            self._pages.popitem(last=False)

    def take(self, url: str) -> ParkedPage | None:
        """The parked page at this URL (by URL key), now no longer parked; None when it is not here."""
        return self._pages.pop(url_key(url), None)

    def __len__(self) -> int:
        return len(self._pages)


@dataclass(slots=True)
class PageChain:
    """A multi-page article being fetched: the item so far and the pages still to fetch, in order.

    Travels in the page requests' cb_kwargs, so it must stay picklable (JOBDIR and Redis queues pickle requests).
    """

    item: ArticleItem
    remaining: list[str]

    @classmethod
    def start(cls, item: ArticleItem) -> PageChain | None:
        """The chain of an article whose page 1 names following pages; None for a one-page article."""
        first = url_key(item.url)
        pages = [u for u in dict.fromkeys(item.extracted.next_pages) if url_key(u) != first]
        return cls(item, pages) if pages else None

    def add(self, page: Extracted, url: str, capture: CaptureData | None = None) -> list[str]:
        """Merge the next page; returns the pages it names that the chain did not know (now queued too)."""
        merge_page(self.item, page, url, capture)
        known = {url_key(u) for u in (*self.item.page_urls, *self.remaining)}
        new = [u for u in dict.fromkeys(page.next_pages) if url_key(u) not in known]
        self.remaining.extend(new)
        return new

    def failed(self) -> None:
        """The next page could not be had (an error, a wall, not text): go on with the rest, store what there is."""
        self.item.partial = True

    @property
    def partial(self) -> bool:
        """A later page is missing from the article."""
        return self.item.partial

    def next_url(self, parked: ParkedPages | None = None) -> str | None:
        """The next page to fetch (taken off the chain), or None when the article is complete.

        Pages found `parked` on the way are merged in their place without a request (the pages they name join the
        chain); the caller marks `remaining` as scheduled afterwards.
        """
        while self.remaining:
            url = self.remaining.pop(0)
            found = parked.take(url) if parked is not None else None
            if found is None:
                return url
            self.add(found.page, found.url, found.capture)
        return None
