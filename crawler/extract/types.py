"""Plain data returned by extraction: no Scrapy, no database."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

LinkKind = Literal["tag", "prev", "next", "related", "pager", "column"]
#: how a credited person other than a writer took part (writers go in `author`, editors in `editor`)
ContributorRole = Literal["correspondent", "intern", "photographer", "translator", "other"]
CONTRIBUTOR_ROLES: tuple[ContributorRole, ...] = ("correspondent", "intern", "photographer", "translator", "other")


@dataclass(frozen=True, slots=True)
class Link:
    """A link of the article page that points at something researchers follow: a tag, a sibling article, a page."""

    url: str
    text: str
    kind: LinkKind


@dataclass(frozen=True, slots=True)
class Contributor:
    """A person credited on the article who is neither a writer nor an editor (通讯员, 实习生, 摄影, 翻译 …)."""

    name: str
    role: ContributorRole


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    caption: str = ""


@dataclass(slots=True)
class Extracted:
    """Everything one article page yields; a field that could not be found stays empty/None."""

    url: str
    title: str = ""
    subtitle: str = ""
    published: datetime | None = None
    source: str | None = None
    author: list[str] = field(default_factory=list)
    editor: list[str] = field(default_factory=list)
    #: correspondents, interns, photographers, translators: credited, but not as writers
    contributors: list[Contributor] = field(default_factory=list)
    body: str = ""
    images: list[Image] = field(default_factory=list)
    column: str = ""
    tags: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    canonical_url: str | None = None
    #: URLs of the following pages of a multi-page article (page 2, 3, … in order), excluding this one.
    next_pages: list[str] = field(default_factory=list)
    #: which rule produced each field, e.g. {"title": "h1", "published": "info-line"}
    rules: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON shape used by `newsarchive extract` and export (ISO 8601 with offset).

        Keys: url, title, subtitle, published, source, author, editor, contributors ({name, role}), body,
        images ({src, caption}), column, tags, links ({url, text, kind}), canonical_url, next_pages, rules.
        """
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        return data
