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


@dataclass(slots=True)
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
    extra: dict[str, Any] = field(default_factory=dict)


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
