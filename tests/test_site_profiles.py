"""A site profile's politeness reaches Scrapy's settings, and only what the profile says."""

from __future__ import annotations

from crawler.sites import SiteProfile, profile_from_dict


def test_a_profile_with_a_delay_and_a_concurrency_asks_for_both_settings() -> None:
    profile = SiteProfile(id="slow", download_delay=2.5, concurrency=1)
    assert profile.rate_settings() == {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 2.5}


def test_a_profile_that_says_nothing_of_its_rate_leaves_the_settings_alone() -> None:
    assert SiteProfile(id="plain").rate_settings() == {}


def test_a_zero_delay_is_a_choice_the_profile_made_and_is_kept() -> None:
    assert profile_from_dict({"id": "fast", "download_delay": 0}).rate_settings() == {"DOWNLOAD_DELAY": 0}

