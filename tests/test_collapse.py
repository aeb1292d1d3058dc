"""One row per story, on SQLite and PostgreSQL: the collapsed search, the folded-copies counts and the story facet
counts equal their definition, computed in Python from the flat search, on a random archive with syndicated copies.

The definition (storage.query.Filters.collapse): among the articles that match, each story keeps one row — its
original when the original matches, else its lowest-id matching copy; an article without a story is a story of
its own. The rows keep the flat search's order; a row folds the story's other matching copies; a facet value
counts the stories with a matching copy that has it.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, timedelta

import pytest

from crawler.fields import READING_ZONE
from storage import browse
from storage.db import session_scope
from storage.db import shared_archive as open_archive
from storage.models import Article, Story
from storage.query import Filters, search, search_page
from tests.test_query import BASE, random_archive

#: stories of the random archive, and at most how many copies each has (some have one, some none matching)
STORIES = 30
MAX_COPIES = 4

COLLAPSED = [
    Filters(),
    Filters(text="平安"),
    Filters(text="社区建设"),
    Filters(text="平安社区 -防汛"),
    Filters(text="abc", sort="relevance"),
    Filters(text="平安", sort="relevance"),
    Filters(text="社区建设", since=BASE + timedelta(days=3), until=BASE + timedelta(days=15), sort="relevance"),
    Filters(text="平安", site="a"),
    Filters(text="嘉禾", since=BASE + timedelta(days=2), until=BASE + timedelta(days=14)),
    Filters(since=BASE + timedelta(days=4), until=BASE + timedelta(days=12)),
    Filters(text="-县", source="嘉禾日报"),
    Filters(tag="平安"),
    Filters(author="张三", column="要闻"),
    Filters(text="没有这个词"),
]


def syndicated_archive(seed: int = 14) -> tuple[list[Article], list[Story]]:
    """tests.test_query's random archive, with most articles spread over stories of 1..MAX_COPIES copies: some
    stories have an original, some none (every copy flagged a reprint), and the rest of the articles none."""
    rng = random.Random(seed)
    articles = random_archive(seed, n=150)
    stories = [Story(source="嘉禾日报") for _ in range(STORIES)]
    pool = list(articles)
    rng.shuffle(pool)
    for story in stories:
        copies = [pool.pop() for _ in range(rng.randint(1, MAX_COPIES))]
        for copy in copies:
            copy.story = story
            copy.is_original = False
        if rng.random() < 0.7:
            rng.choice(copies).is_original = True
    return articles, stories


@pytest.fixture
def archive(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        articles, stories = syndicated_archive()
        session.add_all(stories)
        session.add_all(articles)
    return sessions


def _story(article: Article) -> int:
    """The story an article stands in (its own, negated id, when it has none), as the definition counts it."""
    return article.story_id if article.story_id is not None else -article.id


def _defined(session, filters: Filters) -> tuple[list[Article], list[int], Counter[int]]:
    """(the flat matches in order, the ids the collapsed search is defined to return, matching copies per story)."""
    flat = search(session, replace(filters, collapse=False), limit=100_000)
    first: dict[int, tuple[bool, int]] = {}
    for a in flat:
        first[_story(a)] = min(first.get(_story(a), (True, a.id)), (not a.is_original, a.id))
    kept = [a.id for a in flat if first[_story(a)][1] == a.id]
    return flat, kept, Counter(_story(a) for a in flat)


def _month(article: Article) -> str:
    published = article.published
    if published is None:
        return ""
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return published.astimezone(READING_ZONE).strftime("%Y-%m")


@pytest.mark.parametrize("filters", COLLAPSED, ids=range(len(COLLAPSED)))
def test_collapsed_search_pages_are_the_defined_rows_in_the_flat_order(archive, filters):
    filters = replace(filters, collapse=True)
    with session_scope(archive) as session:
        _flat, expected, _copies = _defined(session, filters)
        everything = [a.id for a in search(session, filters, limit=1000)]
        paged: list[int] = []
        for offset in range(0, len(expected) + 7, 7):  # short pages: the newest-first window, then the index
            paged += [a.id for a in search_page(session, filters, limit=7, offset=offset).articles]
    assert everything == expected
    assert paged == expected


@pytest.mark.parametrize("filters", COLLAPSED, ids=range(len(COLLAPSED)))
def test_folded_counts_and_story_facets_are_the_defined_counts(archive, filters):
    filters = replace(filters, collapse=True)
    with session_scope(archive) as session:
        flat, expected, copies = _defined(session, filters)
        page = browse.result_page(session, filters, limit=10, offset=0)
        counted = browse.facets(session, filters)
        plain = browse.facets(session, replace(filters, collapse=False))
    shown = {r["story_id"] for r in page.rows if r["story_id"] is not None}
    assert [r["id"] for r in page.rows] == expected[:10]
    assert page.folded == {s: copies[s] - 1 for s in shown if copies[s] > 1}
    assert counted.total == len(copies)
    assert plain.total == len(flat)
    values = {
        "site": lambda a: a.site,
        "source": lambda a: a.source or "",
        "column": lambda a: a.column or "",
        "month": _month,
    }
    for name, value in values.items():
        stories: dict[str, set[int]] = {}
        for a in flat:
            stories.setdefault(value(a), set()).add(_story(a))
        defined = {v: len(s) for v, s in stories.items()}
        missing = defined.pop("", None)
        assert dict(getattr(counted, name)) == defined, name
        assert counted.missing.get(name) == missing, name
        assert dict(getattr(plain, name)) == dict(Counter(value(a) for a in flat if value(a))), name


def test_the_random_archive_has_the_cases_the_definition_distinguishes(archive):
    """Stories whose original does not match (a copy stands for them), and stories that fold several copies."""
    with session_scope(archive) as session:
        flat, kept, copies = _defined(session, Filters(text="平安"))
        by_id = {a.id: a for a in flat}
        stand_ins = [i for i in kept if by_id[i].story_id is not None and not by_id[i].is_original]
        originals = [i for i in kept if by_id[i].story_id is not None and by_id[i].is_original]
    assert stand_ins
    assert originals
    assert any(n > 1 for s, n in copies.items() if s > 0)
    assert len(kept) < len(flat)


def test_a_copy_stands_for_its_story_on_the_first_page_when_the_newer_original_lacks_the_words(archive_url):
    """The newest-first page looks among the newest articles of the date range (storage.query.SCAN_WINDOW): that
    window is of articles, not of stories, or a story's original (which lacks the words) would hide its copy."""
    from tests.test_query import new_article

    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        story = Story(source="嘉禾日报")
        original = new_article(1, title="嘉禾新闻", body="原稿", published=BASE + timedelta(days=9), story=story)
        copy = new_article(2, title="社区建设转载", body="社区建设", published=BASE + timedelta(days=8), story=story,
                           is_original=False)
        older = [new_article(10 + i, title="社区建设", body="", published=BASE + timedelta(days=i)) for i in range(6)]
        session.add_all([story, original, copy, *older])
        session.flush()
        copy_id = copy.id
    with session_scope(sessions) as session:
        filters = Filters(text="社区建设", since=BASE, until=BASE + timedelta(days=30), collapse=True)
        first = [a.id for a in search_page(session, filters, limit=3).articles]
        _flat, expected, _copies = _defined(session, filters)
    assert first[0] == copy_id
    assert first == expected[:3]


@pytest.mark.parametrize("text", ["abc", "平安"])  # candidates from the index (highest ids), from the scan (newest)
def test_collapsed_relevance_over_many_matches_keeps_the_candidates_that_stand_for_their_stories(
    archive, monkeypatch, text
):
    import storage.query

    bound = 8
    filters = Filters(text=text, sort="relevance", collapse=True)
    with session_scope(archive) as session:
        flat, kept, _copies = _defined(session, replace(filters, sort="published"))
        ranked = [a.id for a in search(session, replace(filters, collapse=False), limit=100_000)]
        monkeypatch.setattr(storage.query, "RELEVANCE_CANDIDATES", bound)
        page = search_page(session, filters, limit=1000)
    assert len(flat) > bound
    newest = sorted(a.id for a in flat)[-bound:] if text == "abc" else [a.id for a in flat[:bound]]
    assert [a.id for a in page.articles] == [i for i in ranked if i in newest and i in kept]
    assert any(f"ranks the newest {bound}" in note for note in page.notes)
