"""The one place a multi-page article's pages are merged into one article.

The spider merges pages as they arrive (a PageChain travels with the requests for pages 2, 3 …); re-extraction
merges the stored captures of the same pages with `merge_page`, so both give the same article.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def next_url(self) -> str | None:
        """The next page to fetch (taken off the chain), or None when the article is complete."""
        return self.remaining.pop(0) if self.remaining else None
