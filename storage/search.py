"""Full-text search over article titles and bodies: the query syntax and the SQL conditions it becomes.

Syntax: words separated by spaces must all occur (AND); `"a phrase"` (or “a phrase”) must occur as written,
spaces included (`""` inside a phrase is one `"`); `-word` or `-"a phrase"` must not occur. A word matches
anywhere in the title or the body, as a substring — Chinese has no spaces between words, so there is no
word segmentation to get wrong. Matching ignores the case of ASCII letters. A NUL character is refused.

The index is a trigram index (SQLite FTS5 `trigram`, PostgreSQL `pg_trgm`): it serves words of 3+ characters.
Words of 1–2 characters (平安, 县) are matched by a scan of the rows the other filters leave, newest first, within
a window of the newest of them (storage.query.SCAN_ROWS); the search says so in its notes. Relevance order is a
count of the words' occurrences, a title's weighted TITLE_WEIGHT times a body's.

Every value the user types becomes a bound parameter; the SQL text depends only on the *shape* of the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    bindparam,
    func,
    literal_column,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import Article

#: the shortest word the trigram index can serve
MIN_INDEXED = 3
#: how much more an occurrence in the title counts than one in the body, in relevance order
TITLE_WEIGHT = 5.0

#: opening quote -> the characters that may close it
QUOTES = {'"': '"', "“": '”"'}

# The FTS5 table of migration 0002, for SQL construction only (never created from this metadata).
fts_table = Table(
    "articles_fts", MetaData(), Column("rowid", Integer, primary_key=True), Column("title", Text), Column("body", Text)
)


#: the search-index objects migration 0002 creates (its DDL lives, frozen, in the migration)
SQLITE_SEARCH_OBJECTS = ("articles_fts", "articles_fts_ai", "articles_fts_ad", "articles_fts_au")
POSTGRES_SEARCH_INDEXES = ("ix_articles_title_trgm", "ix_articles_body_trgm", "ix_articles_published_desc")


def missing_search_index(conn: Connection) -> list[str]:
    """Names of the search-index objects (table, triggers, indexes) this archive lacks; [] when complete."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        wanted: tuple[str, ...] = SQLITE_SEARCH_OBJECTS
    elif conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'articles'")
        wanted = POSTGRES_SEARCH_INDEXES
    else:
        return []
    present = {r[0] for r in rows}
    return [name for name in wanted if name not in present]


class QuerySyntaxError(ValueError):
    """The search text cannot be read; the message says where and how to fix it."""


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    exclude: bool = False
    phrase: bool = False

    @property
    def indexable(self) -> bool:
        return len(self.text) >= MIN_INDEXED


def _phrase(query: str, i: int) -> tuple[str, int]:
    """The phrase opened by the quote at i, and the index of its closing quote; `""` inside is one `"`."""
    closers = QUOTES[query[i]]
    chars = []
    j = i + 1
    while j < len(query):
        c = query[j]
        if c == '"' and query[j + 1 : j + 2] == '"':
            chars.append('"')
            j += 2
            continue
        if c in closers:
            return "".join(chars), j
        chars.append(c)
        j += 1
    raise QuerySyntaxError(f"unbalanced quote at position {i + 1}: close the phrase with {closers[0]}")


#: terms one search may have: each is a LIKE or index lookup; a pasted page of 1,100 words ran for half a minute
MAX_TERMS = 32


def parse_query(query: str) -> list[Term]:
    """Split search text into terms; raises QuerySyntaxError on an unclosed quote, an empty phrase, a bare '-' or
    more than MAX_TERMS terms."""
    if "\x00" in query:
        raise QuerySyntaxError("the search text contains a NUL character")
    terms: list[Term] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        exclude = False
        if ch == "-":
            exclude = True
            i += 1
            if i >= n or query[i].isspace():
                raise QuerySyntaxError(
                    f"'-' at position {start + 1} must be followed by a word to exclude (quote it to search for '-')"
                )
            ch = query[i]
        if ch in QUOTES:
            text, end = _phrase(query, i)
            if not text.strip():
                raise QuerySyntaxError(f"empty phrase at position {i + 1}")
            terms.append(Term(text, exclude=exclude, phrase=True))
            i = end + 1
            continue
        j = i
        while j < n and not query[j].isspace() and query[j] not in QUOTES:
            j += 1
        terms.append(Term(query[i:j], exclude=exclude))
        i = j
    if len(terms) > MAX_TERMS:
        raise QuerySyntaxError(f"{len(terms)} search terms; at most {MAX_TERMS} (quote a passage as one phrase)")
    return terms


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _caseless(text: str) -> bool:
    """Whether text has no letter with case (Chinese): matching it needs no case folding."""
    return text.lower() == text.upper()


def _contains(term: Term, dialect: str) -> ColumnElement[bool]:
    pattern = bindparam(None, f"%{_escape_like(term.text)}%", type_=Text)
    if dialect == "postgresql" and _caseless(term.text):
        # the same matches as ILIKE without folding each body's case: ~10x less CPU a row (pg_trgm serves both)
        return or_(Article.title.like(pattern, escape="\\"), Article.body.like(pattern, escape="\\"))
    if dialect == "postgresql":
        return or_(Article.title.ilike(pattern, escape="\\"), Article.body.ilike(pattern, escape="\\"))
    # SQLite's LIKE ignores ASCII case, as the trigram index does
    return or_(Article.title.like(pattern, escape="\\"), Article.body.like(pattern, escape="\\"))


def fts_match_expression(terms: list[Term]) -> str:
    """The FTS5 MATCH string for these (positive, indexable) terms: each a quoted phrase, all required.

    It is passed as a bound parameter; inside an FTS5 string only `"` is special, and it is doubled.
    """
    return " AND ".join('"' + t.text.replace('"', '""') + '"' for t in terms)


@dataclass
class TextPlan:
    """How the text part of a search runs: conditions, the FTS match (SQLite), a relevance score, notes."""

    #: conditions on articles, besides the FTS match
    conditions: list[ColumnElement[bool]]
    fts_match: str | None = None
    score: ColumnElement[float | Decimal] | None = None
    notes: tuple[str, ...] = ()
    #: whether some word can be served by the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL)
    uses_index: bool = False
    #: the words to find that are too short for the index
    short_words: tuple[str, ...] = ()


def _occurrences(column: ColumnElement[str] | InstrumentedAttribute[str], text: str) -> ColumnElement[float | Decimal]:
    """How many times text occurs in column (ASCII-case-insensitively on SQLite, as LIKE).

    A word without letters that have case (Chinese) is counted in the column as stored: lower() copied each body
    twice, two thirds of the cost of ranking a common word's candidates.
    """
    needle: ColumnElement[str] = bindparam(None, text, type_=Text)
    haystack: ColumnElement[str] | InstrumentedAttribute[str] = column
    if not _caseless(text):
        haystack, needle = func.lower(column), func.lower(needle)
    return (func.length(haystack) - func.length(func.replace(haystack, needle, ""))) / len(text)


def plan_text(query: str | None, dialect: str, *, use_fts: bool = True) -> TextPlan:
    """The WHERE conditions for search text on this dialect ("sqlite" or "postgresql").

    use_fts=False matches every word with LIKE (storage.query uses it to try the newest rows first).
    """
    terms = parse_query(query or "")
    if not terms:
        return TextPlan([])
    positive = [t for t in terms if not t.exclude]
    conditions: list[ColumnElement[bool]] = []
    notes: list[str] = []
    fts_match = None
    indexed = [t for t in positive if t.indexable]
    if dialect == "sqlite" and indexed and use_fts:
        fts_match = fts_match_expression(indexed)
        rest = [t for t in terms if t not in indexed]
    else:
        rest = terms
    for term in rest:
        cond = _contains(term, dialect)
        conditions.append(not_(cond) if term.exclude else cond)
    short = [t.text for t in positive if not t.indexable]
    if positive and not indexed:
        notes.append(
            f"the search index needs {MIN_INDEXED}+ characters; scanning articles for "
            + " ".join(repr(s) for s in short)
            + " (add a date or site filter to make it quicker)"
        )
    elif not positive:
        notes.append("only excluded words: scanning articles")
    score = None
    if positive:
        score = sum(
            (_occurrences(Article.title, t.text) * TITLE_WEIGHT + _occurrences(Article.body, t.text) for t in positive),
            start=literal_column("0"),
        )
    return TextPlan(conditions, fts_match, score, tuple(notes), uses_index=bool(indexed), short_words=tuple(short))


def fts_condition(match: str) -> ColumnElement[bool]:
    """`articles_fts MATCH :match` (the table name is the FTS5 hidden column that means "any column")."""
    return literal_column("articles_fts").op("MATCH")(bindparam(None, match, type_=Text))


def matching_ids(match: str) -> Select[int]:
    return select(fts_table.c.rowid).where(fts_condition(match))
