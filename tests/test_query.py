"""Search: results equal a brute-force scan on both backends; syntax errors are clear; input never becomes SQL."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

import storage.query
from crawler.cli import main
from storage.db import session_scope
from storage.db import shared_archive as open_archive
from storage.models import Article, ArticleLink, ArticleTag
from storage.query import Filters, iter_articles, search, search_page
from storage.search import QuerySyntaxError, Term, missing_search_index, parse_query

BASE = datetime(2024, 3, 1, tzinfo=UTC)
VOCAB = ["平安", "社区", "建设", "防汛", "抗旱", "嘉禾", "县", "AbC", "abc", "数据", "%", "_", "\\", "'", '"', " "]
SITES = ["a", "b"]
SOURCES = [None, "", "嘉禾日报", "新华社"]
AUTHORS = [[], ["张三"], ["李四", "张三"], ["王五"]]
COLUMNS = ["", "要闻", "社会"]
TAGS = [[], ["平安"], ["平安", "社区"], ["防汛"]]


def new_article(n: int, **fields) -> Article:
    values = {
        "site": "a",
        "url": f"http://news.example.cn/{n}.html",
        "canonical_url": f"http://news.example.cn/{n}.html",
        "title": f"标题{n}",
        "body": "",
        "published": BASE + timedelta(hours=n),
        "fetched_at": BASE + timedelta(days=30, minutes=n),
        "content_digest": f"{n:064d}",
        "extractor_version": "test",
        "author": [],
        "editor": [],
    }
    tags = fields.pop("tags", [])
    links = fields.pop("links", [])
    values.update(fields)
    article = Article(**values)
    article.tags = [ArticleTag(position=i, name=t) for i, t in enumerate(tags)]
    article.links = [ArticleLink(position=i, **link) for i, link in enumerate(links)]
    return article


def random_archive(seed: int = 6, n: int = 80) -> list[Article]:
    rng = random.Random(seed)
    articles = []
    for i in range(1, n + 1):
        title = "".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 4)))
        body = "".join(rng.choice(VOCAB) for _ in range(rng.randint(0, 12)))
        published = None if i % 13 == 0 else BASE + timedelta(hours=rng.randint(0, 24 * 20))
        articles.append(
            new_article(
                i,
                site=rng.choice(SITES),
                title=title,
                body=body,
                published=published,
                source=rng.choice(SOURCES),
                author=rng.choice(AUTHORS),
                column=rng.choice(COLUMNS),
                tags=rng.choice(TAGS),
                fetched_at=BASE + timedelta(days=rng.randint(0, 20), minutes=i),
            )
        )
    # same published time, so the id tie-break is exercised
    articles[1].published = articles[0].published
    return articles


def _fold(s: str) -> str:
    """ASCII-only lower-casing, as SQLite's LIKE and the trigram index without diacritics folding."""
    return "".join(c.lower() if c.isascii() else c for c in s)


def brute_force(rows: list[dict], filters: Filters) -> list[int]:
    """Ids matching the filters, by a Python scan, newest first (undated last), ties by id descending."""
    terms = parse_query(filters.text or "")
    out = []
    for r in rows:
        hay = (_fold(r["title"]), _fold(r["body"]))
        ok = all(any(_fold(t.text) in h for h in hay) != t.exclude for t in terms)
        ok = ok and (not filters.site or r["site"] == filters.site)
        ok = ok and (not filters.source or r["source"] == filters.source)
        ok = ok and (not filters.author or filters.author in r["author"])
        ok = ok and (not filters.column or r["column"] == filters.column)
        ok = ok and (not filters.tag or filters.tag in r["tags"])
        pub, fetched = r["published"], r["fetched_at"]
        ok = ok and (not filters.since or (pub is not None and pub >= filters.since))
        ok = ok and (not filters.until or (pub is not None and pub < filters.until))
        ok = ok and (not filters.fetched_since or fetched >= filters.fetched_since)
        ok = ok and (not filters.fetched_until or fetched < filters.fetched_until)
        if ok:
            out.append(r)
    out.sort(key=lambda r: (r["published"] is not None, r["published"] or BASE, r["id"]), reverse=True)
    return [r["id"] for r in out]


@pytest.fixture
def archive(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        session.add_all(random_archive())
    with session_scope(sessions) as session:
        rows = [
            {
                "id": a.id,
                "title": a.title,
                "body": a.body,
                "site": a.site,
                "source": a.source,
                "author": a.author,
                "column": a.column,
                "tags": [t.name for t in a.tags],
                "published": a.published,
                "fetched_at": a.fetched_at,
            }
            for a in session.scalars(select(Article))
        ]
    return sessions, rows


QUERIES = [
    "平安",
    "县",
    "社区建设",
    "平安 社区",
    '"平安社区"',
    "平安社区 -防汛",
    "-平安",
    "-县 -数据",
    "abc",
    "ABC 平安",
    '"abc平"',
    "嘉禾县",
    "%",
    "_",
    "\\",
    "'",
    '"""平"',
    "%平安_",
    "防汛抗旱 建设",
    "“平安 社区”",
    "没有这个词",
]


@pytest.mark.parametrize("query", QUERIES)
def test_search_equals_brute_force_scan(archive, query):
    sessions, rows = archive
    filters = Filters(text=query)
    expected = brute_force(rows, filters)
    with session_scope(sessions) as session:
        got = [a.id for a in search(session, filters, limit=1000)]
        relevant = [a.id for a in search(session, Filters(text=query, sort="relevance"), limit=1000)]
    assert got == expected
    assert sorted(relevant) == sorted(expected)


FILTERS = [
    Filters(site="a"),
    Filters(text="平安", site="b", sort="relevance"),
    Filters(source="嘉禾日报"),
    Filters(author="张三"),
    Filters(text="社区", author="李四"),
    Filters(column="要闻", tag="平安"),
    Filters(tag="防汛", text="-防汛"),
    Filters(since=BASE + timedelta(days=5), until=BASE + timedelta(days=9)),
    Filters(text="建设", since=BASE + timedelta(days=3)),
    Filters(text="平安社区", until=BASE + timedelta(days=12)),
    Filters(fetched_since=BASE + timedelta(days=10), fetched_until=BASE + timedelta(days=15), text="数据"),
    Filters(text="嘉禾", site="a", source="新华社", since=BASE, until=BASE + timedelta(days=30)),
    # ranked by the index over candidates walked backwards by id, the publication range checked on each
    Filters(text="平安社区", since=BASE + timedelta(days=3), until=BASE + timedelta(days=12), sort="relevance"),
    Filters(text="社区建设", until=BASE + timedelta(days=9), sort="relevance"),
]


@pytest.mark.parametrize("filters", FILTERS, ids=range(len(FILTERS)))
def test_filters_equal_brute_force_scan(archive, filters):
    sessions, rows = archive
    expected = brute_force(rows, filters)
    with session_scope(sessions) as session:
        got = [a.id for a in search(session, filters, limit=1000)]
    if filters.sort == "relevance":
        assert sorted(got) == sorted(expected)
    else:
        assert got == expected


@pytest.mark.parametrize("sort", ["published", "relevance"])
@pytest.mark.parametrize("query", ["平安", "社区建设", None])
def test_pages_cover_every_result_once(archive, query, sort):
    sessions, rows = archive
    filters = Filters(text=query, sort=sort)
    with session_scope(sessions) as session:
        everything = [a.id for a in search(session, filters, limit=1000)]
        paged = []
        for page in range(0, len(everything) + 7, 7):
            paged += [a.id for a in search(session, filters, limit=7, offset=page)]
    assert paged == everything
    assert sorted(everything) == sorted(brute_force(rows, Filters(text=query)))


# -- the bounds that keep a first page's time flat as the archive grows (storage.query) -----------------------
BOUNDED_RELEVANCE = [
    Filters(text="abc", sort="relevance"),  # the index; ASCII case folded
    Filters(text="平安", sort="relevance"),  # a scan
    Filters(text="平安 社区", sort="relevance", since=BASE + timedelta(days=2)),
    Filters(text="abc 县", sort="relevance", site="a"),  # the index and a scan for the short word
]


@pytest.mark.parametrize("filters", BOUNDED_RELEVANCE, ids=range(len(BOUNDED_RELEVANCE)))
def test_relevance_over_many_matches_ranks_the_newest_candidates_with_a_note(archive, monkeypatch, filters):
    sessions, rows = archive
    bound = 6
    matches = brute_force(rows, filters)
    assert len(matches) > bound  # the bound is what this test exercises
    with session_scope(sessions) as session:
        everything = [a.id for a in search(session, filters, limit=1000)]  # the bound (1,000) is not reached
        monkeypatch.setattr(storage.query, "RELEVANCE_CANDIDATES", bound)
        page = search_page(session, filters, limit=1000)
    # words the index serves: the most recently archived matches; a scan: the newest published ones
    uses_index = any(t.indexable for t in parse_query(filters.text or ""))
    candidates = sorted(matches, reverse=True)[:bound] if uses_index else matches[:bound]
    assert [a.id for a in page.articles] == [i for i in everything if i in candidates]
    assert f"relevance order ranks the newest {bound}" in " ".join(page.notes)


def test_short_word_relevance_over_a_full_window_ranks_the_newest_matches_with_one_note(archive, monkeypatch):
    """Candidates found inside the scan window are the newest matches whatever the window: only their note."""
    sessions, rows = archive
    filters = Filters(text="平安", sort="relevance")
    with session_scope(sessions) as session:
        everything = [a.id for a in search(session, filters, limit=1000)]
        monkeypatch.setattr(storage.query, "RELEVANCE_CANDIDATES", 4)
        monkeypatch.setattr(storage.query, "SCAN_ROWS", 30)
        page = search_page(session, filters, limit=1000)
    newest = brute_force(rows, filters)[:4]
    assert set(newest) <= set(brute_force(rows, Filters())[:30])  # the newest 4 matches lie inside the window
    assert [a.id for a in page.articles] == [i for i in everything if i in newest]
    assert len(page.notes) == 2  # the index's 3+ characters note and the candidates' note
    assert "relevance order ranks the newest 4" in page.notes[1]


def test_relevance_within_the_bound_ranks_every_match_without_a_note(archive):
    sessions, rows = archive
    filters = Filters(text="abc", sort="relevance")
    with session_scope(sessions) as session:
        page = search_page(session, filters, limit=1000)
    assert sorted(a.id for a in page.articles) == sorted(brute_force(rows, filters))
    assert not any("relevance order ranks" in note for note in page.notes)


SCANNED = [
    Filters(text="县"),
    Filters(text="平安 -社区", site="b"),
    Filters(text="-平安", since=BASE + timedelta(days=4)),
    Filters(text="县", sort="relevance"),
]


# -2: all but the last two the filters allow, so without a date filter the window ends among the undated articles
@pytest.mark.parametrize("size", [20, -2])
@pytest.mark.parametrize("filters", SCANNED, ids=range(len(SCANNED)))
def test_short_word_scan_reads_the_newest_window_and_says_so(archive, monkeypatch, filters, size):
    sessions, rows = archive
    allowed = brute_force(rows, replace(filters, text=None, sort="published"))
    window = size if size > 0 else len(allowed) + size
    assert len(allowed) > window > 0
    by_id = {r["id"]: r for r in rows}
    if size < 0 and not filters.since:
        assert by_id[allowed[window]]["published"] is None
    newest = set(allowed[:window])
    expected = [i for i in brute_force(rows, filters) if i in newest]
    monkeypatch.setattr(storage.query, "SCAN_ROWS", window)
    with session_scope(sessions) as session:
        page = search_page(session, filters, limit=1000)
        full_page = search_page(session, replace(filters, sort="published"), limit=1)
    got = [a.id for a in page.articles]
    if filters.sort == "relevance":
        assert sorted(got) == sorted(expected)
    else:
        assert got == expected
    assert any(f"only the newest {window} articles were scanned" in note for note in page.notes)
    # a full first page from the window is the page a scan of everything finds: nothing to warn of
    assert [a.id for a in full_page.articles] == expected[:1]
    assert not any("only the newest" in note for note in full_page.notes)


@pytest.mark.parametrize("filters", [Filters(text="abc"), Filters(text="abc 县", site="a"), Filters(text="abc -县")])
def test_newest_window_of_a_common_indexed_word_gives_the_pages_the_index_gives(archive, monkeypatch, filters):
    """With the index listing at least SCAN_WINDOW matches, a first page comes from a scan of the newest window."""
    sessions, rows = archive
    expected = brute_force(rows, filters)
    monkeypatch.setattr(storage.query, "SCAN_WINDOW", 20)  # pages of up to 2 from the window of the newest 20
    windowed = []
    scan = storage.query._newest_window
    monkeypatch.setattr(storage.query, "_newest_window", lambda *a: windowed.append(scan(*a)) or windowed[-1])
    with session_scope(sessions) as session:
        got = [a.id for offset in range(0, 8, 2) for a in search(session, filters, limit=2, offset=offset)]
        sqlite = session.get_bind().dialect.name == "sqlite"
    assert got == expected[:8]
    if sqlite:  # (PostgreSQL's planner walks the publication index itself)
        assert windowed
        assert windowed[0] is not None  # the first page came from the window


@pytest.mark.postgres
@pytest.mark.parametrize("archive_url", ["postgres"], indirect=True)  # PostgreSQL's plan cache: no SQLite case
def test_postgres_plans_each_search_for_its_words(archive):
    """A generic plan of `LIKE $1` (psycopg prepares a statement run five times) read the whole trigram index for a
    2-character word: 10 s a search at a million articles. Every search plans for the words it carries."""
    sessions, _rows = archive
    with session_scope(sessions) as session:
        assert session.get_bind().dialect.name == "postgresql"
        pages = [[a.id for a in search(session, Filters(text=word))] for word in ["县", "平安"] * 3]
        mode = session.connection().exec_driver_sql("SHOW plan_cache_mode").scalar()
    assert mode == "force_custom_plan"
    assert pages[0] == pages[2] == pages[4]
    assert pages[1] == pages[3] == pages[5]


def test_export_is_not_bounded(archive, monkeypatch):
    sessions, rows = archive
    monkeypatch.setattr(storage.query, "SCAN_ROWS", 5)
    monkeypatch.setattr(storage.query, "RELEVANCE_CANDIDATES", 3)
    filters = Filters(text="县", sort="relevance")
    with session_scope(sessions) as session:
        exported = [a.id for a in iter_articles(session, filters)]
    assert exported == sorted(brute_force(rows, filters))


def test_relevance_puts_title_matches_first(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        session.add_all(
            [
                new_article(1, title="农业新闻", body="提到一次防汛抗旱。", published=BASE + timedelta(days=3)),
                new_article(2, title="防汛抗旱全面部署", body="防汛抗旱工作。防汛抗旱。", published=BASE),
                new_article(3, title="其他", body="无关", published=BASE + timedelta(days=5)),
            ]
        )
    with session_scope(sessions) as session:
        for query in ("防汛抗旱", "防汛"):  # candidates from the index and from the scan
            ids = [a.url for a in search(session, Filters(text=query, sort="relevance"))]
            assert ids == ["http://news.example.cn/2.html", "http://news.example.cn/1.html"], query
            newest = [a.url for a in search(session, Filters(text=query))]
            assert newest == ["http://news.example.cn/1.html", "http://news.example.cn/2.html"], query


def test_short_words_scan_with_a_note_and_long_words_use_the_index(archive):
    sessions, _rows = archive
    with session_scope(sessions) as session:
        short = search_page(session, Filters(text="县"))
        long = search_page(session, Filters(text="社区建设"))
        mixed = search_page(session, Filters(text="社区建设 县"))
    assert short.notes
    assert "3+ characters" in short.notes[0]
    assert not short.uses_index
    assert long.uses_index
    assert not long.notes
    assert mixed.uses_index
    assert not mixed.notes


def test_search_index_follows_inserts_updates_and_deletes(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        session.add(new_article(1, title="嘉禾市防汛演练", body="正文"))
    with session_scope(sessions) as session:
        assert len(search(session, Filters(text="防汛演练"))) == 1
        session.scalars(select(Article)).one().title = "嘉禾市消防演练"
    with session_scope(sessions) as session:
        assert search(session, Filters(text="防汛演练")) == []
        assert len(search(session, Filters(text="消防演练"))) == 1
        session.delete(session.scalars(select(Article)).one())
    with session_scope(sessions) as session:
        assert search(session, Filters(text="消防演练")) == []
        if session.get_bind().dialect.name == "sqlite":
            # the external-content index holds nothing the table does not
            session.execute(text("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)"))


def test_search_index_is_complete_at_head(archive_url):
    """A later migration that rebuilds `articles` on SQLite drops the FTS triggers; this catches it."""
    sessions = open_archive(archive_url)
    with sessions.kw["bind"].connect() as conn:
        assert missing_search_index(conn) == []


INJECTIONS = [
    "'; DROP TABLE articles; --",
    '" OR 1=1 --',
    '平安" OR "1"="1',
    "title:平安",
    "NEAR(平安 社区)",
    "平安*",
    "^平安",
    "平安 OR 社区",
    "平安 AND NOT 社区",
    "{title body}: 平安",
    "%' OR '1'='1",
    "平安社区)",
]


@pytest.mark.parametrize("query", INJECTIONS)
def test_search_text_never_changes_the_sql(archive, query):
    """FTS5 operators, quotes and SQL in the search text are literal characters to find, nothing more."""
    sessions, rows = archive
    with session_scope(sessions) as session:
        for sort in ("published", "relevance"):
            try:
                expected = brute_force(rows, Filters(text=query))
            except QuerySyntaxError:  # an unbalanced quote: refused with a message, before any SQL
                with pytest.raises(QuerySyntaxError):
                    search(session, Filters(text=query, sort=sort))
                continue
            got = [a.id for a in search(session, Filters(text=query, sort=sort), limit=1000)]
            assert sorted(got) == sorted(expected)
        for field in ("site", "source", "author", "column", "tag"):
            assert search(session, Filters(**{field: query})) == []
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == len(rows)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('平安 "社区', "unbalanced quote at position 4"),
        ("“平安", "unbalanced quote"),
        ("平安 -", "'-' at position 4"),
        ("- 平安", "must be followed by a word"),
        ('""', "empty phrase"),
        ('平安 "  "', "empty phrase"),
        ("平安\x00", "NUL"),
    ],
)
def test_syntax_errors_are_clear(query, message):
    with pytest.raises(QuerySyntaxError, match=message):
        parse_query(query)


def test_query_syntax():
    assert parse_query(' 平安  "社区 建设" -广告 -"县 委" “一 二”') == [
        Term("平安"),
        Term("社区 建设", phrase=True),
        Term("广告", exclude=True),
        Term("县 委", exclude=True, phrase=True),
        Term("一 二", phrase=True),
    ]
    assert parse_query("a-b") == [Term("a-b")]
    assert parse_query("") == []


@pytest.fixture
def cli_archive(sqlite_url):
    sessions = open_archive(sqlite_url)
    with session_scope(sessions) as session:
        session.add_all(random_archive())
    return sqlite_url


def test_cli_search_syntax_error_exits_2_without_traceback(cli_archive, capsys):
    assert main(["--db", cli_archive, "search", '平安 "社区']) == 2
    err = capsys.readouterr().err
    assert "unbalanced quote" in err
    assert "Traceback" not in err


def test_cli_search_pages_json_and_warns_on_short_words(cli_archive, capsys):
    assert main(["--db", cli_archive, "search", "平安", "--json", "--limit", "5", "--page", "2"]) == 0
    out, err = capsys.readouterr()
    page2 = [json.loads(line) for line in out.splitlines()]
    assert "warning" in err
    assert "3+ characters" in err
    assert main(["--db", cli_archive, "search", "平安", "--json", "--limit", "10"]) == 0
    first10 = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [a["id"] for a in page2] == [a["id"] for a in first10[5:10]]
    assert len(page2) == 5


def test_cli_search_filters_and_table(cli_archive, capsys):
    args = ["--db", cli_archive, "search", "社区", "--site", "a", "--author", "张三", "--column", "要闻"]
    args += ["--fetched-since", "2024-03-01", "--fetched-until", "2024-04-01", "--sort", "relevance", "--json"]
    assert main(args) == 0
    found = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert found
    for a in found:
        assert a["site"] == "a"
        assert "张三" in a["author"]
        assert a["column"] == "要闻"
        assert "社区" in a["title"] + a["body"]
    assert main(["--db", cli_archive, "search", "社区建设"]) == 0
    out = capsys.readouterr().out
    assert "published" in out
    assert "title" in out
