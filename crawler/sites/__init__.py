"""Site profiles: site-specific knowledge as data (one TOML file per site), never as code."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILE_DIR = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """What a profile may say about a site; every field is optional except the id."""

    id: str
    name: str = ""
    start_urls: tuple[str, ...] = ()
    #: registered domains the crawl stays on; derived from start_urls when empty
    domains: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    #: regexes that mark article URLs (otherwise heuristics decide)
    article_patterns: tuple[str, ...] = ()
    #: field name -> CSS or XPath selector (XPath when it starts with "/" or "(")
    selectors: dict[str, str] = field(default_factory=dict)
    timezone: str = "Asia/Shanghai"
    download_delay: float | None = None
    concurrency: int | None = None
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()

    def rate_settings(self) -> dict[str, float | int]:
        """The Scrapy settings this profile's politeness asks for (a profile's rate applies unless -s overrides)."""
        rate: dict[str, float | int] = {}
        if self.concurrency:
            rate["CONCURRENT_REQUESTS_PER_DOMAIN"] = self.concurrency
        if self.download_delay is not None:
            rate["DOWNLOAD_DELAY"] = self.download_delay
        return rate

    def allows(self, url: str) -> bool:
        """True when the URL passes the profile's allow/deny patterns."""
        if any(re.search(p, url) for p in self.deny):
            return False
        return not self.allow or any(re.search(p, url) for p in self.allow)


def _tuple(value: str | Iterable[object] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def profile_from_dict(data: dict[str, Any]) -> SiteProfile:
    """Build a profile from parsed TOML, rejecting unknown keys so typos are not silently ignored."""
    known = set(SiteProfile.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown site profile keys: {', '.join(sorted(unknown))}")
    kwargs = dict(data)
    for key in ("start_urls", "domains", "allow", "deny", "article_patterns", "sitemaps", "feeds"):
        if key in kwargs:
            kwargs[key] = _tuple(kwargs[key])
    return SiteProfile(**kwargs)


def load_profile(site_id: str, directory: Path | None = None) -> SiteProfile:
    """Load `<site_id>.toml` from the profile directory (a path to a .toml file also works)."""
    path = Path(site_id)
    if path.suffix != ".toml":
        path = (directory or PROFILE_DIR) / f"{site_id}.toml"
    if not path.exists():
        raise FileNotFoundError(f"no site profile {site_id!r} (looked for {path})")
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    data.setdefault("id", path.stem)
    return profile_from_dict(data)


def list_profiles(directory: Path | None = None) -> list[SiteProfile]:
    return [load_profile(str(p)) for p in sorted((directory or PROFILE_DIR).glob("*.toml"))]
