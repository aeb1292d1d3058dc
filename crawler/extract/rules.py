"""CMS-family knowledge as data: container ids/classes, info-line classes, labels and noise markers.

Nothing here is keyed to one site: every entry is a convention shared by a CMS family (PHPCMS, DedeCMS,
TRS WCM, EmpireCMS, Hanweb/大汉, CmsTop) or by Chinese news pages in general.
"""

from __future__ import annotations

import re

#: known article-body containers (CSS). A node matching one gets a score bonus in the density finder.
CONTENT_SELECTORS: tuple[str, ...] = (
    # TRS WCM (government sites): the editor's own wrapper
    ".TRS_Editor", ".TRS_UEDITOR", ".trs_editor_view", "#zoom", ".zoom",
    # Hanweb 大汉版通
    "#UCAP-CONTENT", ".bt_content", ".wz_con", "#ivs_content",
    # PHPCMS / DedeCMS / EmpireCMS
    "#Article .content", "#article_content", ".article_content", ".article-content", "#newstext", ".newstext",
    "#text", ".content_text", "#content_text", ".contentText", "#contentText", ".con_text", ".news_txt",
    ".newsContent", "#newsContent", ".news_content", ".news-content", "#news_content", ".detail_content",
    ".detail-content", ".art_content", ".artContent", "#artContent", ".article_body", ".article-body",
    # CmsTop
    ".content-text", "#content-text", ".article-content-wrap",
    # big portals (shared templates re-used by regional sites)
    "#artibody", "#endText", ".post_text", ".post_body", "#Cnt-Main-Article-QQ", "#p-detail", "#detail",
    ".rm_txt_con", ".box_con", "#rwb_zw", ".left_zw", ".TRS_Editor", ".article-text", ".main-text",
    "[itemprop=articleBody]", "#js_content", ".rich_media_content", ".entry-content", ".post-content",
)

#: class/id words that mark a block which is never article text (matched as whole words of class/id)
NOISE_WORDS: frozenset[str] = frozenset(
    {
        "share", "sharing", "bdshare", "jiathis", "bshare", "social", "comment", "comments", "cmt", "reply",
        "related", "relate", "xgwz", "xgxw", "recommend", "recom", "hot", "hotnews", "rank", "ranking",
        "footer", "foot", "copyright", "copy", "disclaimer", "statement", "sidebar", "side", "aside",
        "nav", "navbar", "menu", "breadcrumb", "crumb", "crumbs", "position", "location", "weizhi",
        "ad", "ads", "advert", "advertisement", "banner", "gg", "print", "tool", "tools", "toolbar",
        "keyword", "keywords", "tags", "tag", "pager", "pagination", "page-nav", "pages",
        "prev", "next", "prenext", "updown", "qrcode", "erweima", "login", "search", "subscribe",
        "author-box", "backtop", "gotop", "fontsize", "zihao", "editor-info",
    }
)

#: class/id fragments (substring match) that mark noise; kept short and unambiguous
NOISE_FRAGMENTS: tuple[str, ...] = (
    "share", "comment", "related", "relate_", "recommend", "footer", "copyright", "breadcrumb",
    "jiathis", "bdshare", "sidebar", "hotnews", "qrcode", "advert",
)

#: class/id words that mark the info line (date / source / author strip under the headline)
INFO_WORDS: tuple[str, ...] = (
    "info", "time", "date", "pubtime", "source", "author", "artinfo", "article-info", "msgbar", "property",
    "fbxx", "xinxi", "meta", "byline", "sub", "tip", "tips", "laiyuan", "ly", "fbsj",
)

#: meta names/properties carrying the publication time, best first
DATE_META: tuple[str, ...] = (
    "article:published_time", "og:article:published_time", "og:published_time", "pubdate", "publishdate",
    "publish_date", "published_time", "PubDate", "publishtime", "publish-time", "firstpublishedtime",
    "datePublished", "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date", "weibo:article:create_at",
    "og:release_date", "created", "date", "lastmodifiedtime",
)

SOURCE_META: tuple[str, ...] = ("ContentSource", "source", "og:source", "article:source", "mediaid", "media")
AUTHOR_META: tuple[str, ...] = ("author", "article:author", "Author", "og:author", "byl")
COLUMN_META: tuple[str, ...] = ("ColumnName", "column", "article:section", "catalogs", "channel", "subject")
KEYWORD_META: tuple[str, ...] = ("keywords", "Keywords", "news_keywords", "article:tag")

#: labels. Order matters only for readability; regexes below are built from them.
SOURCE_LABELS: tuple[str, ...] = (
    "稿件来源", "信息来源", "新闻来源", "文章来源", "本文来源", "内容来源",
    "来源于", "来源", "稿源", "出处", "來源", "出處",
)
AUTHOR_LABELS: tuple[str, ...] = (
    "作者", "作　者", "撰文", "执笔", "撰稿", "記者", "记者", "通讯员", "評論員", "评论员", "文",
)
EDITOR_LABELS: tuple[str, ...] = ("责任编辑", "責任編輯", "责编", "責編", "编辑", "編輯", "值班编辑", "本文编辑")
DATE_LABELS: tuple[str, ...] = (
    "发布时间", "发布日期", "发表时间", "发稿时间", "发表日期", "更新时间", "时间", "日期", "发表于", "发布于",
    "發布時間", "發佈時間", "時間", "日期", "发文日期", "成文日期", "Published", "Date",
)

#: any label that ends a field value printed on the same line (`来源：X 作者：Y 编辑：Z`)
FIELD_STOP = re.compile(
    r"(?:稿件来源|信息来源|文章来源|本文来源|来源于|来源|稿源|出处|"
        r"來源|作者|作　者|記者|记者|通讯员|责任编辑|責任編輯|责编|"
    r"编辑|編輯|校对|审核|审校|签发|终审|监制|摄影|摄像|时间|日期|发布|發布|点击|浏览|阅读|閱讀|字号|字体|打印|关闭|分享|"
    r"评论|人参与|次浏览|访问量|【|\[|（|\(|\||｜|(?:19|20)\d\d[-/.年])"
)

#: lines that are never body text (checked against a whole line, after whitespace normalisation)
NOISE_LINE = re.compile(
    r"^(?:[【\[（(]?\s*(?:责任编辑|責任編輯|责编|責編|编辑|編輯|本文编辑|值班编辑|审核|审校|校对|签发|监制|终审|编审)"
    r"\s*[:：/︱|｜\s])"
    r"|^(?:原标题|原題|原题)\s*[:：]"
    r"|^(?:相关热词搜索|热词搜索|关键词|關鍵詞|关键字|标签|Tags?)\s*[:：]?"
    r"|^(?:上一篇|下一篇|上一条|下一条|上篇|下篇|上一頁|下一頁|返回顶部|返回首页|关闭窗口|打印本页|打印此文|【打印】|【关闭】|"
    r"【字号|字号[:：]|字体[:：]|分享到|分享至|扫一扫|扫描二维码|点击|收藏本文|推荐给朋友|我要评论|网友评论|发表评论|评论\s*\(|"
    r"相关阅读|相关新闻|相关文章|相关链接|延伸阅读|推荐阅读|热点推荐|更多精彩|猜你喜欢|阅读下一篇)"
    r"|^(?:免责声明|声明[:：]|版权声明|版权所有|Copyright|©|（?本文系|凡本网注明|本网站?所刊登|转载请注明|未经授权|未经许可)"
    r"|^[-—=\s]*(?:THE\s*END|完|END|全文完)[-—=\s]*$"
    # a line made only of page-tool words, bracketed or not: `【打印本页】 【关闭窗口】`, `【收藏】【打印】【关闭】`
    r"|^(?:[【\[]?[ ]?(?:打印本页|打印此文|打印本文|打印|关闭窗口|关闭本页|关闭|收藏本文|收藏本页|"
    r"加入收藏|收藏|推荐给朋友|推荐|纠错|挑错|返回顶部|回到顶部|返回|顶部|字体|字号|大|中|小|分享|"
    r"复制链接|我要评论|评论)[ ]?[】\]]?[ |｜/·]*){1,12}$"
    r"|^(?:[（(]\s*(?:完|责编|编辑|责任编辑)[^）)]{0,30}[）)])$",
    re.I,
)

#: a line that begins the trailer of an article: everything after it is dropped
TRAILER_START = re.compile(
    r"^(?:相关阅读|相关新闻|相关文章|相关链接|延伸阅读|推荐阅读|热点推荐|更多精彩|猜你喜欢|相关热词搜索|网友评论|我要评论|"
    r"热门评论|最新评论|上一篇|下一篇|免责声明|版权声明)",
)

#: text that marks a pager of a multi-page article
PAGER_TEXT = re.compile(r"^(?:\[?\d{1,3}\]?|下一页|上一页|末页|尾页|首页|第\s*\d+\s*页|»|«|>|<|next|prev)$", re.I)

#: 上一篇/下一篇 labels
PREV_TEXT = re.compile(r"(?:上一篇|上一条|上篇|前一篇|上一頁文章)\s*[:：]?\s*(.*)")
NEXT_TEXT = re.compile(r"(?:下一篇|下一条|下篇|后一篇|下一頁文章)\s*[:：]?\s*(.*)")
#: printed instead of a link when there is no neighbour
NO_NEIGHBOUR = re.compile(r"^(?:没有了|無|无|没有|第一页|最后一页|已经是第一篇|已经是最后一篇|暂无)\W*$")

#: title separators in <title> (site suffixes: `_嘉兴在线`, `-新华网`, `|`)
TITLE_SPLIT = re.compile(r"\s*(?:_{1,2}|\s[-–—|｜]\s|[-–—]{2}|\||｜|-(?=[^-]{2,20}$))\s*")

#: CJK punctuation counted by the density finder
PUNCTUATION = frozenset("，。！？、；：“”‘’《》（）…—,.!?;:\"'()「」『』【】")
