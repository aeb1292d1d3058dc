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
