"""Scrapy settings: only real overrides of Scrapy's defaults, each with its reason."""

import os

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# Where articles go: any SQLAlchemy URL; a SQLite file in the working directory when nothing is set.
ARCHIVE_DB_URL = os.environ.get("ARCHIVE_DB_URL", "sqlite:///newsarchive.db")

# Politeness: identify ourselves, obey robots.txt, adapt to the server's latency, few requests per site.
# A site profile's `concurrency` and `download_delay` override the two per-site values below.
USER_AGENT = os.environ.get(
    "NEWSARCHIVE_USER_AGENT", "newsarchive/0.1 (+https://github.com/newsarchive; research archive crawler)"
)
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5

# Regional servers are slow and flaky: retry timeouts and 5xx a few times, waiting longer each time
# (crawler.middlewares.BackoffMiddleware: 2 s, 4 s, 8 s …), but give up on a dead site quickly.
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
DOWNLOAD_TIMEOUT = 30
# A news page is well under 10 MB; anything larger is a download or a trap, cut it off.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Each response yields at most one item: 100 concurrent item tasks per response only costs scheduling time.
CONCURRENT_ITEMS = 8

# The frontier (crawler/frontier.py) keeps the set of scheduled URLs and asks the archive what is stored, so Scrapy's
# fingerprinting dupefilter is pure overhead — and with JOBDIR its on-disk seen-list survives a SIGKILL
# that loses the queue, which would silently skip the lost requests for ever. No dupefilter, then.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"

# Decode each page once (gb2312/gbk as gb18030, wrong labels caught), before anything reads response.text;
# see crawler/middlewares.py for why the order around HttpCompressionMiddleware (590) matters.
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's offsite check lets dont_filter requests (and so their redirects) go anywhere; ours does not
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.SiteBoundMiddleware": 50,
    # Scrapy's robots.txt check let requests waiting for robots.txt through unchecked (crawler.middlewares)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,
    # Scrapy's own, counting what they drop (redirect loops, decompression bombs) for the run record
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.CountedMetaRefreshMiddleware": 580,
    "crawler.middlewares.CountedCompressionMiddleware": 590,
    "crawler.middlewares.CountedRedirectMiddleware": 600,
    "crawler.middlewares.PlainCompressedMiddleware": 595,
    "crawler.middlewares.EncodingMiddleware": 585,
    "crawler.middlewares.BackoffMiddleware": 560,
    # offline replay (crawler/replay.py): answers every request from REPLAY_FROM, last before the network
    "crawler.replay.ReplayMiddleware": 950,
}
# A WARC file or a fixture directory to replay the crawl from, with no network (`-s REPLAY_FROM=path`).
REPLAY_FROM = os.environ.get("NEWSARCHIVE_REPLAY_FROM") or None

ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.normalize.NormalizePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.store.StorePipeline": 400,
}
EXTENSIONS = {
    "crawler.extensions.RunRecorder": 500,
    "crawler.extensions.ChallengeGuard": 500,
    # a JOBDIR queue left by a killed run is set aside, never read half-written (crawler.extensions.JobDirGuard)
    "crawler.extensions.JobDirGuard": 500,
    "crawler.extensions.ProgressLog": 500,
    # every response kept as a capture, list pages and robots.txt too, so a WARC export replays the whole crawl
    "crawler.page_captures.PageCaptures": 510,
}
# Scrapy's LogStats line ("Crawled N pages, scraped M items") says less than ours (crawler.extensions.ProgressLog):
# one line this often, 0 turns it off.
NEWSARCHIVE_PROGRESS_SECONDS = 60
LOGSTATS_INTERVAL = 0
# Scrapy 2.19 runs two code-execution consoles in every crawl: RemoteControl (Python over HTTP on localhost,
# scrapy.extensions.remote_control.RemoteControl) and the Telnet console. Off unless asked for with
# `-s REMOTE_CONTROL_ENABLED=True` / `-s TELNETCONSOLE_ENABLED=True`. (Their own switches, not None entries in
# EXTENSIONS: a spider's custom EXTENSIONS, as record-fixture's, replaces the whole dict and would bring them back.)
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Non-2xx responses are classified by the spider (soft 404s, challenges), so let them reach it.
HTTPERROR_ALLOWED_CODES = [404, 410, 412, 521]

# SQLite: a write waits this long for another writer's lock before it fails (and the article is kept to retry
# at the end of the run); the crawl logs every store that waited more than a few seconds (pipelines.store).
NEWSARCHIVE_SQLITE_BUSY_SECONDS = float(os.environ.get("NEWSARCHIVE_SQLITE_BUSY_SECONDS", "30"))

# Incremental crawling (crawler/spiders/news.py): articles published within this many days are fetched
# again (conditional GET) to catch corrections; 0 turns it off. `-a refetch_days=N` overrides per run.
NEWSARCHIVE_REFETCH_DAYS = 2
# Trap bounds besides crawler.urls (URL length, query explosions, calendars, search, print, login):
# link hops from a start page (a list's own pagination does not count) and pages per list.
NEWSARCHIVE_MAX_HOPS = 10
NEWSARCHIVE_MAX_LIST_PAGES = 5000
# This many challenge pages in a row (HTTP 412/521, JS cookie walls) close the spider (crawler.extensions.
# ChallengeGuard): never bypassed. 0 turns the guard off.
NEWSARCHIVE_MAX_CHALLENGES = 20

FEED_EXPORT_ENCODING = "utf-8"
# Items are logged by reason and URL only, never by repr (crawler/logformat.py). A dropped item is a DEBUG line:
# dropping a page that is not an article is routine, its counters are in the progress line and the run record,
# and at INFO a crawl says at most one line per stored article.
LOG_FORMATTER = "crawler.logformat.ArchiveLogFormatter"
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"

# Past one machine: with a Redis URL (here, `-s NEWSARCHIVE_REDIS_URL=…` or a Scrapyd `setting=`) the crawl is a
# fleet worker (crawler/fleet): workers share a frontier per site run, a killed worker's requests are fetched
# again, and DOWNLOAD_DELAY and CONCURRENT_REQUESTS_PER_DOMAIN hold for the whole fleet. Point ARCHIVE_DB_URL
# at one PostgreSQL archive.
NEWSARCHIVE_REDIS_URL = os.environ.get("NEWSARCHIVE_REDIS_URL")
ADDONS = {"crawler.fleet.addon.FleetAddon": 0}
# A killed worker's leased requests go back to the queue this long after its last heartbeat.
NEWSARCHIVE_LEASE_SECONDS = 60
# The first part of every Redis key, so several deployments can share one Redis.
NEWSARCHIVE_REDIS_PREFIX = os.environ.get("NEWSARCHIVE_REDIS_PREFIX", "newsarchive")

# Articles are stored on a writer thread (pipelines/writer.py) in batched transactions, so downloads go on while
# the database works; an item counts as stored only once its batch committed. At most this many per transaction.
NEWSARCHIVE_STORE_THREAD = True
NEWSARCHIVE_STORE_BATCH = 50
