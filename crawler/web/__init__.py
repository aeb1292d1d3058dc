"""The read-only web view of the archive (`newsarchive serve`): search, articles, stories, captures, sites, JSON API.

Every archive read goes through `crawler.web.data`; the rest of the package turns its plain data into pages.
"""
