"""Time budget of one page's extraction: finders check it in their loops and give up when it runs out.

Extraction runs on the crawl's reactor thread, so a pathological page must never hold it for long. The finders
are linear, but a budget is what guarantees it: a finder that runs out raises :class:`OutOfTime`, its field
stays empty and ``rules[field]`` says ``"timeout"``; the other fields are still extracted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: a whole page may take this long: real pages take ~10 ms, a page past this would stall every other download
PAGE_BUDGET_S = 1.0
#: … plus this much per million characters: linear work on a big page is not pathological (20,000 paragraphs,
#: 600 k characters, take ~1 s on a quiet 2-core machine, most of it in the body finder)
PAGE_BUDGET_PER_MCHAR_S = 3.0
#: one finder may take this share of the page's budget: the body finder does the most work, and one pathological
#: field still leaves time for the others
FIELD_SHARE = 0.5


class OutOfTime(Exception):
    """The finder's share of the page budget is used up."""


@dataclass(slots=True)
class Budget:
    """The deadlines of one page: the page's own, and the current finder's (never later than the page's)."""

    page_s: float = PAGE_BUDGET_S
    field_s: float = PAGE_BUDGET_S * FIELD_SHARE
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    page_deadline: float = 0.0
    deadline: float = 0.0
    #: seconds each finder took (benchmarks use it to tell which finder a slow page costs)
    timings: dict[str, float] = field(default_factory=dict)
    _field: str = ""
    _started: float = 0.0

    def __post_init__(self) -> None:
        now = self._now()
        self.page_deadline = now + self.page_s
        self.deadline = self.page_deadline

    @classmethod
    def for_size(cls, chars: int) -> Budget:
        """The budget of a page of ``chars`` characters."""
        page_s = PAGE_BUDGET_S + PAGE_BUDGET_PER_MCHAR_S * chars / 1_000_000
        return cls(page_s=page_s, field_s=page_s * FIELD_SHARE)

    def _now(self) -> float:
        return self.clock()

    def start_field(self, name: str) -> None:
        """Open the next finder's share: ``field_s`` from now, cut at the page deadline."""
        self.end_field()
        now = self._now()
        self._field, self._started = name, now
        self.deadline = min(now + self.field_s, self.page_deadline)

    def end_field(self) -> None:
        """Close the current finder's share and note the time it took."""
        if self._field:
            self.timings[self._field] = self.timings.get(self._field, 0.0) + self._now() - self._started
            self._field = ""

    def spent(self) -> bool:
        """True when the whole page's budget is gone (later finders are not even started)."""
        return self._now() >= self.page_deadline

    def check(self) -> None:
        """Raise :class:`OutOfTime` when the current finder's deadline has passed."""
        if self._now() >= self.deadline:
            raise OutOfTime
