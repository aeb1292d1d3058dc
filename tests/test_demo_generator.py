"""The site generator's variants, each checked on the generated site: CMS families at scale, boilerplate,
syndicated copies, URL aliases, multi-page articles, growth, bylines, hostile pages, the server and its CLI."""

from __future__ import annotations

import gzip
import html
import re
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.demo import Page, Site, build_network, build_site, lookup, serve, serve_network
from crawler.demo.spec import ALIAS_KINDS, HOSTILE_KINDS
from crawler.demo.stories import WORDING
from tests.test_demo_site import decode, fetch, path_of

BASE = "http://127.0.0.1:8000"
ROOT = Path(__file__).resolve().parents[1]
VARIANTS: dict[str, Any] = {
    "syndicated": 12,
    "boilerplate": 2,
    "aliases": list(ALIAS_KINDS),
    "alias_share": 0.1,
    "multipage": 0.15,
    "bylines": "rich",
}
FAMILY_MARKUP = {
    "phpcms": '<div id="Article">',
    "dede": '<div class="title"><h2>',
    "trs": '<div class="TRS_Editor">',
    "empire": "/e/public/ViewClick/",
    "founder": "<founder-content>",
    "modern": '"@type": "NewsArticle"',
}


@pytest.fixture(scope="module")
def site() -> Site:
    return build_site(BASE, "regional", **VARIANTS)


def page(site: Site, url: str) -> Page:
    found = lookup(site.pages, url)
    assert found is not None, url
    return found


def text(site: Site, url: str) -> str:
    return decode(page(site, url))


def article_text(site: Site, truth: dict[str, Any]) -> str:
    return "".join(text(site, url) for url in truth["page_urls"])


def by_url(site: Site) -> dict[str, dict[str, Any]]:
    return {a["url"]: a for a in site.expected_articles}


# ---------------------------------------------------------------- families and scale


def test_regional_site_has_a_column_per_family_each_in_its_own_cms_markup(site: Site) -> None:
    families = Counter(a["family"] for a in site.expected_articles)
    assert set(families) == set(FAMILY_MARKUP)
    assert min(families.values()) >= 40
    for family, marker in FAMILY_MARKUP.items():
        for truth in [a for a in site.expected_articles if a["family"] == family][:10]:
            assert marker in text(site, truth["url"]), (family, truth["url"])
    dede = next(a for a in site.expected_articles if a["family"] == "dede")
    with pytest.raises(UnicodeDecodeError):
        page(site, dede["url"]).body.decode("utf-8")
    assert page(site, dede["url"]).headers["Content-Type"] == "text/html"


def test_ground_truth_matches_every_page_of_every_article(site: Site) -> None:
    missing = []
    for truth in site.expected_articles:
        shown = article_text(site, truth)
        names = truth["author"] + truth["editor"] + [c["name"] for c in truth["contributors"]]
        wanted = [html.escape(truth["title"]), *(html.escape(p, quote=False) for p in truth["paragraphs"]), *names]
        wanted += [html.escape(truth["source"])] if truth["source"] else []
        missing += [(truth["url"], w) for w in wanted if w not in shown]
    assert not missing


def test_five_thousand_articles_have_distinct_urls_titles_and_bodies_and_are_all_listed() -> None:
    big = build_site(BASE, "regional", n_articles=5000)
    truth = big.expected_articles
    assert len(truth) >= 5000
    for key in ("url", "title", "body"):
        assert len({a[key] for a in truth}) == len(truth), key
    listed = sum(len(c.articles) for c in big.model.columns)
    assert listed == len(truth)
    assert sum(len(paths) for paths in big.lists.values()) >= 5000 // big.model.spec.page_size


def test_same_seed_builds_the_same_site_and_another_seed_other_articles() -> None:
    first, again = build_site(BASE, "regional", **VARIANTS), build_site(BASE, "regional", **VARIANTS)
    assert first.expected_articles == again.expected_articles
    assert first.stories == again.stories
    assert all(first.pages[k].body == again.pages[k].body for k in list(first.pages)[:200])
    other = build_site(BASE, "regional", seed=12, **VARIANTS)
    assert {a["title"] for a in other.expected_articles} != {a["title"] for a in first.expected_articles}


# ---------------------------------------------------------------- boilerplate and syndication


def test_boilerplate_sentences_recur_in_distinct_articles_that_are_distinct_stories(site: Site) -> None:
    own = [a for a in site.expected_articles if a["original"] is None]
    for sentence in WORDING["boilerplate"]:
        holders = [a for a in own if sentence in a["paragraphs"]]
        assert len(holders) >= 10, sentence
        assert len({a["story"] for a in holders}) == len(holders)
        assert len({a["title"] for a in holders}) == len(holders)


def test_syndicated_copies_are_rows_of_their_own_with_edits_and_one_story(site: Site) -> None:
    articles = by_url(site)
    groups = [s for s in site.stories if len(s["members"]) > 1]
    assert sum(len(s["members"]) - 1 for s in groups) == VARIANTS["syndicated"]
    edits_seen: set[str] = set()
    same_body = 0
    for story in groups:
        original = articles[story["original"]]
        assert original["original"] is None
        assert story["members"][0] == story["original"]
        for url in story["members"][1:]:
            copy = articles[url]
            assert copy["original"] == original["url"] == copy["story"]
            assert copy["column"] != original["column"]
            assert copy["published"] > original["published"]
            assert copy["source"] != original["source"]
            kept = [p for p in original["paragraphs"] if p in copy["paragraphs"]]
            assert len(kept) >= len(original["paragraphs"]) - 1
            if "trim" in copy["edits"]:
                assert len(kept) == len(original["paragraphs"]) - 1
            if {"lead", "note"} & set(copy["edits"]):
                assert copy["paragraphs"][0] not in original["paragraphs"]
            if copy["edits"] == ["source", "time", "column"]:
                assert copy["paragraphs"] == original["paragraphs"]
                same_body += 1
            edits_seen.update(copy["edits"])
    assert edits_seen == {"source", "time", "column", "lead", "note", "trim"}
    assert same_body >= 1


def test_a_network_of_sites_reprints_across_sites() -> None:
    bases = ["http://127.0.0.1:8001", "http://127.0.0.1:8002"]
    net = build_network(bases, "regional", n_articles=120, syndicated=10)
    assert net.sites[0].model.name != net.sites[1].model.name
    crossing = [s for s in net.stories if len({m.split("/")[2] for m in s["members"]}) > 1]
    assert crossing
    assert all(s in net.sites[0].stories and s in net.sites[1].stories for s in crossing)
    urls = {a["url"] for a in net.expected_articles}
    assert all(m in urls for s in net.stories for m in s["members"])


# ---------------------------------------------------------------- aliases, multi-page, growth


def test_aliases_serve_one_publication_and_are_linked_where_a_crawler_meets_them(site: Site) -> None:
    kinds: Counter[str] = Counter()
    unlinked: list[str] = []
    pages_text = "".join(text(site, a["url"]) for a in site.expected_articles)
    for alias, canonical in site.aliases.items():
        if alias.startswith("https://"):
            kinds["https"] += 1
            assert alias == canonical.replace("http://", "https://", 1)
        elif "print" in alias.lower():
            kinds["print"] += 1
            assert f'<link rel="canonical" href="{canonical}">' in text(site, alias)
        else:
            kinds["tracking" if re.search(r"[?&](spm|from)=", alias) else "dynamic"] += 1
            assert page(site, alias) is page(site, canonical)
            if html.escape(alias) not in pages_text and html.escape(path_of(alias)) not in pages_text:
                unlinked.append(alias)
    assert not unlinked
    assert set(kinds) == set(ALIAS_KINDS)
    assert all(n >= 20 for n in kinds.values())


def test_multipage_articles_use_every_url_style_and_pager_shape(site: Site) -> None:
    multi = [a for a in site.expected_articles if a["next_pages"]]
    styles = Counter()
    pagers = Counter()
    for truth in multi:
        second = truth["next_pages"][0]
        styles[next(s for s, cue in (("query", "page=2"), ("dash", "-2."), ("index", "_1."), ("underscore", "_2."))
                    if cue in second)] += 1
        first = text(site, truth["url"])
        pagers[next(p for p in ('id="pages"', "dede_pages", "fy-bar", 'class="pages"', "story-pages", "<p align")
                    if p in first)] += 1
        for url in truth["next_pages"]:
            assert page(site, url).status == 200
            assert html.escape(path_of(url).rsplit("/", 1)[1]) in html.unescape(first) or path_of(url) in first
        assert truth["paragraphs"][-1] not in first
    assert set(styles) == {"query", "dash", "index", "underscore"}
    assert len(pagers) == 6


def test_extra_publishes_newer_articles_on_top_of_the_first_list_page_and_changes_no_other() -> None:
    before, after = build_site(BASE, "regional"), build_site(BASE, "regional", extra=3)
    new = after.articles - before.articles
    assert len(new) == 3
    old = by_url(before)
    assert all(a == old[a["url"]] for a in after.expected_articles if a["url"] not in new)
    column = after.model.columns[0]
    first_list = text(after, after.model.url(column.list_path(1)))
    positions = sorted(first_list.index(path_of(url)) for url in new)
    oldest_before = min(first_list.find(path_of(u)) for u in after.column_articles[column.key][3:5])
    assert positions[-1] < oldest_before
    assert after.column_articles[column.key][:3] == sorted(new, key=after.column_articles[column.key].index)


def test_crawl_site_grows_in_its_growth_column_only() -> None:
    before, after = build_site(BASE, "crawl"), build_site(BASE, "crawl", extra=2)
    new = after.articles - before.articles
    assert len(new) == 2
    assert set(after.column_articles["xxgk"][:2]) == new
    assert all(after.column_articles[k] == before.column_articles[k] for k in before.column_articles if k != "xxgk")


# ---------------------------------------------------------------- bylines


def test_rich_bylines_glue_source_to_names_and_credit_every_contributor_role(site: Site) -> None:
    truth = site.expected_articles
    roles = Counter(c["role"] for a in truth for c in a["contributors"])
    assert {"correspondent", "intern", "photographer"} <= set(roles)
    glued = 0
    for a in truth:
        if a["source"] and a["author"] and a["original"] is None:
            pattern = f'来源：{html.escape(a["source"])}</span><span class="zz">{" ".join(a["author"])}</span>'
            glued += pattern in text(site, a["url"])
    assert glued >= 20
    bracketed = [a for a in truth if a["paragraphs"][0].startswith("本报讯（记者 ")]
    assert bracketed
    assert all(a["author"][0] in a["paragraphs"][0] for a in bracketed)
    assert sum(len(a["author"]) > 1 for a in truth) >= 20
    assert 0.7 * len(truth) < sum(bool(a["editor"]) for a in truth) < len(truth)


# ---------------------------------------------------------------- hostile pages


def test_hostile_variants_exist_only_when_asked_for() -> None:
    assert build_site(BASE, "regional").hostile == {}
    assert lookup(build_site(BASE, "regional").pages, "/sitemap_bomb.xml.gz") is None


def _inflated_size(body: bytes) -> int:
    size, rest = 0, body
    while rest:
        inflater = zlib.decompressobj(wbits=31)
        while chunk := inflater.decompress(rest, 1 << 20):
            size += len(chunk)
            rest = inflater.unconsumed_tail
        rest = inflater.unused_data
    return size


def test_hostile_pages_escape_markup_nest_deeply_redirect_off_site_and_inflate() -> None:
    hostile = build_site(BASE, "regional", hostile=list(HOSTILE_KINDS), bomb_mb=8, nesting_depth=2000)
    assert set(hostile.hostile) == set(HOSTILE_KINDS)
    articles = by_url(hostile)
    scripted = articles[hostile.hostile["script_title"][0]]
    assert "<script>" in scripted["title"]
    shown = text(hostile, scripted["url"])
    assert "<script>alert(" not in shown
    assert "&lt;script&gt;alert(" in shown
    marked = articles[hostile.hostile["markup_source"][0]]
    assert '"><img src=x onerror=' in marked["source"]
    assert "<img src=x onerror" not in text(hostile, marked["url"])
    deep = articles[hostile.hostile["deep_nesting"][0]]
    assert text(hostile, deep["url"]).count('<div class="wrap">') == 2000
    home = text(hostile, BASE + "/")
    redirect = page(hostile, hostile.hostile["offsite_redirect"][0])
    assert redirect.status == 302
    assert redirect.headers["Location"].startswith("http://127.0.0.2:")
    assert 'http-equiv="refresh" content="0;url=http://127.0.0.2:' in text(hostile, hostile.hostile["meta_refresh"][0])
    assert all(path_of(hostile.hostile[k][0]) in home for k in ("offsite_redirect", "meta_refresh"))
    bomb = page(hostile, hostile.hostile["sitemap_bomb"][0]).body
    assert f"Sitemap: {hostile.hostile['sitemap_bomb'][0]}" in text(hostile, BASE + "/robots.txt")
    assert _inflated_size(bomb) >= 8 << 20
    assert len(bomb) < (8 << 20) // 100
    mixed = articles[hostile.hostile["mixed_encoding"][0]]
    body = page(hostile, mixed["url"]).body
    assert mixed["charset"] == "gb18030"
    assert mixed["title"].encode("gb18030") in body
    assert "客户端".encode() in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_unknown_presets_and_variants_are_rejected() -> None:
    with pytest.raises(ValueError, match="no site preset"):
        build_site(BASE, "nosuchsite")
    with pytest.raises(ValueError, match="bogus"):
        build_site(BASE, "regional", aliases=["bogus"])
    with pytest.raises(ValueError, match="wordpress"):
        build_site(BASE, "regional", families=["wordpress"])
    with pytest.raises(TypeError):
        build_site(BASE, "regional", n_article=5)


# ---------------------------------------------------------------- the server


def test_server_answers_304_to_its_etag_500_before_a_flaky_page_and_logs_every_path() -> None:
    with serve("crawl") as server:
        site = server.site
        assert site is not None
        path = path_of(site.column_articles["news"][0])
        site.pages[path].headers["ETag"] = '"v1"'
        assert fetch(server, path, {"If-None-Match": '"v1"'})[0] == 304
        assert fetch(server, path, {"If-None-Match": '"v0"'})[0] == 200
        assert server.not_modified == [path]
        assert [fetch(server, "/2015/0715/902.html")[0] for _ in range(2)] == [500, 200]
        assert fetch(server, "/a/nongye/20150708/399.html")[0] == 404
        assert server.take_hits() == [path, path, "/2015/0715/902.html", "/2015/0715/902.html",
                                      "/a/nongye/20150708/399.html"]
        status, headers, body = fetch(server, "/xxgk/index.shtml", {"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["content-encoding"] == "gzip"
        assert gzip.decompress(body) == site.pages["/xxgk/index.shtml"].body


def test_a_network_is_served_one_site_per_port_and_copies_link_across() -> None:
    with serve_network(2, "regional", n_articles=60, syndicated=6) as running:
        first, second = running.servers
        assert first.base_url != second.base_url
        crossing = next(s for s in running.network.stories if len({m.split("/")[2] for m in s["members"]}) > 1)
        for url in crossing["members"]:
            server = first if url.startswith(first.base_url + "/") else second
            status, _, body = fetch(server, path_of(url))
            assert status == 200
            assert server.site is not None
            assert body == page(server.site, url).body
            assert html.escape(by_url(server.site)[url]["title"]) in decode(page(server.site, url))


def test_command_line_serves_a_preset_from_its_own_process() -> None:
    cmd = [sys.executable, "-m", "crawler.demo", "--preset", "crawl", "--port", "0", "-o", "extra=1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("URL http://127.0.0.1:"), proc.stderr.read() if proc.stderr else line
        base = line.split()[1]
        server = type("Remote", (), {"base_url": base})()
        status, _, robots = fetch(server, "/robots.txt")  # type: ignore[arg-type]
        assert status == 200
        assert f"Sitemap: {base}/sitemap_index.xml" in robots.decode()
        assert len(build_site(base, "crawl", extra=1).articles) == len(build_site(base, "crawl").articles) + 1
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
