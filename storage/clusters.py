"""Stories: the copies of one publication syndicated across columns and sites, decided pair by pair.

Stories are a function of the archive, never of one process's memory: `rebuild_stories` reads every article and
computes the same stories whoever runs it (any crawl worker at its end, `reextract`, `newsarchive stories
rebuild`, `db upgrade`) and in whatever order the articles were stored. A story's id is its original's article id.

Two articles are copies of one story when all of these hold (`is_copy`):

- their bodies, as compared (`shingle_text`: NFKC, without byline lines, the site's boilerplate sentences,
  punctuation and whitespace), share character 5-gram shingles such that the smaller body is mostly inside the
  larger (true containment, counted exactly on the two shingle sets) and the two are of comparable size;
- their titles are alike (a copy that keeps almost all of the body may be retitled);
- they were published within a window of each other.

Boilerplate is what makes distinct articles of one portal look alike (`会议要求…`, `相关负责人表示…`): a
sentence that recurs in articles of many different titles on one site is dropped before comparing.

Stories grow without chains: articles are taken earliest published first, and one joins a story only when it is
a copy of the story's original or of a strict majority of its members; otherwise it starts a story of its own.
So the original is the earliest published copy, and a story never holds two articles that only a third links.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crawler.fields import BY_NAME, iso_time
from storage.models import Article, Story, StoryRebuild, utcnow

#: shingle length in characters: 5 Chinese characters rarely recur by chance, while a template's fillers
#: (place names, numbers) break every shingle that spans them
SHINGLE = 5
#: share of the smaller body's shingles that must lie in the larger: a trimmed paragraph, a new lead line or an
#: editor's note leave a real copy well above it, a sibling article from the same template well below
CONTAINMENT = 0.75
#: the smaller body at least this share of the larger: a short notice inside a long round-up is not its copy
MIN_SIZE_RATIO = 0.4
#: character-bigram Dice similarity of the titles at or above which titles are alike
TITLE_SIMILARITY = 0.5
#: containment at or above which the bodies alone decide (a retitled copy of the whole text)
RETITLED_CONTAINMENT = 0.95
#: copies are published within this window of each other (reprints follow within days, not seasons)
WINDOW = timedelta(days=30)
#: bodies with fewer shingles than this are too short to call copies
MIN_SHINGLES = 20
#: a sentence in articles of at least this many distinct titles on one site is the site's boilerplate
#: (copies of one story usually keep the title, so a widely syndicated story does not count as boilerplate)
BOILERPLATE_TITLES = 4
#: sentences shorter than this are never boilerplate (short ones are too generic to tell anything)
BOILERPLATE_MIN_CHARS = 8
#: one shingle in four, chosen by its hash, indexes the candidates (same choice in every body)
SAMPLE = 4
#: a sampled shingle found in more bodies than this says nothing about which are copies (template text)
MAX_POSTING = 100
#: sampled shingles two bodies must share to be compared at all
MIN_SHARED_SAMPLES = 3

_BYLINE = re.compile(
    r"^[\s(（【\[]*(?:(?:来源|稿源|信息来源|责任编辑|责编|编辑|审核|审校|校对|记者|通讯员|作者|摄影|图片|供稿|原标题)\s*[:：]"
    r"|(?:记者|通讯员|摄影|编辑|责任编辑)\s+\S|本报讯|本台讯)"
)
_LEAD = re.compile(
    r"^\s*(本报讯|本台讯|本网讯|讯)?\s*[(（【\[][^)）】\]]{0,30}(记者|通讯员|编辑|讯)[^)）】\]]{0,30}[)）】\]]"
)
#: what a reprinting desk puts around the text it copies: an editor's note, a 导读 line, "本网讯 … 现转发如下",
#: "（某某综合报道）"; like bylines they say nothing about which story the text is
_REPRINT_NOTE = re.compile(
    r"^\s*(?:[【\[（(]?\s*(?:编者按|编者注|编者的话|编后语?|导读)\s*[】\]）)]?\s*[:：]?"
    r"|本网讯.{0,80}(?:转发|转载)"
    r"|[（(][^）)]{0,30}综合报道[）)]\s*$)"
)
_NOT_TEXT = re.compile(r"[\W_]+")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n")
#: a byline line is short; a long line starting with 记者 … is a paragraph that keeps its text
BYLINE_MAX = 40


def _norm(text_: str) -> str:
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text_)).lower()


def sentences(body: str) -> list[str]:
    """The body's sentences as compared (normalised), byline lines and reprint notes left out."""
    body = unicodedata.normalize("NFKC", body)
    out = []
    for line in body.splitlines():
        if (len(line) <= BYLINE_MAX and _BYLINE.match(line)) or _REPRINT_NOTE.match(line):
            continue
        for piece in _SENTENCE_END.split(_LEAD.sub("", line)):
            norm = _norm(piece)
            if norm:
                out.append(norm)
    return out


def shingle_text(body: str, boilerplate: frozenset[str] = frozenset()) -> str:
    """The body as compared: NFKC, without byline lines, reprint notes, boilerplate sentences, punctuation or
    whitespace."""
    return "".join(s for s in sentences(body) if s not in boilerplate)


# -- compact shingles ------------------------------------------------------------------------------------------
def _base(k: int) -> int:
    """The largest number of character ids whose k-character codes all fit in 64 bits."""
    base = int(2 ** (64 / k)) + 1
    while base**k > 2**64:
        base -= 1
    return base


#: a character without an id yet; the last id, given to every character past the table's room, is never exact
_UNSET = 0xFFFF
_FULL = 0xFFFE


class _Alphabet:
    """Characters numbered densely (the most frequent first when `register` is given counts), one table per
    process, so that a shingle of characters with small ids is one exact 64-bit code and two bodies' codes
    compare like their strings. Ids only grow, under a lock (the web view reads stories from several threads)."""

    def __init__(self) -> None:
        self.table = np.full(0x110000, _UNSET, dtype=np.uint16)
        self.size = 0
        self.lock = threading.Lock()

    def register(self, chars: Iterable[str]) -> None:
        with self.lock:
            for char in chars:
                cp = ord(char)
                if self.table[cp] == _UNSET:
                    self.table[cp] = min(self.size, _FULL)
                    self.size += 1

    def ids(self, points: np.ndarray) -> np.ndarray:
        ids = self.table[points]
        if (ids == _UNSET).any():
            self.register(chr(cp) for cp in np.unique(points[ids == _UNSET]).tolist())
            ids = self.table[points]
        return ids.astype(np.uint64)


_ALPHABET = _Alphabet()


@dataclass(slots=True, frozen=True, eq=False)
class Shingles:
    """A body's set of shingles in a few bytes each: the shingles of characters the alphabet numbers exactly as
    sorted 64-bit codes (an injective code: equal codes are equal strings), the others — a rare character past
    the alphabet's room, a body shorter than a shingle — as strings. Sizes and intersections are exact, as on
    the strings; `sampled` are the codes and strings of the shingles that index candidates (`_is_sample`)."""

    codes: np.ndarray
    rare: frozenset[str]
    sampled_codes: np.ndarray
    sampled_rare: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.codes) + len(self.rare)

    def __bool__(self) -> bool:
        return len(self) > 0

    def shared(self, other: Shingles) -> int:
        """|self ∩ other|."""
        a, b = (self.codes, other.codes) if len(self.codes) <= len(other.codes) else (other.codes, self.codes)
        n = 0
        if len(a) and len(b):
            at = np.searchsorted(b, a)
            at[at == len(b)] = 0
            n = int(np.count_nonzero(b[at] == a))
        return n + len(self.rare & other.rare)


_EMPTY_CODES = np.zeros(0, dtype=np.uint64)
NO_SHINGLES = Shingles(_EMPTY_CODES, frozenset(), _EMPTY_CODES, ())


def _is_sample(gram: str) -> bool:
    """One shingle in SAMPLE, chosen by its hash: the same choice in every body."""
    return zlib.crc32(gram.encode("utf-8")) % SAMPLE == 0


def _encode(compared: str, k: int) -> Shingles:
    if len(compared) <= k:
        return Shingles(_EMPTY_CODES, frozenset({compared}), _EMPTY_CODES, (compared,)) if compared else NO_SHINGLES
    base = _base(k)
    ids = _ALPHABET.ids(np.frombuffer(compared.encode("utf-32-le"), dtype="<u4"))
    n = len(compared) - k + 1
    codes = np.zeros(n, dtype=np.uint64)
    for offset in range(k):
        codes = codes * np.uint64(base) + ids[offset : offset + n]
    inexact = np.concatenate(([0], np.cumsum(ids >= base)))
    rare_at = np.flatnonzero(inexact[k:] - inexact[:-k])
    rare = frozenset(compared[i : i + k] for i in rare_at.tolist())
    if len(rare_at):
        codes = np.delete(codes, rare_at)
        firsts = np.delete(np.arange(n), rare_at)
    else:
        firsts = np.arange(n)
    codes, where = np.unique(codes, return_index=True)
    starts = firsts[where].tolist()
    sampled = np.fromiter((_is_sample(compared[i : i + k]) for i in starts), dtype=bool, count=len(starts))
    return Shingles(codes, rare, codes[sampled], tuple(g for g in rare if _is_sample(g)))



def shingles(body: str, boilerplate: frozenset[str] = frozenset(), k: int = SHINGLE) -> Shingles:
    """The body's character k-gram shingles, as compared (`shingle_text`), in compact form."""
    return _encode(shingle_text(body, boilerplate), k)


def title_similarity(a: str, b: str) -> float:
    """Dice coefficient of the titles' character bigrams (1.0 for two equal titles)."""
    a, b = _norm(a), _norm(b)
    if a == b:
        return 1.0
    ga = {a[i : i + 2] for i in range(len(a) - 1)} or {a}
    gb = {b[i : i + 2] for i in range(len(b) - 1)} or {b}
    return 2 * len(ga & gb) / (len(ga) + len(gb))


@dataclass(slots=True)
class Doc:
    """One article as the story engine sees it."""

    id: int
    site: str
    url: str
    title: str
    published: datetime | None
    fetched_at: datetime
    source: str | None
    column: str
    body: str
    grams: Shingles = field(default_factory=lambda: NO_SHINGLES)

    @property
    def order(self) -> tuple[Any, ...]:
        """Earliest published first; the URL breaks ties (ids and fetch times differ from run to run)."""
        return (self.published is None, self.published or self.fetched_at, self.url, self.id)


def containment(a: Shingles, b: Shingles) -> float:
    """|A ∩ B| / min(|A|, |B|): how much of the smaller set lies in the larger."""
    if not a or not b:
        return 0.0
    return a.shared(b) / min(len(a), len(b))


def _jaccard(a: Shingles, b: Shingles) -> float:
    shared = a.shared(b)
    union = len(a) + len(b) - shared
    return shared / union if union else 0.0


def is_copy(a: Doc, b: Doc) -> bool:
    """Are these two articles copies of one story? (See the module docstring for the rule.)"""
    if len(a.grams) < MIN_SHINGLES or len(b.grams) < MIN_SHINGLES:
        return False
    if min(len(a.grams), len(b.grams)) < MIN_SIZE_RATIO * max(len(a.grams), len(b.grams)):
        return False
    if a.published is not None and b.published is not None and abs(a.published - b.published) > WINDOW:
        return False
    c = containment(a.grams, b.grams)
    if c < CONTAINMENT:
        return False
    if c >= RETITLED_CONTAINMENT:  # the bodies decide alone: a copy may be retitled
        return not changed_facts(a.body, b.body)
    if title_similarity(a.title, b.title) < TITLE_SIMILARITY:
        return False
    return not changed_facts(f"{a.title}\n{a.body}", f"{b.title}\n{b.body}")


_TOKEN = re.compile(r"\d+(?:\.\d+)?|\D")


def changed_facts(a: str, b: str) -> list[tuple[str, str]]:
    """Numbers one body says differently where the other runs the same text (`7月1日` against `7月11日`).

    A reprint adds and drops paragraphs but never changes a date or a figure in what it keeps; two reports made
    from one template (the same meeting in another county on another day) differ exactly there.
    """
    ta, tb = _TOKEN.findall(shingle_text(a)), _TOKEN.findall(shingle_text(b))
    changed = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes():
        if op != "replace":
            continue
        na = [t for t in ta[i1:i2] if t[0].isdigit()]
        nb = [t for t in tb[j1:j2] if t[0].isdigit()]
        if na and nb and na != nb:
            changed.append(("".join(na), "".join(nb)))
    return changed


def boilerplate_sentences(docs: Iterable[Doc]) -> frozenset[str]:
    """Sentences that recur, per site, in articles of at least BOILERPLATE_TITLES distinct titles."""
    titles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc in docs:
        title = _norm(doc.title)
        for s in set(sentences(doc.body)):
            if len(s) >= BOILERPLATE_MIN_CHARS:
                titles[(doc.site, s)].add(title)
    return frozenset(s for (_site, s), seen in titles.items() if len(seen) >= BOILERPLATE_TITLES)


def candidate_pairs(docs: Sequence[Doc]) -> set[tuple[int, int]]:
    """Index pairs (i < j) of docs sharing enough sampled shingles to be worth an exact comparison.

    The postings are two numpy arrays (sampled code, doc index) sorted by code, 16 bytes a sampled shingle, and
    each doc counts its partners on its own, so no table of every pair sharing a shingle is ever held; the
    rare shingles' few postings are a dict."""
    indexed = [i for i, doc in enumerate(docs) if len(doc.grams) >= MIN_SHINGLES]
    if not indexed:
        return set()
    codes = np.concatenate([docs[i].grams.sampled_codes for i in indexed])
    owners = np.repeat(np.array(indexed, dtype=np.int64), [len(docs[i].grams.sampled_codes) for i in indexed])
    order = np.argsort(codes, kind="stable")  # stable: each posting's docs stay in index order
    codes, owners = codes[order], owners[order]
    firsts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    posting_codes = codes[firsts]
    lengths = np.diff(np.append(firsts, len(codes)))
    usable = (lengths >= 2) & (lengths <= MAX_POSTING)
    rare_partners = _rare_partners(docs, indexed)
    pairs: set[tuple[int, int]] = set()
    for i in indexed:
        runs = np.searchsorted(posting_codes, docs[i].grams.sampled_codes)
        runs = runs[usable[runs]]
        partners = owners[_ranges(firsts[runs], lengths[runs])]
        if i in rare_partners:
            partners = np.concatenate((partners, np.array(rare_partners[i], dtype=np.int64)))
        later, shared = np.unique(partners[partners > i], return_counts=True)
        pairs.update((i, j) for j in later[shared >= MIN_SHARED_SAMPLES].tolist())
    return pairs


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indexes start, start + 1 … start + length - 1 of every (start, length), concatenated."""
    ends = np.cumsum(lengths)
    return np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - lengths - starts, lengths)


def _rare_partners(docs: Sequence[Doc], indexed: list[int]) -> dict[int, list[int]]:
    """Per doc, the docs it shares a usable posting of a sampled rare shingle with (once per shingle)."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i in indexed:
        for gram in docs[i].grams.sampled_rare:
            postings[gram].append(i)
    partners: dict[int, list[int]] = defaultdict(list)
    for members in postings.values():
        if 2 <= len(members) <= MAX_POSTING:
            for i in members:
                partners[i].extend(j for j in members if j != i)
    return partners


@dataclass(slots=True)
class Grouping:
    """The stories of a set of docs: member indexes per story (original first) and the matched pairs."""

    stories: list[list[int]]
    copies: set[tuple[int, int]] = field(default_factory=set)


def group(docs: Sequence[Doc]) -> Grouping:
    """Stories of docs already in `Doc.order`: each joins the story whose original or majority it copies."""
    matched = {(i, j) for i, j in candidate_pairs(docs) if is_copy(docs[i], docs[j])}
    neighbours: dict[int, set[int]] = defaultdict(set)
    for i, j in matched:
        neighbours[i].add(j)
        neighbours[j].add(i)
    story_of: dict[int, int] = {}
    stories: list[list[int]] = []
    for i in range(len(docs)):
        best: tuple[int, int] | None = None  # (-matched members, story)
        for s in sorted({story_of[j] for j in neighbours[i] if j < i}):
            members = stories[s]
            hits = sum(1 for m in members if m in neighbours[i])
            if members[0] in neighbours[i] or 2 * hits > len(members):
                key = (-hits, s)
                best = key if best is None or key < best else best
        if best is None:
            story_of[i] = len(stories)
            stories.append([i])
        else:
            story_of[i] = best[1]
            stories[best[1]].append(i)
    return Grouping(stories, matched)


# -- the archive ---------------------------------------------------------------------------------------------
_DOC_COLUMNS = (
    Article.id, Article.site, Article.canonical_url, Article.title, Article.published, Article.fetched_at,
    Article.source, Article.column, Article.body,
)


def load_docs(session: Session, ids: Iterable[int] | None = None) -> list[Doc]:
    """Articles as docs (all, or these ids), in `Doc.order`, their shingles computed without the boilerplate of
    their sites (found over every article of those sites)."""
    stmt = select(*_DOC_COLUMNS)
    if ids is None:
        docs = [Doc(*row) for row in session.execute(stmt)]
        site_docs = docs
    else:
        docs = [Doc(*row) for row in session.execute(stmt.where(Article.id.in_(list(ids))))]
        sites = {d.site for d in docs}
        site_docs = [Doc(*row) for row in session.execute(stmt.where(Article.site.in_(sites)))]
    boiler = boilerplate_sentences(site_docs)
    compared = [shingle_text(doc.body, boiler) for doc in docs]
    _ALPHABET.register(char for char, _n in Counter("".join(compared)).most_common())  # frequent: exact codes
    for doc, text_ in zip(docs, compared, strict=True):
        doc.grams = _encode(text_, SHINGLE)
    docs.sort(key=lambda d: d.order)
    return docs


def _lock(session: Session) -> None:
    """One rebuild at a time per PostgreSQL archive (SQLite serialises writers itself)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(1107)"))


def _story_source(members: list[Doc]) -> str | None:
    """The 来源 most copies declare (the original's when it ties)."""
    sources = Counter(d.source for d in members if d.source)
    if not sources:
        return None
    top = max(sources.values())
    original = members[0].source
    return original if original and sources[original] == top else sources.most_common(1)[0][0]


@dataclass(slots=True)
class RebuildReport:
    articles: int = 0
    stories: int = 0
    #: stories of more than one copy
    syndicated: int = 0


def rebuild_stories(session: Session) -> RebuildReport:
    """Recompute every story from the archive's articles and write them (flushes; the caller commits).

    Bulk work in SQLAlchemy Core statements: one executemany per table. A story keeps the id of its original.
    """
    _lock(session)
    started = utcnow()
    docs = load_docs(session)
    grouping = group(docs)
    wanted: dict[int, tuple[str | None, list[Doc]]] = {}
    for members in grouping.stories:
        copies = [docs[i] for i in members]
        wanted[copies[0].id] = (_story_source(copies), copies)
    existing = set(session.scalars(select(Story.id)))
    new = [{"id": sid, "original_article_id": sid, "source": src} for sid, (src, _m) in wanted.items()
           if sid not in existing]
    if new:
        session.execute(insert(Story), new)
    kept = [{"id": sid, "original_article_id": sid, "source": src} for sid, (src, _m) in wanted.items()
            if sid in existing]
    if kept:
        session.execute(update(Story), kept)
    current = {aid: (sid, bool(orig)) for aid, sid, orig in session.execute(
        select(Article.id, Article.story_id, Article.is_original))}
    rows = [{"b_id": d.id, "b_story": sid, "b_original": d.id == sid}
            for sid, (_s, m) in wanted.items() for d in m if current.get(d.id) != (sid, d.id == sid)]
    if rows:
        table = cast(Table, Article.__table__)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            # updated_at kept: a story is no change of the article's content
            .values(story_id=bindparam("b_story"), is_original=bindparam("b_original"), updated_at=table.c.updated_at),
            rows,
        )
    in_use = select(Article.story_id).where(Article.story_id.is_not(None)).distinct()
    session.execute(delete(Story).where(Story.id.not_in(in_use)))
    through = max((d.id for d in docs), default=0)
    session.add(StoryRebuild(started_at=started, through_article_id=through, articles=len(docs), stories=len(wanted)))
    session.flush()
    session.expire_all()
    return RebuildReport(len(docs), len(wanted), sum(1 for _s, m in wanted.values() if len(m) > 1))


def stories_stale(session: Session) -> bool:
    """Whether the archive holds articles no rebuild has seen yet (they have only their one-article stories)."""
    newest = session.scalar(select(func.max(Article.id)))
    if newest is None:
        return False
    seen = session.scalar(select(func.max(StoryRebuild.through_article_id)))
    return seen is None or newest > seen


def new_story(session: Session, article: Article) -> None:
    """A newly stored (flushed) article's story until the next rebuild: its own, with itself as the original.

    Core statements, the ORM object told the values it now has (`set_committed_value`): a story of one article
    is two rows written once, and an ORM round (a lookup, a flush, an UPDATE of the article) cost ~1 ms each."""
    table = cast(Table, Story.__table__)
    dialect = session.get_bind().dialect.name
    values = {"id": article.id, "original_article_id": article.id, "source": article.source}
    if dialect in ("sqlite", "postgresql"):  # an id of a deleted article (SQLite reuses them) may still be a story
        insert_ = sqlite_insert if dialect == "sqlite" else pg_insert
        session.execute(insert_(table).values(**values).on_conflict_do_nothing(index_elements=["id"]))
    elif session.get(Story, article.id) is None:  # pragma: no cover - other backends
        session.execute(insert(table).values(**values))
    articles = cast(Table, Article.__table__)
    session.execute(update(articles).where(articles.c.id == article.id)
                    .values(story_id=article.id, is_original=True, updated_at=articles.c.updated_at))
    set_committed_value(article, "story_id", article.id)
    set_committed_value(article, "is_original", True)


# -- the reprint graph ---------------------------------------------------------------------------------------
def _paragraphs(body: str) -> list[str]:
    return [ln.strip() for ln in body.splitlines() if ln.strip()]


def edits(source: Doc, copy: Doc) -> dict[str, Any]:
    """What the copy changed against the article it copied: fields, and paragraphs removed or added."""
    changed = [name for name in ("title", "source", "column") if getattr(source, name) != getattr(copy, name)]
    before, after = _paragraphs(source.body), _paragraphs(copy.body)
    removed: list[str] = []
    added: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            removed += before[i1:i2]
        if op in ("insert", "replace"):
            added += after[j1:j2]
    delay = None
    if source.published is not None and copy.published is not None:
        delay = (copy.published - source.published).total_seconds()
    return {"fields": changed, "removed": removed, "added": added, "delay_seconds": delay}


def reprint_graph(session: Session, story_id: int) -> list[dict[str, Any]]:
    """Who copied whom in one story: per member (earliest first), the earlier member it is most alike (Jaccard of
    the compared shingles), with its edits against that one."""
    ids = list(session.scalars(select(Article.id).where(Article.story_id == story_id)))
    if not ids:
        return []
    docs = load_docs(session, ids)
    out = []
    for n, doc in enumerate(docs):
        entry: dict[str, Any] = {"id": doc.id, "site": doc.site, "url": doc.url, "title": doc.title,
                                 "published": doc.published, "source": doc.source, "column": doc.column,
                                 "copied_from": None, "edits": None}
        # the closest earlier copy by Jaccard: a copy of a copy shares the edits of the one it copied
        earlier = [(_jaccard(doc.grams, e.grams), -k, e) for k, e in enumerate(docs[:n])]
        if earlier:
            _c, _k, parent = max(earlier, key=lambda t: (t[0], t[1]))
            entry["copied_from"] = parent.id
            entry["edits"] = edits(parent, doc)
        out.append(entry)
    return out


def story_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Story)) or 0


def graph_json(graph: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reprint graph with times as ISO 8601 in China time (as `show` prints `published`)."""
    zone = BY_NAME["published"].zone
    return [{**entry, "published": iso_time(entry["published"], zone)} for entry in graph]


def story_rows(session: Session, site: str | None = None, min_size: int = 1) -> list[dict[str, Any]]:
    """One line per story: id, size, sites, the original's title, site, published time and 来源, largest first."""
    sizes = dict(session.execute(
        select(Article.story_id, func.count()).where(Article.story_id.is_not(None)).group_by(Article.story_id)
    ).all())
    rows: list[dict[str, Any]] = []
    for story in session.scalars(select(Story).order_by(Story.id)):
        size = sizes.get(story.id, 0)
        if size < min_size:
            continue
        sites = sorted(set(session.scalars(select(Article.site).where(Article.story_id == story.id))))
        if site is not None and site not in sites:
            continue
        original = session.get(Article, story.original_article_id) if story.original_article_id else None
        rows.append({
            "story_id": story.id, "size": size, "sites": sites, "source": story.source,
            "original_id": original.id if original else None, "title": original.title if original else "",
            "url": original.url if original else None,
            "published": original.published if original else None,
        })
    rows.sort(key=lambda r: (-r["size"], r["story_id"]))
    return rows
