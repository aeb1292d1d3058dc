"""Scrapy settings: only real overrides of Scrapy's defaults, each with its reason."""

import os

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Where articles go: any SQLAlchemy URL; a SQLite file in the working directory when nothing is set.
ARCHIVE_DB_URL = os.environ.get("ARCHIVE_DB_URL", "sqlite:///newsarchive.db")

# Politeness: identify ourselves, obey robots.txt, adapt to the server's latency, few requests per site.
USER_AGENT = os.environ.get(
    "NEWSARCHIVE_USER_AGENT", "newsarchive/0.1 (+https://github.com/newsarchive; research archive crawler)"
)
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5

# Regional servers are slow and flaky: retry timeouts and 5xx a few times, but give up on a dead site quickly.
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
# A news page is well under 10 MB; anything larger is a download or a trap, cut it off.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Each response yields at most one item: 100 concurrent item tasks per response only costs scheduling time.
CONCURRENT_ITEMS = 8

ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.normalize.NormalizePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.store.StorePipeline": 400,
}
EXTENSIONS = {
    "crawler.extensions.RunRecorder": 500,
}

# Non-2xx responses are classified by the spider (soft 404s, challenges), so let them reach it.
HTTPERROR_ALLOWED_CODES = [404, 410, 412, 521]

FEED_EXPORT_ENCODING = "utf-8"
