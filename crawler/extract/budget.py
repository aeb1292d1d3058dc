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
#: one finder may take this long, so that one pathological field still leaves time for the others
FIELD_BUDGET_S = 0.35


class OutOfTime(Exception):
    """The finder's share of the page budget is used up."""


@dataclass(slots=True)
class Budget:
    """The deadlines of one page: the page's own, and the current finder's (never later than the page's)."""

    page_s: float = PAGE_BUDGET_S
    field_s: float = FIELD_BUDGET_S
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    page_deadline: float = 0.0
    deadline: float = 0.0

    def __post_init__(self) -> None:
        now = self._now()
        self.page_deadline = now + self.page_s
        self.deadline = self.page_deadline

    def _now(self) -> float:
        return self.clock()

    def start_field(self) -> None:
        """Open the next finder's share: ``field_s`` from now, cut at the page deadline."""
        self.deadline = min(self._now() + self.field_s, self.page_deadline)

    def spent(self) -> bool:
        """True when the whole page's budget is gone (later finders are not even started)."""
        return self._now() >= self.page_deadline

    def check(self) -> None:
        """Raise :class:`OutOfTime` when the current finder's deadline has passed."""
        if self._now() >= self.deadline:
            raise OutOfTime
