"""The demo site's articles as plain data: generated once from a seed, rendered by `templates`, checked by tests."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

from crawler.demo import stories
from crawler.demo.stories import StoryTemplate

Family = Literal["phpcms", "dede", "trs", "modern"]
CST = timezone(timedelta(hours=8))
DEFAULT_SEED = 20150706
#: articles per family; 12 + 10 + 10 + 8 = 40
COUNTS: dict[Family, int] = {"phpcms": 12, "dede": 10, "trs": 10, "modern": 8}
#: index (within the PHPCMS family) of the three-page feature article
MULTIPAGE_INDEX = 5
#: index (within the modern family) of the article also linked with a tracking parameter
DUPLICATE_INDEX = 1
TRACKING_SUFFIX = "?from=timeline"
MAX_FILL_ATTEMPTS = 200


@dataclass(frozen=True, slots=True)
class Column:
    """A 栏目; `family` decides both its list-page URL style and its article template."""

    key: str
    name: str
    family: Family
    first_page: str


COLUMNS: dict[Family, Column] = {
    "phpcms": Column("shehui", "社会", "phpcms", "/list-12-1.html"),
    "dede": Column("nongye", "三农", "dede", "/a/nongye/list_3_1.html"),
    "trs": Column("xxgk", "政务公开", "trs", "/xxgk/index.html"),
    "modern": Column("news", "城事", "modern", "/news/"),
}


@dataclass(frozen=True, slots=True)
class Figure:
    """An image inside the body; `src` is a site path, `caption` the text shown under it."""

    src: str
    caption: str


Block = str | Figure


@dataclass(slots=True)
class Article:
    family: Family
    column: Column
    number: int
    path: str
    title: str
    published: datetime
    source: str | None
    reporters: list[str]
    correspondents: list[str]
    editors: list[str]
    tags: list[str]
    blocks: list[Block]
    charset: str
    views: int
    pages: int = 1
    aliases: list[str] = field(default_factory=list)

    @property
    def authors(self) -> list[str]:
        """Ground-truth author list: reporters first, then correspondents (通讯员), as the byline reads."""
        return [*self.reporters, *self.correspondents]

    def page_path(self, page: int) -> str:
        """Path of page `page` (1-based) of a multi-page article: `123.html`, `123_2.html`, …"""
        return self.path if page == 1 else self.path.removesuffix(".html") + f"_{page}.html"

    def page_blocks(self, page: int) -> list[Block]:
        """The body blocks shown on one page; pages split the body into near-equal runs."""
        size = -(-len(self.blocks) // self.pages)
        return self.blocks[(page - 1) * size : page * size]

    @property
    def paragraphs(self) -> list[str]:
        """Ground-truth body lines: paragraph texts and image captions in reading order."""
        return [b.caption if isinstance(b, Figure) else b for b in self.blocks]


def generate_articles(seed: int = DEFAULT_SEED) -> list[Article]:
    """All articles, grouped by family and oldest first within each; deterministic for a seed."""
    rng = random.Random(seed)
    articles: list[Article] = []
    titles: set[str] = set()
    for family, count in COUNTS.items():
        dates = _publish_times(rng, count)
        for index, when in enumerate(dates):
            template = _pick_template(family, index)
            values, title = _unique_fill(rng, template, when, titles)
            article = _make_article(rng, family, index, when, template, values, title, seed)
            articles.append(article)
    return articles


def _publish_times(rng: random.Random, count: int) -> list[datetime]:
    """Distinct times in 2015-07-01 … 2015-07-22, oldest first, so ids and dates grow together."""
    days = sorted(rng.sample(range(1, 23), count))
    return [
        datetime(2015, 7, day, rng.randint(7, 21), rng.randint(0, 59), rng.randint(0, 59), tzinfo=CST) for day in days
    ]


def _pick_template(family: Family, index: int) -> StoryTemplate:
    if family == "phpcms" and index == MULTIPAGE_INDEX:
        return stories.FEATURE
    pool = {"phpcms": stories.SOCIAL, "dede": stories.FARMING, "trs": stories.GOVERNMENT, "modern": stories.CITY_LIFE}
    return pool[family][index % len(pool[family])]


def _unique_fill(
    rng: random.Random, template: StoryTemplate, when: datetime, titles: set[str]
) -> tuple[dict[str, str], str]:
    """Fill a template until its title is new: titles identify articles in tests."""
    for _ in range(MAX_FILL_ATTEMPTS):
        values = stories.fill_values(rng, template, when.month, when.day)
        title = template.title.format(**values)
        if title not in titles:
            titles.add(title)
            return values, title
    raise RuntimeError(f"story template {template.title!r} has too few title variants")


def _make_article(
    rng: random.Random,
    family: Family,
    index: int,
    when: datetime,
    template: StoryTemplate,
    values: dict[str, str],
    title: str,
    seed: int,
) -> Article:
    """One article: URL, credits and body in the conventions of its CMS family."""
    if family == "dede" and index % 3 == 1:
        values["resident"] = stories.person(rng, gbk_only=True)
    number, path, charset = _address(rng, family, index, when, title, seed)
    blocks = _blocks(template, values, family, when, path, index)
    reporters, correspondents = _credits(rng, family, index)
    return Article(
        family=family,
        column=COLUMNS[family],
        number=number,
        path=path,
        title=title,
        published=_published(family, when),
        source=_source(rng, family, index, values),
        reporters=reporters,
        correspondents=correspondents,
        editors=_editors(rng, family, index),
        tags=list(dict.fromkeys(tag.format(**values) for tag in template.tags)),
        blocks=blocks,
        charset=charset,
        views=rng.randint(120, 9800),
        pages=3 if template is stories.FEATURE else 1,
        aliases=[path + TRACKING_SUFFIX] if family == "modern" and index == DUPLICATE_INDEX else [],
    )


def _address(
    rng: random.Random, family: Family, index: int, when: datetime, title: str, seed: int
) -> tuple[int, str, str]:
    """(numeric id, canonical path, charset of the served bytes) in the family's URL scheme."""
    if family == "phpcms":
        number = 1200 + index * 7
        return number, f"/html/{when:%Y}/shehui_{when:%m%d}/{number}.html", "utf-8"
    if family == "dede":
        number = 300 + index * 3
        return number, f"/a/nongye/{when:%Y%m%d}/{number}.html", "gb18030"
    if family == "trs":
        number = 5100 + index * 11 + rng.randint(0, 9)
        if index % 2 == 0:
            return number, f"/xxgk/{when:%Y%m}/t{when:%Y%m%d}_{number}.html", "utf-8"
        return number, f"/art/{when.year}/{when.month}/{when.day}/art_1229_{number * 10 + 7}.html", "gbk"
    digest = hashlib.sha1(f"{seed}:{index}:{title}".encode()).hexdigest()[:8]
    return int(digest, 16), f"/news/{when:%Y-%m-%d}/{digest}.html", "utf-8"


def _blocks(
    template: StoryTemplate, values: dict[str, str], family: Family, when: datetime, path: str, index: int
) -> list[Block]:
    blocks: list[Block] = []
    for n, text in enumerate(template.paragraphs):
        filled = text.format(**values)
        if filled.startswith("[图]"):
            blocks.append(Figure(_image_path(family, when, path, index, n), filled.removeprefix("[图]")))
        else:
            blocks.append(filled)
    return blocks


def _image_path(family: Family, when: datetime, path: str, index: int, n: int) -> str:
    """Upload paths as each CMS names them (TRS keeps images beside the article page)."""
    if family == "phpcms":
        return f"/uploadfile/{when:%Y/%m%d/%Y%m%d%H%M%S}{index:02d}{n}.jpg"
    if family == "dede":
        return f"/uploads/allimg/{when:%y%m%d}/1-{when:%y%m%d%H%M}{index}{n}.jpg"
    if family == "trs":
        folder = path.rsplit("/", 1)[0]
        return f"{folder}/W0{when:%Y%m%d}{index:03d}{n:06d}.jpg"
    return f"/uploads/{when:%Y/%m/%d}/{path.rsplit('/', 1)[1].removesuffix('.html')}-{n}.jpg"


def _published(family: Family, when: datetime) -> datetime:
    """Ground-truth time at the precision the page states (DedeCMS and TRS show minutes only)."""
    return when.replace(second=0) if family in ("dede", "trs") else when


def _source(rng: random.Random, family: Family, index: int, values: dict[str, str]) -> str | None:
    if family == "trs":
        return values["bureau"]
    if family in ("phpcms", "dede") and index % 4 == 2:
        return None
    return rng.choice(stories.PAPERS)


def _credits(rng: random.Random, family: Family, index: int) -> tuple[list[str], list[str]]:
    """(reporters, correspondents): PHPCMS and TRS pages name nobody; some DedeCMS pages leave 作者 empty."""
    if family == "dede":
        return ([] if index % 4 == 3 else [stories.person(rng, gbk_only=index % 3 == 0)]), []
    if family == "modern":
        reporters = [stories.person(rng) for _ in range(1 + index % 2)]
        return reporters, ([stories.person(rng)] if index % 3 != 2 else [])
    return [], []


def _editors(rng: random.Random, family: Family, index: int) -> list[str]:
    if family in ("dede", "modern") or (family == "phpcms" and index % 2 == 0) or (family == "trs" and index % 3 == 0):
        return [stories.person(rng)]
    return []
