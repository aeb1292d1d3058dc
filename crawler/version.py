"""Version of the extraction rules, recorded with every article so re-extraction can tell what produced it."""

EXTRACTOR_VERSION = "0.1.0"
