"""Near-duplicate detection: the same story syndicated by several sites with small edits becomes one story cluster.

Each article body is reduced to character 3-gram shingles (Chinese has no spaces, so characters, not words)
after dropping byline lines (来源, 责任编辑, 记者 …) that syndicating sites rewrite, and punctuation/whitespace.
A MinHash signature of the shingles (datasketch) is stored with the article, so the LSH index is rebuilt from
the database by any process in any run. Candidates from the LSH are confirmed with the estimated similarity:
the larger of Jaccard and containment (a copy with a trimmed paragraph is still contained in the original).

Every article belongs to a story (a singleton until a copy turns up); the earliest published copy is the
original (`articles.is_original`) and the story records the 来源 most copies declare.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from datasketch import MinHash, MinHashLSH
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Article, Story

NUM_PERM = 128
SHINGLE = 3
SEED = 1
#: datasketch's 32-bit affine permutation scheme (its default since 2.0), pinned so stored signatures stay comparable
SCHEME = "affine32"
#: confirmed similarity (max of Jaccard and containment) at or above which two bodies are copies of one story
THRESHOLD = 0.5
#: the LSH recalls candidates from a lower Jaccard, since containment can be high while Jaccard is not
LSH_THRESHOLD = 0.3
#: bodies shorter than this many shingles are too short to call near-duplicates
MIN_SHINGLES = 20

_BYLINE = re.compile(
    r"^[\s(（【\[]*(?:(?:来源|稿源|信息来源|责任编辑|责编|编辑|审核|审校|校对|记者|通讯员|作者|摄影|图片|供稿|原标题)\s*[:：]"
    r"|(?:记者|通讯员|摄影|编辑|责任编辑)\s+\S|本报讯|本台讯)"
)
_LEAD = re.compile(
    r"^\s*(本报讯|本台讯|本网讯|讯)?\s*[(（【\[][^)）】\]]{0,30}(记者|通讯员|编辑|讯)[^)）】\]]{0,30}[)）】\]]"
)
_NOT_TEXT = re.compile(r"[\W_]+")
#: a byline line is short; a long line starting with 记者 … is a paragraph that keeps its text
BYLINE_MAX = 40


def shingle_text(body: str) -> str:
    """The body as compared: NFKC, without byline lines, punctuation or whitespace."""
    body = unicodedata.normalize("NFKC", body)
    lines = [_LEAD.sub("", ln) for ln in body.splitlines() if not (len(ln) <= BYLINE_MAX and _BYLINE.match(ln))]
    return _NOT_TEXT.sub("", "".join(lines)).lower()


def shingles(body: str, k: int = SHINGLE) -> set[str]:
    text = shingle_text(body)
    if len(text) <= k:
        return {text} if text else set()
    return {text[i : i + k] for i in range(len(text) - k + 1)}


@dataclass(slots=True)
class Signature:
    minhash: MinHash
    size: int  # number of distinct shingles

    def similarity(self, other: Signature) -> float:
        """max(Jaccard, containment of the smaller in the larger), both estimated from the MinHashes."""
        if not self.size or not other.size:
            return 0.0
        j = self.minhash.jaccard(other.minhash)
        inter = j * (self.size + other.size) / (1 + j)
        return max(j, min(1.0, inter / min(self.size, other.size)))

    def pack(self) -> bytes:
        # affine32 hash values are 32-bit
        return struct.pack("<II", NUM_PERM, self.size) + self.minhash.hashvalues.astype("<u4").tobytes()

    @classmethod
    def unpack(cls, blob: bytes) -> Signature:
        num_perm, size = struct.unpack_from("<II", blob)
        values = np.frombuffer(blob, dtype="<u4", offset=8, count=num_perm).astype(np.uint32)
        return cls(MinHash(num_perm=num_perm, seed=SEED, hashvalues=values, scheme=SCHEME), size)


def signature(body: str) -> Signature:
    grams = shingles(body)
    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    m.update_batch([g.encode("utf-8") for g in grams])
    return Signature(m, len(grams))


@dataclass
class StoryIndex:
    """The LSH over every stored signature; `load` rebuilds it from the archive."""

    threshold: float = THRESHOLD
    lsh: MinHashLSH = field(default_factory=lambda: MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM))
    signatures: dict[int, Signature] = field(default_factory=dict)
    loaded: bool = False
    #: articles indexed in the current transaction, forgotten again by `rollback`
    pending: list[int] = field(default_factory=list)

    def load(self, session: Session) -> StoryIndex:
        """Index every article's stored signature. Reads only: articles without one are left to `cluster_unsigned`."""
        for article_id, blob in session.execute(select(Article.id, Article.signature).order_by(Article.id)):
            if blob is not None:
                self.add(article_id, Signature.unpack(blob))
        self.loaded = True
        return self

    def add(self, article_id: int, sig: Signature) -> None:
        self.discard(article_id)
        if sig.size < MIN_SHINGLES:
            return
        self.signatures[article_id] = sig
        self.lsh.insert(article_id, sig.minhash)

    def discard(self, article_id: int) -> None:
        if self.signatures.pop(article_id, None) is not None:
            self.lsh.remove(article_id)

    def matches(self, sig: Signature, exclude: int | None = None) -> list[int]:
        """Indexed articles whose body is a near-duplicate of this signature's."""
        if sig.size < MIN_SHINGLES:
            return []
        found = []
        for key in self.lsh.query(sig.minhash):
            if key != exclude and sig.similarity(self.signatures[key]) >= self.threshold:
                found.append(key)
        return sorted(found)

    def assign(self, session: Session, article: Article) -> int:
        """Put the article in the story of its near-duplicates (merging stories it bridges); returns the story id.

        Stores the article's signature and indexes it; call `discard` if the transaction is rolled back.
        """
        sig = signature(article.body)
        article.signature = sig.pack()
        story_ids = set()
        matched = self.matches(sig, exclude=article.id)
        if matched:
            story_ids = {
                s for s in session.scalars(select(Article.story_id).where(Article.id.in_(matched))) if s is not None
            }
        if article.story_id is not None and not matched:
            # a changed body may leave its old story: it gets a story of its own when others remain there
            others = session.scalar(
                select(Article.id).where(Article.story_id == article.story_id, Article.id != article.id).limit(1)
            )
            if others is not None:
                old = article.story_id
                article.story_id = None
                session.flush()
                refresh_story(session, old)
        if article.story_id is not None and matched:
            story_ids.add(article.story_id)
        if story_ids:
            target = min(story_ids)
            for other in story_ids - {target}:
                session.execute(update(Article).where(Article.story_id == other).values(story_id=target))
                session.execute(
                    update(Story).where(Story.id == other).values(original_article_id=None, source=None)
                )
            session.execute(  # one statement for all matches (a big story has hundreds)
                update(Article).where(Article.id.in_(matched), Article.story_id.is_(None)).values(story_id=target)
            )
            article.story_id = target
        elif article.story_id is None:
            story = Story()
            session.add(story)
            session.flush()
            article.story_id = story.id
        session.flush()
        refresh_story(session, article.story_id)
        self.add(article.id, sig)
        self.pending.append(article.id)
        return article.story_id

    def commit(self) -> None:
        self.pending.clear()

    def rollback(self) -> None:
        """The transaction that assigned the pending articles failed: they are not in the archive."""
        for article_id in self.pending:
            self.discard(article_id)
        self.pending.clear()

    def assign_all(self, session: Session, articles: Iterable[Article]) -> None:
        for article in articles:
            self.assign(session, article)


def cluster_unsigned(session: Session, index: StoryIndex) -> int:
    """Sign and cluster the articles stored before signatures existed (run by `newsarchive db upgrade`).

    Writes: each gets its signature and joins the story of its near-duplicates in the loaded `index`. Returns how
    many there were.
    """
    ids = list(session.scalars(select(Article.id).where(Article.signature.is_(None)).order_by(Article.id)))
    for article_id in ids:
        article = session.get(Article, article_id)
        if article is not None:
            index.assign(session, article)
    index.commit()
    return len(ids)


def refresh_story(session: Session, story_id: int) -> None:
    """Mark the earliest published copy as the original and record the 来源 most copies declare."""
    rows = session.execute(
        select(Article.id, Article.published, Article.fetched_at, Article.source).where(Article.story_id == story_id)
    ).all()
    story = session.get(Story, story_id)
    if story is None:
        return
    if not rows:
        story.original_article_id = None
        story.source = None
        session.flush()
        return
    original = min(rows, key=lambda r: (r.published or r.fetched_at, r.fetched_at, r.id))
    sources = Counter(r.source for r in rows if r.source)
    story.original_article_id = original.id
    if sources:
        top = max(sources.values())
        story.source = original.source if sources.get(original.source) == top else sources.most_common(1)[0][0]
    else:
        story.source = None
    # only the rows whose flag changes: rewriting every copy's row each time one joins is quadratic in the story's
    # size (and on PostgreSQL each rewritten row is indexed again, its body's trigrams too)
    session.execute(
        update(Article)
        .where(Article.story_id == story_id, Article.id != original.id, Article.is_original.is_(True))
        .values(is_original=False)
    )
    session.execute(
        update(Article).where(Article.id == original.id, Article.is_original.is_not(True)).values(is_original=True)
    )
    session.flush()
