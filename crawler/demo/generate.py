"""Turn site specs into site models: every article's text, time, URL, credits and pages, plus the variants
a spec asks for (growth, syndicated copies, URL aliases, multi-page articles, hostile pages).

Deterministic for a seed. Each concern draws from its own seeded RNG stream, so switching one option on
(say `extra=2`) never changes the articles the others made.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from crawler.demo.model import Alias, Article, Block, Column, Figure, SiteModel
from crawler.demo.spec import FAMILIES, RICH_BYLINES, ArticleSpec, ColumnSpec, Resource, SiteSpec
from crawler.demo.stories import FEATURE, PAPERS, POOLS, WORDING, StoryTemplate, fill_values, person

MAX_FILL_ATTEMPTS = 60
#: fills tried with the template's own title before decorated forms are (most titles are new by then)
PLAIN_ATTEMPTS = 3
#: a title that collides with another is tried with these decorations before a counter is added
TITLE_FORMS = ("{title}", "【{town}】{title}", "{title}（图）", "{town}：{title}", "{month}月{day}日 {title}")
#: column index of the first syndicated copy: far above any column's own articles, so copies never move them
COPY_INDEX = 50_000
#: what a reprint desk may change besides 来源, time and column (a copy gets none, one or two: none is the same
#: body under another URL, which an archive must still keep as its own publication)
EDITS = ("lead", "note", "trim")
TRACKING_SUFFIXES = ("spm=c.{n}.0.0", "from=timeline", "from=groupmessage&isappinstalled=0", "spm=a2c{n}.list.1")
DEFAULT_CREDITS = {"sources": "1", "source_kind": "paper"}
#: contributor roles and the credits cycle that says how many each article has
ROLES = (("correspondent", "correspondents"), ("intern", "interns"), ("photographer", "photographers"))
#: how bylines label each role, per layout (slashed: 文/ and 图/ as photo credits are written)
ROLE_LABELS = {
    "spaced": {"writer": "记者 ", "correspondent": "通讯员 ", "intern": "实习生 ", "photographer": "摄影 "},
    "slashed": {"writer": "文/", "photographer": "图/", "correspondent": "通讯员 ", "intern": "实习生 "},
}
STATUS = {"error": 500, "challenge": 521, "redirect": 302}
HOSTILE_RESOURCES = {
    "offsite_redirect": Resource("/go/offsite.html", "redirect", "外链跳转", home=True),
    "meta_refresh": Resource("/zt/jump.html", "refresh", "专题跳转", home=True),
    "sitemap_bomb": Resource("/sitemap_bomb.xml.gz", "bomb"),
    # an HTML page and an RSS feed sent gzip-encoded that inflate to bomb_mb MB; a 302 chain that never ends
    "page_bomb": Resource("/zt/bigpic.html", "page_bomb", "高清大图", home=True),
    "feed_bomb": Resource("/rss_full.xml", "feed_bomb"),
    "redirect_loop": Resource("/go/loop.html", "redirect", "循环跳转", home=True),
}
#: where a hostile resource sends the client: off the site, or (a loop) back to itself
HOSTILE_TARGETS = {"redirect_loop": "{self}"}


def cycle(pattern: str, i: int) -> int:
    """The i-th digit of a repeating credits pattern ("1101": none every fourth article)."""
    return int(pattern[i % len(pattern)]) if pattern else 0


def generate(specs: list[SiteSpec], bases: list[str]) -> list[SiteModel]:
    """The models of one site or of a network of sites that syndicate each other's articles."""
    seen: set[str] = set()
    sites = [_site(spec, base, seen) for spec, base in zip(specs, bases, strict=True)]
    _syndicate(sites, random.Random(f"{specs[0].seed}:syndication"))
    for site in sites:
        _aliases(site, random.Random(f"{site.spec.seed}:aliases"))
        _multipage(site, random.Random(f"{site.spec.seed}:multipage"))
        _hostile(site, random.Random(f"{site.spec.seed}:hostile"))
        _check_paths(site)
        for column in site.columns:
            ordered = sorted(column.articles, key=lambda a: a.published)
            for older, newer in pairwise(ordered):
                older.newer, newer.older = newer, older
    return sites


def _columns(spec: SiteSpec) -> list[Column]:
    specs = [ColumnSpec(family) for family in spec.families] if spec.families else list(spec.columns)
    count = spec.per_column or (-(-spec.n_articles // len(specs)) if spec.n_articles else 0)
    return [Column(dataclasses.replace(c, count=count or c.count).resolved()) for c in specs]


def _site(spec: SiteSpec, base: str, seen: set[str]) -> SiteModel:
    site = SiteModel(spec, base.rstrip("/"), spec.name, _columns(spec), [], [])
    for column in site.columns:
        rng = random.Random(f"{spec.seed}:{column.key}")
        for i, when in enumerate(_times(rng, column.spec.count, spec.start, spec.days)):
            _add(site, column, _article(site, column, i, when, rng, seen))
    growth = [c for c in site.columns if c.key in spec.growth_columns] or site.columns[:1]
    rng = random.Random(f"{spec.seed}:growth")
    for j in range(spec.extra):
        column = growth[j % len(growth)]
        newest = max((a.published for a in column.articles), default=spec.start)
        when = newest + timedelta(hours=3, minutes=rng.randint(1, 50))
        _add(site, column, _article(site, column, column.spec.count + j // len(growth), when, rng, seen))
    rng = random.Random(f"{spec.seed}:placed")
    for placed in spec.articles:
        _add(site, _column(site, placed.column), _placed(site, placed, rng, seen))
    for r in spec.resources:
        if not r.option or spec.option(r.option):
            delay = spec.slow if r.kind == "slow" else 0.0
            resource = dataclasses.replace(r, status=STATUS.get(r.kind, 200), delay=delay)
            site.resources.append(resource)
            if r.column:
                _column(site, r.column).inserts.append((r.position, resource))  # type: ignore[union-attr]
    return site


def _add(site: SiteModel, column: Column | None, article: Article) -> None:
    article.url = site.url(article.path)
    site.articles.append(article)
    if column is not None and article.expected:
        column.articles.append(article)


def _column(site: SiteModel, key: str) -> Column | None:
    return next((c for c in site.columns if c.key == key), None)


def _times(rng: random.Random, count: int, start: datetime, days: int) -> list[datetime]:
    """Publication times, oldest first: distinct days while they last, then anywhere in the span."""
    if count <= days:
        offsets = [timedelta(days=d) for d in sorted(rng.sample(range(days), count))]
        return [
            start.replace(hour=0, minute=0, second=0)
            + offset
            + timedelta(hours=rng.randint(7, 21), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
            for offset in offsets
        ]
    return sorted(start + timedelta(seconds=rng.randrange(days * 86400)) for _ in range(count))


# ---------------------------------------------------------------- one article


def _credits(spec: SiteSpec, family: str) -> dict[str, Any]:
    if spec.bylines == "rich":
        return {**DEFAULT_CREDITS, **FAMILIES[family]["credits"], **RICH_BYLINES}
    return {**DEFAULT_CREDITS, **FAMILIES[family]["credits"]}


def _fill(
    rng: random.Random, template: StoryTemplate, when: datetime, seen: set[str], spec: SiteSpec, title: str = ""
) -> tuple[dict[str, str], str, list[str]]:
    """(values, title, paragraph texts) with a title and a body no other article has: they identify articles."""
    for attempt in range(MAX_FILL_ATTEMPTS):
        values = fill_values(rng, template, when.month, when.day)
        texts = _texts(rng, template, values, spec)
        body = "\n".join(texts)
        forms = [title] if title else [f.format(title=template.title.format(**values), **values) for f in TITLE_FORMS]
        if attempt < PLAIN_ATTEMPTS:
            forms = forms[:1]
        elif attempt == MAX_FILL_ATTEMPTS - 1:
            forms = [f"{forms[0]}（{n}）" for n in range(2, len(seen) + 3)]
        for candidate in forms:
            if (title or candidate not in seen) and body not in seen:
                seen.update((candidate, body))
                return values, candidate, texts
    raise RuntimeError(f"story template {template.title!r} gives no new body")  # pragma: no cover


def _texts(rng: random.Random, template: StoryTemplate, values: dict[str, str], spec: SiteSpec) -> list[str]:
    """The template's paragraphs filled, with one-off fact sentences after the lead and site-wide boilerplate
    sentences before the last paragraph."""
    texts = [p.format(**values) for p in template.paragraphs]
    drawn = [f.format(**values) for f in rng.sample(WORDING["facts"], min(2 * spec.details, len(WORDING["facts"])))]
    facts = ["".join(drawn[k : k + 2]) for k in range(0, len(drawn), 2)]
    boiler = rng.sample(WORDING["boilerplate"], min(spec.boilerplate, len(WORDING["boilerplate"])))
    return [texts[0], *facts, *texts[1:-1], *boiler, texts[-1]] if len(texts) > 1 else [*texts, *facts, *boiler]


def _blocks(texts: list[str], image: Any) -> list[Block]:
    return [Figure(image(n), t.removeprefix("[图]")) if t.startswith("[图]") else t for n, t in enumerate(texts)]


def _address(site: SiteModel, column: ColumnSpec, i: int, when: datetime, title: str, rng: random.Random) -> Any:
    """(id, path, encoding, image-path maker) in the column's URL schemes, used in turn."""
    start, step, jitter = column.get("ids")
    number = start + i * step + rng.randint(0, jitter)
    digest = hashlib.sha1(f"{site.spec.seed}:{column.key}:{i}:{title}".encode()).hexdigest()[:8]
    if any("{hash}" in s for s in column.get("articles")):
        number = int(digest, 16)
    schemes, encodings = column.get("articles"), column.encodings or [FAMILIES[column.family]["encoding"]]
    fields = {"date": when, "col": column.key, "cid": column.cid, "id": number, "hash": digest, "i": i}
    path = schemes[i % len(schemes)].format(**fields)
    folder, _, name = path.rpartition("/")
    image_fields = {**fields, "dir": folder, "stem": name.split(".")[0].split("?")[0]}

    def image(n: int) -> str:
        return str(FAMILIES[column.family]["image"].format(n=n, **image_fields))

    return number, path, encodings[i % len(schemes) % len(encodings)], image


def _article(
    site: SiteModel, column: Column, i: int, when: datetime, rng: random.Random, seen: set[str]
) -> Article:
    """The i-th article of a column, in the conventions of its family."""
    spec, family = site.spec, column.family
    multipage = column.spec.multipage
    long = bool(multipage) and multipage["index"] == i
    pool = POOLS[column.spec.pool]
    template = POOLS[multipage["pool"]][0] if long else pool[i % len(pool)]
    values, title, texts = _fill(rng, template, when, seen, spec)
    credits = _credits(spec, family)
    if cycle(credits.get("rare_residents", ""), i):
        texts = [t.replace(values["resident"], person(rng, gbk_only=True)) for t in texts]
    number, path, encoding, image = _address(site, column.spec, i, when, title, rng)
    published = when.replace(second=0) if FAMILIES[family]["precision"] == "minute" else when
    article = Article(column, family, i, number, path, title, published, _blocks(texts, image), encoding,
                      _source(rng, credits, i, values), views=rng.randint(120, 9800), story=site.url(path),
                      tags=list(dict.fromkeys(tag.format(**values) for tag in template.tags)),
                      layout=credits["layouts"][i % len(credits["layouts"])] if "layouts" in credits else "native")
    article.authors = [person(rng, gbk_only=bool(cycle(credits.get("rare_authors", ""), i)))
                       for _ in range(cycle(credits.get("authors", ""), i))]
    article.contributors = [(person(rng), role) for role, key in ROLES for _ in range(cycle(credits.get(key, ""), i))]
    article.editors = [person(rng) for _ in range(cycle(credits.get("editors", ""), i))]
    pages = multipage.get("pages", 1) if long else 1
    article.pages = [page_path(FAMILIES[family]["page_urls"], path, n) for n in range(1, pages + 1)]
    article.pager = FAMILIES[family]["article_pager"]
    tracking = column.spec.tracking
    if tracking and tracking["index"] == i:
        article.aliases.append(Alias("tracking", path + tracking["suffix"]))
        article.home = title
    if article.layout == "bracket" and (article.authors or article.contributors):
        article.blocks[0] = f"本报讯（{credit_line(article)}）{article.blocks[0]}"
    return article


def credit_parts(article: Article, style: str = "spaced") -> list[str]:
    """["记者 张三 李四", "通讯员 王五"] (spaced) or ["文/张三 李四", "图/赵六"] (slashed): a byline's credits."""
    labels = ROLE_LABELS[style]
    names = {role: [n for n, r in article.contributors if r == role] for role in labels}
    names["writer"] = article.authors
    return [f"{labels[role]}{' '.join(names[role])}" for role in labels if names[role]]


def credit_line(article: Article) -> str:
    """记者 张三 李四 通讯员 王五: how a byline names writers and contributors."""
    return " ".join(credit_parts(article))


def _source(rng: random.Random, credits: dict[str, Any], i: int, values: dict[str, str]) -> str | None:
    if not cycle(credits["sources"], i):
        return None
    return values["bureau"] if credits["source_kind"] == "bureau" else rng.choice(PAPERS)


def _placed(site: SiteModel, placed: ArticleSpec, rng: random.Random, seen: set[str]) -> Article:
    """An article the preset places by hand (fixed path and title; its text from a pool unless given)."""
    column = _column(site, placed.column)
    family = column.family if column else site.spec.home_family
    when = placed.published or site.spec.start + timedelta(days=rng.randint(0, site.spec.days - 1), hours=9)
    template = rng.choice(POOLS[placed.pool])
    _, title, texts = _fill(rng, template, when, seen, site.spec, title=placed.title)
    if placed.paragraphs:
        texts = list(placed.paragraphs)
    pages = [page_path(placed.page_urls, placed.path, n) for n in range(1, placed.pages + 1)]
    return Article(column, family, -1, 0, placed.path, title, when, list(texts), placed.encoding, rng.choice(PAPERS),
                   views=rng.randint(120, 9800), pages=pages, pager=FAMILIES[family]["article_pager"],
                   home=placed.home, feeds=placed.feeds, delay=placed.delay, fail_first=placed.fail_first,
                   expected=placed.expected, story=site.url(placed.path))


def page_path(style: str, path: str, n: int) -> str:
    """Path of page n of a multi-page article: 123.html, then 123_2.html, 123-2.html, ?page=2 or 123_1.html."""
    if n == 1:
        return path
    if style == "query":
        return f"{path}{'&' if '?' in path else '?'}page={n}"
    stem, dot, rest = path.partition("?")[0].rpartition(".")
    query = path.partition("?")[2]
    sep, number = {"dash": ("-", n), "index": ("_", n - 1)}.get(style, ("_", n))
    return f"{stem}{sep}{number}{dot}{rest}" + (f"?{query}" if query else "")


# ---------------------------------------------------------------- variants across articles


def _candidates(site: SiteModel) -> list[Article]:
    """Articles a variant may change: listed, single-page, neither copies nor copied, not already aliased."""
    return [a for c in site.columns for a in c.articles
            if len(a.pages) == 1 and not a.original and not a.copied and not a.aliases]


def _syndicate(sites: list[SiteModel], rng: random.Random) -> None:
    """Copies of articles in another column (or another site of the network), each with its own edits."""
    originals = [a for site in sites for a in _candidates(site)]
    for k in range(sites[0].spec.syndicated):
        original = rng.choice(originals)
        original.copied = True
        home = next(s for s in sites if original in s.articles)
        site = rng.choice(sites)
        targets = [c for c in site.columns if c is not original.column] or site.columns
        column = rng.choice(targets)
        when = original.published + timedelta(hours=rng.randint(1, 72), minutes=rng.randint(0, 59))
        number, path, encoding, image = _address(site, column.spec, COPY_INDEX + k, when, original.title, rng)
        blocks, edits = _edited(original, rng, sorted(rng.sample(EDITS, rng.randint(0, 2))), home.name, image)
        copy = dataclasses.replace(
            original,
            column=column,
            family=column.family,
            index=COPY_INDEX + k,
            number=number,
            path=path,
            published=when.replace(second=0) if FAMILIES[column.family]["precision"] == "minute" else when,
            source=(f"转载自{home.name}" if k % 2 == 0 else rng.choice(WORDING["reprint_sites"])),
            editors=[person(rng)],
            blocks=blocks,
            encoding=encoding,
            aliases=[],
            home="",
            # another family's own byline may not show every credit: reprints carry it as a line of text
            layout=original.layout if column.family == original.family else "spaced",
            original=original,
            edits=["source", "time", "column", *edits],
            older=None,
            newer=None,
        )
        copy.pages, copy.pager = [path], FAMILIES[column.family]["article_pager"]
        _add(site, column, copy)


def _edited(
    original: Article, rng: random.Random, edits: list[str], site_name: str, image: Any
) -> tuple[list[Block], list[str]]:
    """The original's body as a reprint desk runs it (a paragraph trimmed, a new lead line, an editor's note),
    and the edits made."""
    blocks: list[Block] = [Figure(image(n), b.caption) if isinstance(b, Figure) else b
                           for n, b in enumerate(original.blocks)]
    texts = [n for n, b in enumerate(blocks) if isinstance(b, str)]
    words = {"site": site_name, "title": original.title}
    if "trim" in edits and len(texts) < 4:
        edits = [e for e in edits if e != "trim"]
    if "trim" in edits:
        del blocks[rng.choice(texts[1:-1])]
    if "lead" in edits:
        blocks.insert(0, rng.choice(WORDING["lead_lines"]).format(**words))
    if "note" in edits:
        blocks.insert(0, rng.choice(WORDING["editor_notes"]).format(**words))
    return blocks, edits


def _aliases(site: SiteModel, rng: random.Random) -> None:
    """Other URLs of the same publication: share parameters, the dynamic twin, a print view, https."""
    pool = _candidates(site) if site.spec.aliases else []
    for n, article in enumerate(rng.sample(pool, round(len(pool) * site.spec.alias_share))):
        family, fields = FAMILIES[article.family], url_fields(article)
        targets = {
            "tracking": article.path + ("&" if "?" in article.path else "?") + TRACKING_SUFFIXES[n % 4].format(n=n),
            "dynamic": family["dynamic"].format(**fields),
            "print": family["print"].format(**fields),
            "https": "https://" + site.base.split("://", 1)[1] + article.path,
        }
        article.aliases.extend(Alias(kind, targets[kind]) for kind in site.spec.aliases)
    for article in (a for a in site.articles if a.expected and site.spec.print_view and not a.alias("print")):
        article.aliases.append(Alias("print", article.path + "?print=1"))


def url_fields(article: Article) -> dict[str, Any]:
    """The fields a family's URL patterns (dynamic twin, print view) are written in."""
    column = article.column.spec if article.column else None
    return {"path": article.path, "id": article.number, "cid": column.cid if column else 0,
            "col": column.key if column else "", "date": article.published, "hash": f"{article.number:08x}"}


def _multipage(site: SiteModel, rng: random.Random) -> None:
    """Spread a share of the articles over 2–4 pages, in turn over the URL styles and pager shapes."""
    pool = _candidates(site)
    chosen = sorted(rng.sample(pool, round(len(pool) * site.spec.multipage)), key=lambda a: a.story)
    for k, article in enumerate(chosen):
        pages = 2 + k % 3
        values = fill_values(rng, FEATURE, article.published.month, article.published.day)
        while len(article.blocks) < 2 * pages:
            article.blocks.append(rng.choice(WORDING["facts"]).format(**values))
        style = site.spec.multipage_styles[k % len(site.spec.multipage_styles)]
        article.pages = [page_path(style, article.path, n) for n in range(1, pages + 1)]
        article.pager = site.spec.multipage_pagers[k % len(site.spec.multipage_pagers)]


def _hostile(site: SiteModel, rng: random.Random) -> None:
    """One article or page per hostile kind asked for; `site.extra["hostile"]` says which URL has which."""
    found: dict[str, list[str]] = {}
    pool = [a for a in _candidates(site) if a.encoding == "utf-8"]
    for kind in site.spec.hostile:
        if kind in HOSTILE_RESOURCES:
            base = HOSTILE_RESOURCES[kind]
            target = HOSTILE_TARGETS.get(kind, site.spec.offsite + "landing.html").format(self=site.url(base.path))
            resource = dataclasses.replace(base, target=target, status=STATUS.get(base.kind, 200))
            site.resources.append(resource)
            found[kind] = [site.url(resource.path)]
            continue
        article = pool.pop(rng.randrange(len(pool)))
        article.hostile = kind
        if kind == "script_title":
            article.title = WORDING["hostile_title"].format(title=article.title)
        elif kind == "markup_source":
            article.source = WORDING["hostile_source"].format(source=article.source or site.name)
        elif kind == "deep_nesting":
            article.nesting = site.spec.nesting_depth
        else:  # mixed_encoding: GBK bytes with one UTF-8 block spliced in (render.py)
            article.encoding = "gbk-meta"
        found[kind] = [site.url(article.path)]
    site.extra["hostile"] = found


def _check_paths(site: SiteModel) -> None:
    """Two things at one URL is a bug in the data (two schemes overlap), not something to serve silently."""
    paths = [p for a in site.articles for p in a.pages] + [r.path for r in site.resources]
    paths += [p for c in site.columns for p in c.list_paths(site.spec.page_size)]
    counts = Counter(paths)
    twice = sorted(p for p, n in counts.items() if n > 1)
    if twice:
        raise ValueError(f"{site.name}: several pages at {twice[:5]}")
