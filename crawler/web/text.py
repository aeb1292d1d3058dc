"""Text as the pages show it: matches of the search marked, snippets around the first match, paragraphs.

Highlighting returns (text, is_match) segments, never markup: the templates escape every segment, so an
archived title full of tags can only ever show as text.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: characters of body text a result's snippet shows
SNIPPET_CHARS = 160
#: how much of the snippet comes before the first match, so the match is read in its sentence
SNIPPET_LEAD = 40

Segments = list[tuple[str, bool]]

#: how a contributor's role (crawler.extract.types.CONTRIBUTOR_ROLES) reads on a page; another shows as stored
ROLE_LABELS = {
    "correspondent": "通讯员 correspondent",
    "intern": "实习生 intern",
    "photographer": "摄影 photographer",
    "translator": "翻译 translator",
    "other": "other credit",
}


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


@lru_cache(maxsize=256)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    words = sorted({t for t in terms if t}, key=len, reverse=True)  # longest first: 防汛抗旱 before 防汛
    if not words:
        return None
    # ASCII case only, as the search matches (SQLite LIKE, FTS5 trigram case_sensitive 0)
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE | re.ASCII)


def segments(value: str | None, terms: list[str] | tuple[str, ...]) -> Segments:
    """Split text into runs that match one of the terms and runs that do not."""
    value = value or ""
    pattern = _pattern(tuple(terms))
    if pattern is None or not value:
        return [(value, False)] if value else []
    out: Segments = []
    pos = 0
    for m in pattern.finditer(value):
        if m.start() > pos:
            out.append((value[pos : m.start()], False))
        out.append((m.group(), True))
        pos = m.end()
    if pos < len(value):
        out.append((value[pos:], False))
    return out


def snippet(body: str | None, terms: list[str] | tuple[str, ...], size: int = SNIPPET_CHARS) -> str:
    """About `size` characters of the body around the first match (the opening when nothing matches)."""
    flat = " ".join((body or "").split())
    pattern = _pattern(tuple(terms))
    match = pattern.search(flat) if pattern else None
    start = max(0, match.start() - SNIPPET_LEAD) if match else 0
    start = min(start, max(0, len(flat) - size))
    cut = flat[start : start + size]
    return ("…" if start else "") + cut + ("…" if start + size < len(flat) else "")


def paragraphs(body: str | None) -> list[str]:
    """The body's paragraphs (the archive keeps one per line), without empty ones."""
    return [line.strip() for line in (body or "").splitlines() if line.strip()]
