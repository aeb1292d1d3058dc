"""The item that flows from the spider through the pipelines to storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.extract.types import Extracted


@dataclass(slots=True)
class CaptureData:
    """One response as received: what the archive keeps to re-extract later."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
    declared_charset: str | None = None
    encoding: str | None = None
    #: how the body decoded (crawler.extract.encoding.Decoded.status): flags the article, not kept per capture
    decoding: str | None = None


@dataclass(slots=True, repr=False)
class ArticleItem:
    """An extracted article with the captures of all its pages (more than one for a multi-page article)."""

    site: str
    url: str
    fetched_at: datetime
    extracted: Extracted
    captures: list[CaptureData] = field(default_factory=list)
    #: filled by the normalise pipeline
    canonical_url: str = ""
    content_digest: str = ""
    page_urls: list[str] = field(default_factory=list)
    #: a later page of a multi-page article could not be had: stored without it (crawler.multipage)
    partial: bool = False
    #: the worst decode status of its pages ("clean", "mixed", "lossy"), filled by the normalise pipeline
    decoding: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # never the bodies of its captures: a repr lands in logs and tracebacks
        return f"ArticleItem({self.url!r}, {len(self.captures)} pages)"


@dataclass(slots=True)
class WithdrawnItem:
    """An archived article's page now answers 404/410 or redirects to a "deleted" page: mark it withdrawn.

    The spider yields it when re-fetching; the store pipeline keeps the article's last good version.
    """

    url: str
    status: int
    fetched_at: datetime
    #: where a redirect to a "deleted" page went, if that was the signal
    final_url: str | None = None
