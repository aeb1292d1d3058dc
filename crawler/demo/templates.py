"""HTML for the demo site, one chrome per CMS family, modelled on the markup those systems really emit.

The quirks are deliberate (DedeCMS's logo in `div.title h1`, its `(责任编辑：…)` inside the body cell, the
`<style>` inside TRS_Editor, lazy `data-src` images): they are what extractors meet in the wild.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from crawler.demo.articles import Article, Column, Family, Figure
from crawler.demo.stories import CITY, SITE_NAME

HOT_COUNT = 6
GOV_NAME = f"{CITY}人民政府"
ICP = "示例ICP备00000001号"
LAZY_GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
STYLESHEETS: dict[Family, str] = {
    "phpcms": "/statics/css/default_blue.css",
    "dede": "/templets/default/style/dedecms.css",
    "trs": "/images/common.css",
    "modern": "/static/css/app.css",
}
SCRIPTS = ("/statics/js/jquery.min.js", "/static/js/app.js")
LOGOS: dict[Family, str] = {
    "phpcms": "/statics/images/v9/logo.jpg",
    "dede": "/templets/default/images/logo.gif",
    "trs": "/images/gov_logo.png",
    "modern": "/static/img/logo.png",
}


def e(text: str) -> str:
    return escape(text, quote=True)


@dataclass(frozen=True, slots=True)
class Context:
    """What every page needs to know about the whole site."""

    base: str
    articles: Sequence[Article]
    columns: Sequence[Column]
    print_view: bool = False
    traps: bool = False

    def url(self, path: str) -> str:
        return self.base + path

    def hot(self, exclude: Article | None = None) -> list[Article]:
        """热点新闻: the most-viewed articles other than `exclude`."""
        ranked = sorted(self.articles, key=lambda a: (-a.views, a.path))
        return [a for a in ranked if a is not exclude][:HOT_COUNT]

    def neighbours(self, article: Article) -> tuple[Article | None, Article | None]:
        """(上一篇, 下一篇): the older and newer article of the same column."""
        same = sorted((a for a in self.articles if a.column == article.column), key=lambda a: a.published)
        i = same.index(article)
        return (same[i - 1] if i > 0 else None), (same[i + 1] if i + 1 < len(same) else None)


def list_path(column: Column, page: int) -> str:
    """URL path of list page `page` (1-based) in the column's pagination style."""
    if column.family == "phpcms":
        return f"/list-12-{page}.html"
    if column.family == "dede":
        return f"/a/nongye/list_3_{page}.html"
    if column.family == "trs":
        return "/xxgk/index.html" if page == 1 else f"/xxgk/index_{page - 1}.html"
    return "/news/" if page == 1 else f"/news/?page={page}"


def tag_path(family: Family, tag: str) -> str:
    """Tag search link as each CMS builds it (DedeCMS percent-encodes the GBK bytes)."""
    if family == "phpcms":
        return f"/index.php?m=content&c=tag&a=lists&tag={quote(tag)}"
    if family == "dede":
        return f"/tags.php?/{quote(tag, encoding='gbk')}/"
    if family == "trs":
        return f"/was5/web/search?channelid=229&searchword={quote(tag)}"
    return f"/tag/{quote(tag)}"


def summary(article: Article, size: int = 60) -> str:
    first = next(b for b in article.blocks if isinstance(b, str))
    return first[:size]


def nav_links(ctx: Context) -> str:
    items = [f'<a href="{ctx.url("/")}">首页</a>']
    items += [f'<a href="{ctx.url(c.first_page)}">{e(c.name)}</a>' for c in ctx.columns]
    return "\n".join(items)


def traps_widget(ctx: Context) -> str:
    """Calendar and hot-search links that lead into endless generated pages (crawl-trap tests)."""
    if not ctx.traps:
        return ""
    days = " ".join(f'<a href="/calendar?date=2015-07-{d:02d}">{d}</a>' for d in range(1, 32))
    searches = " ".join(f'<a href="/search?q={quote(q)}&amp;page=1">{e(q)}</a>' for q in ("交通", "农业", "教育"))
    return (
        '<div class="calendar"><h3>新闻日历</h3>'
        '<a href="/calendar?date=2015-06-30">&lt;上月</a> 2015年7月 <a href="/calendar?date=2015-08-01">下月&gt;</a>'
        f"<p>{days}</p></div>\n"
        f'<div class="hot-search"><form action="/search"><input name="q"><input type="submit" value="搜索"></form>'
        f"热门搜索：{searches}</div>"
    )


def hot_items(ctx: Context, exclude: Article | None, item: str) -> str:
    """Render the 热点新闻 entries with a family-specific `item` pattern ({url}, {title}, {date})."""
    return "\n".join(
        item.format(url=ctx.url(a.path), title=e(a.title), date=f"{a.published:%Y-%m-%d}") for a in ctx.hot(exclude)
    )


def share_bar(ctx: Context, article: Article) -> str:
    target = quote(ctx.url(article.path), safe="")
    return (
        '<div class="bdsharebuttonbox share">分享到：'
        '<a href="#" class="bds_weixin" data-cmd="weixin" title="分享到微信">微信</a> '
        f'<a href="http://service.weibo.com/share/share.php?url={target}&amp;title={quote(article.title)}" '
        'class="bds_tsina" title="分享到新浪微博" target="_blank" rel="nofollow">微博</a> '
        f'<a href="https://sns.qzone.qq.com/cgi-bin/qzshare/cgi_qzshare_onekey?url={target}" class="bds_qzone" '
        'title="分享到QQ空间" target="_blank" rel="nofollow">QQ空间</a></div>'
    )


def print_link(ctx: Context, article: Article) -> str:
    if not ctx.print_view:
        return '<a href="javascript:window.print()">【打印本页】</a>'
    return f'<a href="{ctx.url(article.path)}?print=1" target="_blank">【打印本页】</a>'


def tag_links(ctx: Context, article: Article, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return " ".join(f'<a href="{e(ctx.url(tag_path(article.family, t)))}"{klass}>{e(t)}</a>' for t in article.tags)


def in_article_pager(ctx: Context, article: Article, page: int) -> str:
    """上一页 1 2 3 下一页, PHPCMS style: 上一页 on page 1 points at page 1 itself."""
    if article.pages == 1:
        return ""
    prev_page, next_page = max(page - 1, 1), min(page + 1, article.pages)
    numbers = " ".join(
        f"<span>{n}</span>" if n == page else f'<a href="{ctx.url(article.page_path(n))}">{n}</a>'
        for n in range(1, article.pages + 1)
    )
    return (
        f'<div id="pages" class="text-c"><a class="a1" href="{ctx.url(article.page_path(prev_page))}">上一页</a> '
        f'{numbers} <a class="a1" href="{ctx.url(article.page_path(next_page))}">下一页</a></div>'
    )


def image_html(ctx: Context, article: Article, figure: Figure) -> str:
    """An image and its caption the way each editor inserts them into the body."""
    if article.family == "phpcms":
        return (
            f'<p style="text-align: center;"><img alt="" src="{ctx.url(figure.src)}" '
            'style="width: 600px; height: 400px;" /></p>\n'
            f'<p style="text-align: center;">{e(figure.caption)}</p>'
        )
    if article.family == "dede":
        return f'<p align="center"><img src="{figure.src}" alt="" width="550" /><br />\n{e(figure.caption)}</p>'
    if article.family == "trs":
        name = figure.src.rsplit("/", 1)[1]
        src = f"./{name}" if figure.src.startswith("/xxgk/") else figure.src
        return (
            f'<p align="center"><img src="{src}" OLDSRC="{name}" border="0" /></p>\n'
            f'<p align="center" style="text-indent:0">{e(figure.caption)}</p>'
        )
    return (
        f'<figure class="image"><img src="{LAZY_GIF}" data-src="{ctx.url(figure.src)}" alt="{e(figure.caption)}" '
        f'loading="lazy"><figcaption>{e(figure.caption)}</figcaption></figure>'
    )


def body_html(ctx: Context, article: Article, page: int, para: str = "<p>{}</p>") -> str:
    return "\n".join(
        image_html(ctx, article, b) if isinstance(b, Figure) else para.format(e(b)) for b in article.page_blocks(page)
    )


# ---------------------------------------------------------------- PHPCMS v9 (UTF-8)


def phpcms_frame(ctx: Context, title: str, main: str, side: str, head: str = "") -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta http-equiv="X-UA-Compatible" content="IE=7" />
<title>{e(title)}</title>
{head}
<link href="{STYLESHEETS["phpcms"]}" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="{SCRIPTS[0]}"></script>
</head>
<body>
<div class="body-top"><div class="content">
<span class="rt"><a href="javascript:;" onclick="setHomepage()">设为首页</a> | \
<a href="javascript:;">加入收藏</a></span>
欢迎访问{SITE_NAME}！今天是<script>document.write(new Date().toLocaleDateString())</script>
</div></div>
<div class="header">
<div class="logo lf"><a href="{ctx.url("/")}"><img src="{LOGOS["phpcms"]}" alt="{SITE_NAME}" /></a></div>
<div class="search"><form action="{ctx.url("/index.php")}" method="get" target="_blank">
<input type="hidden" name="m" value="search"/><input type="text" name="q" id="q"/>
<input type="submit" value="搜 索"/></form></div>
<div class="nav-bar"><map><ul class="nav-site"><li>{nav_links(ctx)}</li></ul></map></div>
</div>
<div class="main">
<div class="col-left">
{main}
</div>
<div class="col-auto">
<div class="box"><h5 class="title-2">热点新闻</h5>
<ul class="content digg">
{side}
</ul></div>
{traps_widget(ctx)}
</div>
</div>
<div class="footer">
<p class="info"><a href="{ctx.url("/")}">首页</a> | <a href="{ctx.url("/sitemap.xml")}">网站地图</a> | \
<a href="{ctx.url("/rss.xml")}">RSS订阅</a> | <a href="javascript:;">联系我们</a><br />
Copyright &copy; 2015 {SITE_NAME} 版权所有 未经授权禁止复制或建立镜像<br />
<a href="https://beian.miit.gov.cn/" target="_blank" rel="nofollow">{ICP}</a> Powered by PHPCMS v9</p>
</div>
</body>
</html>
"""


def phpcms_article(ctx: Context, article: Article, page: int) -> str:
    older, newer = ctx.neighbours(article)
    prev_html = f'<a href="{ctx.url(older.path)}">{e(older.title)}</a>' if older else "第一页"
    next_html = f'<a href="{ctx.url(newer.path)}">{e(newer.title)}</a>' if newer else "最后一页"
    editor = (
        f'<div class="editor" style="text-align:right">责任编辑：{e(article.editors[0])}</div>'
        if (article.editors)
        else ""
    )
    main = f"""<div class="crumbs"><a href="{ctx.url("/")}">首页</a><span> &gt; </span>\
<a href="{ctx.url(article.column.first_page)}">{e(article.column.name)}</a> &gt;  正文</div>
<div id="Article">
<h1>{e(article.title)}<br />
<span>{article.published:%Y-%m-%d %H:%M:%S} &nbsp; 来源: {e(article.source or "")} &nbsp; \
今日浏量:<span id="hits"></span></span></h1>
<div class="content">
{body_html(ctx, article, page)}
{in_article_pager(ctx, article, page)}
</div>
{editor}
<p style="margin-bottom:10px"><strong>相关热词搜索：</strong>{tag_links(ctx, article, "blue")}</p>
<p class="f14"><strong>上一篇：</strong>{prev_html}<br />
<strong>下一篇：</strong>{next_html}</p>
{share_bar(ctx, article)}
<div class="print">{print_link(ctx, article)} <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<script type="text/javascript" src="{ctx.url("/api.php")}?op=count&amp;id={article.number}&amp;modelid=1"></script>"""
    head = (
        f'<meta name="keywords" content="{e(",".join(article.tags))}">\n'
        f'<meta name="description" content="{e(summary(article))}">'
    )
    item = '<li><span class="rt">{date}</span>·<a href="{url}" target="_blank">{title}</a></li>'
    side = hot_items(ctx, article, item)
    return phpcms_frame(ctx, f"{article.title} - {article.column.name} - {SITE_NAME}", main, side, head)


def column_total(ctx: Context, column: Column) -> int:
    return sum(a.column == column for a in ctx.articles)


def phpcms_list(
    ctx: Context, column: Column, items: Sequence[Article], page: int, pages: int, *, paged: bool = True
) -> str:
    rows = "\n".join(
        f'<li><span class="rt">{a.published:%Y-%m-%d %H:%M:%S}</span>·'
        f'<a href="{ctx.url(a.path)}" target="_blank">{e(a.title)}</a></li>'
        for a in items
    )
    links = [f'<a class="a1">{column_total(ctx, column)}条</a>']
    links.append(f'<a href="{list_path(column, max(page - 1, 1))[1:]}" class="a1">上一页</a>')
    links += [
        f"<span>{n}</span>" if n == page else f'<a href="{list_path(column, n)[1:]}">{n}</a>'
        for n in range(1, pages + 1)
    ]
    links.append(f'<a href="{list_path(column, min(page + 1, pages))[1:]}" class="a1">下一页</a>')
    main = (
        f'<div class="crumbs"><a href="{ctx.url("/")}">首页</a><span> &gt; </span>{e(column.name)}</div>\n'
        f'<div class="box"><h5 class="title-2">{e(column.name)}</h5><ul class="list lh24 f14">\n{rows}\n</ul>\n'
        f'<div id="pages" class="text-c">{" ".join(links) if paged else ""}</div></div>'
    )
    side = hot_items(ctx, None, '<li><span class="rt">{date}</span>·<a href="{url}">{title}</a></li>')
    return phpcms_frame(ctx, f"{column.name} - {SITE_NAME}", main, side)


# ---------------------------------------------------------------- DedeCMS (GBK bytes, gb2312 label)


def dede_frame(ctx: Context, title: str, place: str, left: str, head: str = "") -> str:
    side = hot_items(ctx, None, '<li><a href="{url}">{title}</a><p>{date}</p></li>')
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset=gb2312>
<title>{e(title)}</title>
{head}
<link href="{STYLESHEETS["dede"]}" rel="stylesheet" media="screen" type="text/css" />
</head>
<body class="articleview">
<div class="header_top"><div class="w960 center"><span id="time" class="time">{SITE_NAME}三农频道</span>
<div class="toplinks"><a href="/plus/search.php" target="_blank" rel="nofollow">高级搜索</a>|\
<a href="/sitemap.xml" target="_blank">网站地图</a></div></div></div>
<div class="header"><div class="top w960 center">
<div class="title"><h1><a href="/"><img src="{LOGOS["dede"]}" height="54" width="216" alt="{SITE_NAME}"/></a></h1></div>
<div class="banner"></div></div>
<div class="module blue mT10 wrapper w963"><div id="navMenu"><ul>
<li><a href='/'><span>主页</span></a></li>
{"".join(f"<li><a href='{c.first_page}'><span>{e(c.name)}</span></a></li>" for c in ctx.columns)}
</ul></div></div></div>
<div class="w960 center clear mt1">
<div class="pleft">
<div class="place"><strong>当前位置:</strong> <a href='/'>主页</a> &gt; {place}</div>
{left}
</div>
<div class="pright">
<div class="commend mt1"><dl class="tbox light"><dt class="light"><strong>热点新闻</strong></dt>
<dd class="light"><ul class="d4">
{side}
</ul></dd></dl></div>
{traps_widget(ctx)}
</div>
</div>
<div class="footer w960 center mt1 clear"><div class="footer_left"></div><div class="footer_body">
<p class="powered">Powered by <a href="http://www.dedecms.com" title="织梦内容管理系统" rel="nofollow">DedeCMS</a> \
&copy; 2004-2015 {SITE_NAME} 版权所有</p>
<div class="copyright">本站所有新闻未经书面授权不得转载&nbsp;&nbsp;{ICP}</div></div>
<div class="footer_right"></div></div>
</body>
</html>
"""


def dede_article(ctx: Context, article: Article, page: int) -> str:
    older, newer = ctx.neighbours(article)
    prev_html = f"<a href='{older.path}'>{e(older.title)}</a>" if older else "没有了"
    next_html = f"<a href='{newer.path}'>{e(newer.title)}</a>" if newer else "没有了"
    author = article.authors[0] if article.authors else ""
    left = f"""<div class="viewbox">
<div class="title"><h2>{e(article.title)}</h2></div>
<div class="info"><small>时间:</small>{article.published:%Y-%m-%d %H:%M}
<small>来源:</small>{e(article.source or "")}
<small>作者:</small>{e(author)}
<small>点击:</small><script src="/plus/count.php?view=yes&amp;aid={article.number}&amp;mid=1" \
type='text/javascript' language="javascript"></script>次</div>
<div class="intro">{e(summary(article))}...</div>
<div class="content">
<table width='100%'><tr><td>
<div id="contentMidPicAD" style="float:right; clear:both; top:0; vertical-align:top;"></div>
{body_html(ctx, article, page, "<p>　　{}</p>")}
(责任编辑：{e(article.editors[0] if article.editors else "admin")})
</td></tr></table>
</div>
<div class="dede_pages"><ul class="pagelist"></ul></div>
<div class="tags">相关热词搜索：{tag_links(ctx, article)}</div>
<div class="boxoff"><strong>------分隔线----------------------------</strong></div>
<div class="handle">
<div class="context"><ul><li>上一篇：{prev_html} </li><li>下一篇：{next_html} </li></ul></div>
<div class="actbox"><ul>
<li id="act-fav"><a href="/plus/stow.php?aid={article.number}" target="_blank" rel="nofollow">收藏</a></li>
<li id="act-pnt">{print_link(ctx, article)}</li>
</ul></div>
{share_bar(ctx, article)}
</div>
</div>"""
    head = (
        f'<meta name="keywords" content="{e(",".join(article.tags))}" />\n'
        f'<meta name="description" content="{e(summary(article))}" />'
    )
    place = f"<a href='{article.column.first_page}'>{e(article.column.name)}</a> &gt; "
    return dede_frame(ctx, f"{article.title}_{article.column.name}_{SITE_NAME}", place, left, head)


def dede_list(
    ctx: Context, column: Column, items: Sequence[Article], page: int, pages: int, *, paged: bool = True
) -> str:
    rows = "\n".join(
        f"<li><a href='{a.path}' class='title'>{e(a.title)}</a><span class='info'><small>日期：</small>"
        f"{a.published:%Y-%m-%d}<small>点击：</small>{a.views}</span><p class='intro'>{e(summary(a))}...</p></li>"
        for a in items
    )

    def item(label: str, n: int) -> str:
        return f"<li><a href='{list_path(column, n).rsplit('/', 1)[1]}'>{label}</a></li>"

    parts = [item("首页", 1) if page > 1 else "<li><a>首页</a></li>"]
    if page > 1:
        parts.append(item("上一页", page - 1))
    parts += [f'<li class="thisclass">{n}</li>' if n == page else item(str(n), n) for n in range(1, pages + 1)]
    if page < pages:
        parts.append(item("下一页", page + 1))
    parts.append(item("尾页", pages))
    total = column_total(ctx, column)
    parts.append(f'<li><span class="pageinfo">共 <strong>{pages}</strong>页<strong>{total}</strong>条</span></li>')
    left = (
        f'<div class="listbox"><ul class="e2">\n{rows}\n</ul></div>\n'
        f'<div class="dede_pages"><ul class="pagelist">{"".join(parts) if paged else ""}</ul></div>'
    )
    place = f"<a href='{column.first_page}'>{e(column.name)}</a> &gt;"
    return dede_frame(ctx, f"{column.name}_{SITE_NAME}", place, left)


# ---------------------------------------------------------------- TRS WCM government pages


def trs_frame(ctx: Context, title: str, charset: str, head: str, position: str, main: str) -> str:
    item = '<li><a href="{url}" target="_blank" title="{title}">{title}</a><span>{date}</span></li>'
    side = hot_items(ctx, None, item)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<title>{e(title)}</title>
<meta name="SiteName" content="{GOV_NAME}">
<meta name="SiteIDCode" content="0000000001">
{head}
<link href="{STYLESHEETS["trs"]}" rel="stylesheet" type="text/css" />
</head>
<body>
<div class="top"><div class="top_con"><span class="fl">{GOV_NAME}门户网站</span>
<span class="fr"><a href="javascript:;">无障碍</a> | <a href="javascript:;">长者模式</a></span></div></div>
<div class="banner"><img src="{LOGOS["trs"]}" alt="{GOV_NAME}" /></div>
<div class="nav">{nav_links(ctx)}</div>
<div class="position">您当前的位置：<a href="{ctx.url("/")}">首页</a> &gt; {position}</div>
<div class="main clearfix">
<div class="main_left">
{main}
</div>
<div class="main_right"><div class="hot"><h3>热点新闻</h3><ul>
{side}
</ul></div>
{traps_widget(ctx)}
</div>
</div>
<div class="footer"><p>主办：{GOV_NAME}办公室　承办：{CITY}大数据发展中心　网站标识码：0000000001</p>
<p><a href="https://beian.miit.gov.cn/" target="_blank" rel="nofollow">{ICP}</a>　示例公网安备 00000000000001号　\
版权所有：{GOV_NAME}</p></div>
</body>
</html>
"""


TRS_EDITOR_STYLE = (
    '<style type="text/css">.TRS_Editor P{margin-top:5px;margin-bottom:5px;line-height:1.8;'
    "font-family:仿宋_GB2312;font-size:16pt;}.TRS_Editor IMG{border:0;}</style>"
)


def trs_article(ctx: Context, article: Article, page: int) -> str:
    older, newer = ctx.neighbours(article)
    prev_html = f'<a href="{older.path}">{e(older.title)}</a>' if older else "无"
    next_html = f'<a href="{newer.path}">{e(newer.title)}</a>' if newer else "无"
    editor = f'<div class="art_editor">（责任编辑：{e(article.editors[0])}）</div>' if article.editors else ""
    charset = "gbk" if article.charset == "gbk" else "utf-8"
    head = f"""<meta name="ColumnName" content="{e(article.column.name)}">
<meta name="ColumnType" content="部门动态">
<meta name="ArticleTitle" content="{e(article.title)}">
<meta name="PubDate" content="{article.published:%Y-%m-%d %H:%M}">
<meta name="ContentSource" content="{e(article.source or "")}">
<meta name="Keywords" content="{e(" ".join(article.tags))}">
<meta name="Description" content="{e(summary(article))}">
<meta name="Url" content="{ctx.url(article.path)}">"""
    main = f"""<div class="article">
<div class="art_title"><h2>{e(article.title)}</h2></div>
<div class="art_info">发布日期：{article.published:%Y-%m-%d}　信息来源：{e(article.source or "")}　浏览次数：\
<span id="view_count"></span>　<span class="fontsize">【字体：<a href="javascript:doZoom(18)">大</a> \
<a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</span></div>
<div class="art_con">
<div class="TRS_Editor">{TRS_EDITOR_STYLE}
{body_html(ctx, article, page, '<p style="text-indent: 2em;">{}</p>')}
</div>
</div>
{editor}
<div class="art_tags">相关热词搜索：{tag_links(ctx, article)}</div>
{share_bar(ctx, article)}
<div class="art_prenext"><p>上一篇：{prev_html}</p><p>下一篇：{next_html}</p></div>
<div class="art_btn">{print_link(ctx, article)} <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>"""
    position = f'<a href="{article.column.first_page}">{e(article.column.name)}</a> &gt; 部门动态'
    return trs_frame(ctx, f"{article.title}_{article.column.name}_{GOV_NAME}", charset, head, position, main)


def trs_list(
    ctx: Context, column: Column, items: Sequence[Article], page: int, pages: int, *, paged: bool = True
) -> str:
    def href(a: Article) -> str:
        # TRS writes links relative to the list page; /art/ pages come from another channel, so root-relative
        return "." + a.path.removeprefix("/xxgk") if paged and a.path.startswith("/xxgk/") else a.path

    rows = "\n".join(
        f'<li><a href="{href(a)}" target="_blank" title="{e(a.title)}">{e(a.title)}</a>'
        f"<span>{a.published:%Y-%m-%d}</span></li>"
        for a in items
    )

    def link(label: str, n: int) -> str:
        return f'<a href="{list_path(column, n).rsplit("/", 1)[1]}">{label}</a>'

    numbers = " ".join(str(n) if n == page else link(str(n), n) for n in range(1, pages + 1))
    pager = f"共{pages}页 {link('首页', 1)} "
    pager += (link("上一页", page - 1) + " ") if page > 1 else "上一页 "
    pager += numbers + " "
    pager += (link("下一页", page + 1) + " ") if page < pages else "下一页 "
    pager += link("尾页", pages)
    if not paged:
        pager = ""
    main = f"""<div class="list_title"><h3>{e(column.name)}</h3></div>
<ul class="list">
{rows}
</ul>
<div class="page"><script type="text/javascript">
var countPage = {pages}; var currentPage = {page - 1};
createPageHTML(countPage, currentPage, "index", "html");
</script><div class="static_pager">{pager}</div></div>"""
    return trs_frame(ctx, f"{column.name}_{GOV_NAME}", "utf-8", "", e(column.name), main)


# ---------------------------------------------------------------- modern page with JSON-LD


def modern_frame(ctx: Context, title: str, head: str, main: str) -> str:
    side = hot_items(ctx, None, '<li><a href="{url}">{title}</a><time>{date}</time></li>')
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
{head}
<link rel="stylesheet" href="{STYLESHEETS["modern"]}">
<script defer src="{SCRIPTS[1]}"></script>
</head>
<body>
<header class="site-header"><a class="logo" href="/"><img src="{LOGOS["modern"]}" alt="{SITE_NAME}"></a>
<nav class="site-nav">{nav_links(ctx)}</nav></header>
<main class="container">
{main}
<aside class="sidebar"><section class="hot"><h2>热点新闻</h2><ol>
{side}
</ol></section>{traps_widget(ctx)}</aside>
</main>
<footer class="site-footer"><p>&copy; 2015 {SITE_NAME} 版权所有 · <a href="/sitemap.xml">网站地图</a> · \
<a href="https://beian.miit.gov.cn/" rel="nofollow">{ICP}</a></p></footer>
</body>
</html>
"""


def modern_jsonld(ctx: Context, article: Article) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": ctx.url(article.path)},
        "headline": article.title,
        "datePublished": article.published.isoformat(),
        "dateModified": article.published.isoformat(),
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "publisher": {
            "@type": "Organization",
            "name": SITE_NAME,
            "logo": {"@type": "ImageObject", "url": ctx.url(LOGOS["modern"])},
        },
        "image": [ctx.url(b.src) for b in article.blocks if isinstance(b, Figure)],
        "keywords": article.tags,
        "articleSection": article.column.name,
    }
    if not data["image"]:
        del data["image"]
    return json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")


def modern_byline(article: Article) -> str:
    parts = []
    if article.reporters:
        parts.append("记者 " + " ".join(article.reporters))
    if article.correspondents:
        parts.append("通讯员 " + " ".join(article.correspondents))
    return " ".join(parts)


def modern_article(ctx: Context, article: Article, page: int) -> str:
    older, newer = ctx.neighbours(article)
    nav = f'<a rel="prev" href="{older.path}">上一篇：{e(older.title)}</a>' if older else "<span>上一篇：没有了</span>"
    nav += "\n"
    nav += f'<a rel="next" href="{newer.path}">下一篇：{e(newer.title)}</a>' if newer else "<span>下一篇：没有了</span>"
    url = ctx.url(article.path)
    stamp = article.published.isoformat()
    head = f"""<link rel="canonical" href="{url}">
<meta name="description" content="{e(summary(article, 90))}">
<meta property="og:type" content="article">
<meta property="og:title" content="{e(article.title)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{SITE_NAME}">
<meta property="article:published_time" content="{stamp}">
<meta property="article:section" content="{e(article.column.name)}">
{"".join(f'<meta property="article:tag" content="{e(t)}">' for t in article.tags)}
<script type="application/ld+json">
{modern_jsonld(ctx, article)}
</script>"""
    main = f"""<nav class="breadcrumb"><a href="/">首页</a> / <a href="{article.column.first_page}">\
{e(article.column.name)}</a></nav>
<article class="article">
<header class="article-header">
<h1 class="article-title">{e(article.title)}</h1>
<div class="article-meta"><time datetime="{stamp}">{article.published:%Y-%m-%d %H:%M}</time>
<span class="source">来源：{e(article.source or "")}</span>
<span class="byline">{e(modern_byline(article))}</span></div>
</header>
<div class="article-body">
{body_html(ctx, article, page)}
</div>
<p class="editor">责任编辑：{e("、".join(article.editors))}</p>
<div class="tags">相关热词搜索：{tag_links(ctx, article, "tag")}</div>
{share_bar(ctx, article)}
<div class="tools">{print_link(ctx, article)}</div>
<nav class="prev-next">
{nav}
</nav>
</article>"""
    return modern_frame(ctx, f"{article.title} | {SITE_NAME}", head, main)


def modern_list(
    ctx: Context, column: Column, items: Sequence[Article], page: int, pages: int, *, paged: bool = True
) -> str:
    rows = "\n".join(
        f'<article class="news-item"><a href="{a.path}"><h3>{e(a.title)}</h3></a>'
        f'<p>{e(summary(a))}…</p><time datetime="{a.published.isoformat()}">{a.published:%m-%d %H:%M}</time></article>'
        for a in items
    )
    links = []
    if page > 1:
        links.append(f'<a href="?page={page - 1}" rel="prev">上一页</a>')
    links += [
        f'<span class="current">{n}</span>' if n == page else f'<a href="?page={n}">{n}</a>'
        for n in range(1, pages + 1)
    ]
    if page < pages:
        links.append(f'<a href="?page={page + 1}" rel="next">下一页</a>')
    links.append(f'<a href="?page={pages}">尾页</a>')
    main = (
        f'<section class="news-list"><h1>{e(column.name)}</h1>\n{rows}\n'
        f'<nav class="pagination">{" ".join(links) if paged else ""}</nav></section>'
    )
    return modern_frame(ctx, f"{column.name} | {SITE_NAME}", "", main)


ARTICLE_RENDERERS = {"phpcms": phpcms_article, "dede": dede_article, "trs": trs_article, "modern": modern_article}
LIST_RENDERERS = {"phpcms": phpcms_list, "dede": dede_list, "trs": trs_list, "modern": modern_list}


def tag_page(ctx: Context, family: Family, tag: str, items: Sequence[Article]) -> str:
    """Results of a tag link, in the chrome of the family whose pages link there."""
    column = next(c for c in ctx.columns if c.family == family)
    return LIST_RENDERERS[family](ctx, column, items, 1, 1, paged=False).replace(
        f">{e(column.name)}<", f">{e(column.name)} · 标签：{e(tag)}<", 1
    )
