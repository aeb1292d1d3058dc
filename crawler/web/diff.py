"""Readable differences between two states of an article, or between a copy and its story's original (difflib).

Bodies are compared paragraph by paragraph (the archive keeps one per line), then changed paragraphs character
by character — Chinese has no spaces, so a word diff would see one changed "word" per sentence. Long runs of
unchanged paragraphs fold into one "n unchanged paragraphs" row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import pairwise
from typing import Any

from crawler.web.text import paragraphs

#: unchanged paragraphs kept either side of a change; longer unchanged runs fold
CONTEXT = 1
#: two paragraphs whose characters agree less than this are shown as one removed and one added, not interleaved
INLINE_MIN_RATIO = 0.4
#: above this product of lengths a character diff costs too much time (difflib is quadratic): whole-paragraph rows
INLINE_MAX_WORK = 4_000_000

Segment = tuple[str, str]  # (equal | delete | insert, text)


@dataclass
class DiffRow:
    #: equal | delete | insert | replace | skip
    op: str
    segments: list[Segment] = field(default_factory=list)
    #: for op == "skip": how many unchanged paragraphs it stands for
    skipped: int = 0


@dataclass
class TextDiff:
    rows: list[DiffRow]
    #: characters the two texts share, over the longer one's length (1.0: the same text)
    similarity: float

    @property
    def changed(self) -> bool:
        return any(r.op not in ("equal", "skip") for r in self.rows)


def inline(old: str, new: str) -> list[Segment]:
    """The character-level changes from old to new as segments."""
    if len(old) * len(new) > INLINE_MAX_WORK:
        return [("delete", old), ("insert", new)]
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < INLINE_MIN_RATIO:
        return [("delete", old), ("insert", new)]
    out: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "delete", "replace") and i2 > i1:
            out.append(("equal" if tag == "equal" else "delete", old[i1:i2]))
        if tag in ("insert", "replace") and j2 > j1:
            out.append(("insert", new[j1:j2]))
    return out


def _paired(old: list[str], new: list[str]) -> list[DiffRow]:
    """A block of replaced paragraphs, paired in order; the longer side's extra paragraphs are whole rows."""
    rows = []
    for k in range(max(len(old), len(new))):
        if k < len(old) and k < len(new):
            rows.append(DiffRow("replace", inline(old[k], new[k])))
        elif k < len(old):
            rows.append(DiffRow("delete", [("delete", old[k])]))
        else:
            rows.append(DiffRow("insert", [("insert", new[k])]))
    return rows


def _fold(rows: list[DiffRow], context: int) -> list[DiffRow]:
    """Replace runs of unchanged rows longer than the context around changes by a skip row."""
    keep = [r.op != "equal" for r in rows]
    for i, row in enumerate(rows):
        if row.op != "equal":
            for j in range(max(0, i - context), min(len(rows), i + context + 1)):
                keep[j] = True
    out: list[DiffRow] = []
    for row, kept in zip(rows, keep, strict=True):
        if kept:
            out.append(row)
        elif out and out[-1].op == "skip":
            out[-1].skipped += 1
        else:
            out.append(DiffRow("skip", skipped=1))
    return out


def text_diff(old: str | None, new: str | None, *, context: int = CONTEXT) -> TextDiff:
    a, b = paragraphs(old), paragraphs(new)
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [DiffRow("equal", [("equal", p)]) for p in a[i1:i2]]
        elif tag == "delete":
            rows += [DiffRow("delete", [("delete", p)]) for p in a[i1:i2]]
        elif tag == "insert":
            rows += [DiffRow("insert", [("insert", p)]) for p in b[j1:j2]]
        else:
            rows += _paired(a[i1:i2], b[j1:j2])
    same = sum(len(text) for row in rows for op, text in row.segments if op == "equal")
    longest = max(sum(map(len, a)), sum(map(len, b)))
    return TextDiff(_fold(rows, context), same / longest if longest else 1.0)


@dataclass
class FieldChange:
    name: str
    #: text: `diff` holds the changes; list: `removed`/`added`; value: `old` → `new`
    kind: str
    diff: TextDiff | None = None
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    old: str = ""
    new: str = ""


def _item(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v)
    return str(value)


def field_change(name: str, old: Any, new: Any) -> FieldChange:
    """One field's change, in the form that reads best for its type."""
    if isinstance(old, list) or isinstance(new, list):
        before, after = [_item(v) for v in old or []], [_item(v) for v in new or []]
        return FieldChange(name, "list", removed=[v for v in before if v not in after],
                           added=[v for v in after if v not in before])
    if name == "published" or not isinstance(old or new or "", str):
        return FieldChange(name, "value", old="" if old is None else str(old), new="" if new is None else str(new))
    return FieldChange(name, "text", diff=text_diff(old, new, context=CONTEXT))


def version_changes(versions: list[dict[str, Any]]) -> list[list[FieldChange]]:
    """For each version (oldest first), what changed since the one before (nothing for the first)."""
    if not versions:
        return []
    out: list[list[FieldChange]] = [[]]
    for before, after in pairwise(versions):
        old, new = before.get("fields") or {}, after.get("fields") or {}
        names = after.get("changed") or [k for k in new if old.get(k) != new.get(k)]
        out.append([field_change(n, old.get(n), new.get(n)) for n in names])
    return out
