"""The extractor's one vocabulary: every label, meta name, CMS selector and marker word, as data.

Nothing here is keyed to one site: every entry is a convention shared by a CMS family (PHPCMS, DedeCMS,
TRS WCM, EmpireCMS, Hanweb/大汉, CmsTop, Founder/翔宇, nfcms) or by Chinese news pages in general. The finders
(title.py, dates.py, byline.py, body.py, links.py, classify.py) build their patterns from these lists with
:func:`alternation`; a word added here is picked up everywhere it applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

#: CJK ideographs (BMP: extension A, unified, compatibility) as a character-class body
CJK = r"\u3400-\u9fff\uf900-\ufaff"


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so that `责任编辑` wins over `编辑`."""
    unique = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w) for w in unique) + ")"


# --- article-body containers ------------------------------------------------------------------------------

#: known article-body containers (CSS). A node matching one gets a score bonus in the density finder.
CONTENT_SELECTORS: tuple[str, ...] = (
    # TRS WCM (government sites): the editor's own wrapper
    ".TRS_Editor", ".TRS_UEDITOR", ".trs_editor_view", "#zoom", ".zoom",
    # Hanweb 大汉版通
    "#UCAP-CONTENT", ".bt_content", ".wz_con", "#ivs_content",
    # Founder/翔宇 digital editions
    "#ozoom", "#newscontent",
    # PHPCMS / DedeCMS / EmpireCMS
    "#Article .content", "#article_content", ".article_content", ".article-content", "#newstext", ".newstext",
    "#text", ".content_text", "#content_text", ".contentText", "#contentText", ".con_text", ".news_txt",
    ".newsContent", "#newsContent", ".news_content", ".news-content", "#news_content", ".detail_content",
    ".detail-content", ".art_content", ".artContent", "#artContent", ".article_body", ".article-body",
    # CmsTop
    ".content-text", "#content-text", ".article-content-wrap",
    # big portals (shared templates re-used by regional sites)
    "#artibody", "#endText", ".post_text", ".post_body", "#Cnt-Main-Article-QQ", "#p-detail", "#detail",
    ".rm_txt_con", ".box_con", "#rwb_zw", ".left_zw", ".article-text", ".main-text",
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

#: class/id fragments of chrome that never holds the article, whatever else its class says (a comment thread,
#: a footer): the body cascade's fallbacks never look inside it
NEVER_ARTICLE_FRAGMENTS: tuple[str, ...] = (
    "comment", "footer", "copyright", "disclaimer", "related", "recommend", "sidebar", "breadcrumb", "reply",
    "menu", "navbar",
)

#: class/id words of headline elements (whole words; a trailing digit is allowed: `title2`)
TITLE_ATTR_WORDS: tuple[str, ...] = (
    "title", "tit", "biaoti", "headline", "heading", "bt", "art_tit", "article-title", "news_title",
    "detail-title", "main-title", "arttitle", "newstitle", "show_t", "contitle", "h_title", "atitle",
)
#: class/id fragments of a subtitle (副题 / 引题)
SUBTITLE_ATTR_FRAGMENTS: tuple[str, ...] = ("subtitle", "sub-title", "futitle", "fu-title", "fbt", "yinti", "subhead",
                                            "vice")

# --- meta names (lower-case: Page.meta keys are lower-cased) ---------------------------------------------

#: meta names/properties carrying the publication time, best first
DATE_META: tuple[str, ...] = (
    "article:published_time", "og:article:published_time", "og:published_time", "pubdate", "publishdate",
    "publish_date", "published_time", "publishtime", "publish-time", "firstpublishedtime",
    "datepublished", "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date", "weibo:article:create_at",
    "og:release_date", "created", "date", "lastmodifiedtime", "time:pubdate",
)
#: JSON-LD keys of the publication time
DATE_LD: tuple[str, ...] = ("datePublished", "dateCreated", "uploadDate")
#: meta names of the headline (`articletitle`: TRS WCM's own)
TITLE_META: tuple[str, ...] = ("og:title", "twitter:title", "dc.title", "dcterms.title", "articletitle", "title",
                               "headline")
TITLE_LD: tuple[str, ...] = ("headline", "name")
SOURCE_META: tuple[str, ...] = ("contentsource", "source", "og:source", "article:source")
CANONICAL_META: tuple[str, ...] = ("og:url",)
#: attributes holding an image's address (lazy-loading pages keep it out of src)
IMAGE_SRC_ATTRS: tuple[str, ...] = ("src", "data-src", "data-original")
AUTHOR_META: tuple[str, ...] = ("author", "article:author", "byl", "dc.creator")
COLUMN_META: tuple[str, ...] = ("columnname", "column", "article:section", "catalogs")
KEYWORD_META: tuple[str, ...] = ("keywords", "news_keywords", "article:tag")
SITE_NAME_META: tuple[str, ...] = ("og:site_name", "sitename", "site_name", "application-name")

# --- labels -----------------------------------------------------------------------------------------------

SOURCE_LABELS: tuple[str, ...] = (
    "稿件来源", "信息来源", "新闻来源", "文章来源", "本文来源", "内容来源",
    "来源于", "来源", "稿源", "出处", "來源", "出處",
)
#: printed before the origin inside a source value (`来源：转载自新华网`): not part of the source's name
SOURCE_PREFIXES: tuple[str, ...] = (
    "转载自", "轉載自", "转载于", "转自", "轉自", "摘自", "选自", "選自", "转载", "轉載",
)

CreditRole = Literal["author", "correspondent", "intern", "photographer", "translator", "other"]

#: credit labels and the role they give the names after them. Writers are `author`; editors are EDITOR_LABELS.
CREDIT_LABELS: dict[str, CreditRole] = {
    **dict.fromkeys(
        ("作者", "作　者", "撰文", "执笔", "執筆", "撰稿", "撰稿人", "采写", "採寫", "本报记者", "本報記者", "本刊记者",
         "特约记者", "特派记者", "首席记者", "实习记者", "實習記者", "见习记者", "記者", "记者", "评论员", "評論員",
         "特约评论员", "本报评论员", "文", "文/图", "图/文", "文图", "图文"),
        "author",
    ),
    **dict.fromkeys(("通讯员", "通訊員", "特约通讯员", "本报通讯员"), "correspondent"),
    **dict.fromkeys(("实习生", "實習生"), "intern"),
    **dict.fromkeys(("摄影", "攝影", "摄影记者", "攝影記者", "图片", "圖片", "摄", "攝", "图", "圖"), "photographer"),
    **dict.fromkeys(("翻译", "翻譯", "编译", "編譯", "译者", "譯者", "译", "譯"), "translator"),
    **dict.fromkeys(("视频", "視頻", "制图", "製圖", "设计", "設計", "策划", "策劃", "统筹", "統籌", "海报", "插图",
                     "漫画", "剪辑", "配音"), "other"),
}
#: one-character credit labels: a credit only with a separator after them (`文/张三`, `图：李四`)
SHORT_CREDIT_LABELS: frozenset[str] = frozenset(label for label in CREDIT_LABELS if len(label) == 1)
#: labels that are a credit only at the start of a line or field, never inside a sentence (`据记者了解`)
SENTENCE_WORD_LABELS: frozenset[str] = frozenset(
    {"记者", "記者", "通讯员", "通訊員", "评论员", "評論員", "实习生", "實習生", "摄影", "攝影", "设计", "設計",
     "策划", "策劃", "统筹", "統籌", "视频", "視頻", "翻译", "翻譯", "编译", "編譯", "图片", "圖片", "采写", "作者"}
)
#: printed right after a name: the role of that name (`张三 摄`, `李四/文`, `王五报道`, `赵六编译`)
ROLE_SUFFIXES: dict[str, CreditRole] = {
    **dict.fromkeys(("报道", "報導", "報道", "报导", "文", "撰", "整理", "采写"), "author"),
    **dict.fromkeys(("摄影", "攝影", "摄", "攝", "图", "圖", "供图", "供圖", "翻摄", "翻攝"), "photographer"),
    **dict.fromkeys(("编译", "編譯", "翻译", "翻譯", "译", "譯"), "translator"),
    **dict.fromkeys(("制图", "製圖", "绘", "繪"), "other"),
}
EDITOR_LABELS: tuple[str, ...] = (
    "责任编辑", "責任編輯", "责编", "責編", "值班编辑", "本文编辑", "实习编辑", "见习编辑", "网络编辑", "编辑", "編輯",
)
#: credits of the editorial process that are neither writers nor editors: they end a value, nothing more
PROCESS_LABELS: tuple[str, ...] = (
    "校对", "校對", "审核", "審核", "审校", "签发", "簽發", "终审", "監製", "监制", "编审", "出品", "主编", "主編",
    "值班", "编者按", "编者的话",
)
DATE_LABELS: tuple[str, ...] = (
    "发布时间", "发布日期", "发表时间", "发稿时间", "发表日期", "首发时间", "发布于", "发表于", "發布時間", "發佈時間",
    "發表時間", "发文日期", "成文日期", "时间", "時間", "日期", "发布", "發布", "Published", "Posted", "Date",
)
UPDATE_LABELS: tuple[str, ...] = ("最后更新", "更新时间", "更新於", "更新于", "修改时间", "更新", "修改", "编辑于",
                                  "Updated", "Update")
#: page counters and tools printed on the info line; they end a value
COUNTER_LABELS: tuple[str, ...] = (
    "点击", "點擊", "浏览", "瀏覽", "阅读", "閱讀", "访问", "字号", "字號", "字体", "字體", "打印", "关闭", "關閉",
    "分享", "评论", "評論", "人参与", "次浏览", "访问量", "收藏",
)
#: writer labels that may stand inside a token (`新京报记者张三`: the name follows the inner label)
WRITER_WORDS: tuple[str, ...] = ("作者", "记者", "記者")
#: labels of the info line under a headline (date, source, credits, counters): a line holding one is no prose
INFO_LINE_LABELS: tuple[str, ...] = (
    *SOURCE_LABELS, *WRITER_WORDS, *EDITOR_LABELS, *COUNTER_LABELS, *DATE_LABELS,
)
#: labels of the original title a republished article prints under its new one
ORIGINAL_TITLE_LABELS: tuple[str, ...] = ("原标题", "原題", "原题", "副标题", "副題")
#: what a news dateline ends with (`新华社北京7月6日电`, `本报讯`)
DATELINE_WORDS: tuple[str, ...] = ("電", "电", "讯", "訊")
#: words that open the lines before the text proper (编者按 and summaries): never a byline
LEAD_IN_LABELS: tuple[str, ...] = (
    "编者按", "編者按", "编者的话", "导语", "導語", "摘要", "内容摘要", "核心提示", "提要",
)

# --- dates ----------------------------------------------------------------------------------------------

#: 12-hour markers: these add 12 hours to 1-11 o'clock …
PM_WORDS: tuple[str, ...] = ("下午", "晚上", "晚间", "傍晚", "pm", "p.m.")
#: … these turn 12 o'clock into 0 …
MIDNIGHT_WORDS: tuple[str, ...] = ("am", "a.m.", "凌晨", "午夜")
#: … and these leave the hour as printed
AM_WORDS: tuple[str, ...] = ("上午", "早上", "中午")
#: days before the fetch day that a relative day word means
RELATIVE_DAYS: dict[str, int] = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
#: words of a relative time (`刚刚`, `3分钟前`)
JUST_NOW_WORDS: tuple[str, ...] = ("刚刚", "剛剛", "just now")

# --- names ------------------------------------------------------------------------------------------------

#: verbs and function words that never stand in a person's name: `记者注意到`, `记者走进社区`, `作者认为`
NOT_NAME_WORDS: tuple[str, ...] = (
    "注意到", "注意", "了解", "获悉", "獲悉", "得知", "看到", "看见", "发现", "發現", "表示", "介绍", "介紹", "采访",
    "採訪", "走进", "走進", "走访", "走訪", "来到", "來到", "前往", "探访", "调查", "調查", "观察", "觀察", "体验",
    "认为", "認為", "指出", "强调", "说明", "透露", "告诉", "询问", "问道", "提问", "联系", "拨打", "致电", "随机",
    "实习", "见习", "现场", "現場", "日前", "近日", "昨日", "今日", "今天", "昨天", "明天", "目前", "随后", "此前",
    "同时", "當天",
    "当天", "当时", "对此", "一行", "一起", "先后", "分别", "正在", "已经", "曾经", "这里", "那里", "这些", "如何",
    "什么", "为什么", "怎么", "可以", "没有", "不是", "就是", "还是", "还有", "以及", "关于", "根据", "通过", "进行",
    "报道", "报告", "消息", "文章", "本文", "全文", "原文", "图片", "视频", "来源", "责任", "编辑", "简介", "介绍",
    "专栏", "观点", "评论", "声明", "版权", "转载", "原创", "投稿", "更多", "查看", "点击", "阅读", "分享", "收藏",
    "打印", "关闭", "返回", "首页", "登录", "注册", "搜索", "客户端", "公众号", "微信", "微博", "二维码", "扫码",
)
#: Latin words that leak from markup and CSS and are never a byline name (`作者：bold`, `文/ span`)
MARKUP_WORDS: frozenset[str] = frozenset(
    {
        "font", "color", "left", "right", "center", "none", "auto", "bold", "normal", "block", "inline", "hidden",
        "solid", "border", "margin", "padding", "width", "height", "display", "float", "clear", "top", "bottom",
        "absolute", "relative", "span", "div", "class", "style", "title", "author", "name", "source", "admin",
        "editor", "content", "text", "image", "img", "http", "https", "www", "html", "index", "default", "null",
        "undefined", "true", "false", "var", "function", "return", "px", "em", "rem", "important", "inherit",
        "serif", "sans", "arial", "simsun", "microsoft", "yahei", "size", "line", "weight", "family", "align",
        "justify", "indent", "nbsp", "amp", "script", "javascript", "jquery", "unknown", "anonymous",
        "guest", "user", "system", "webmaster", "news", "info", "more", "share", "print", "close", "home",
    }
)
#: words a credited name is never equal to (placeholders, media, page tools)
PLACEHOLDER_NAMES: tuple[str, ...] = (
    "本报", "本報", "本站", "本网", "本網", "网站", "网络", "網絡", "新华社", "中新网", "佚名", "未知", "匿名", "小编",
    "编辑部", "记者", "作者", "通讯员", "编辑", "字体", "字號", "字号", "打印", "关闭",
    "收藏", "分享", "评论", "推荐", "纠错", "挑错", "返回", "顶部", "全文", "首页", "更多", "放大", "缩小", "默认",
    "最近", "其他", "单位", "团队", "有限公司",
)
#: endings of a media/organisation name: `某某日报`, `新闻中心`: never a person credited as a writer
MEDIA_SUFFIXES: tuple[str, ...] = (
    "网", "網", "報", "报", "社", "台", "站", "中心", "公司", "集团", "频道", "頻道", "新闻", "新聞", "日报", "晚报",
    "观察", "杂志", "周刊",
)
#: words right after a name that start an affiliation (`作者：方敏北京大学教授`)
AFFILIATION_WORDS: tuple[str, ...] = (
    "北京", "上海", "天津", "重庆", "中国", "中央", "国家", "大学", "学院", "研究", "教授", "博士", "系", "为", "是",
    "现任", "主任", "所长", "院长", "副", "首席", "高级", "特约", "报道", "報導", "报導", "摄影", "摄", "攝", "发自",
    "電", "电", "专栏", "评论", "编辑", "報", "报",
)
#: how names are separated in a credit list
NAME_SEPARATORS = "、,，;；&＆和及与 \u3000"

# --- lines that are not article text ------------------------------------------------------------------------

#: lines that are never body text (checked against a whole line, after whitespace normalisation)
NOISE_LINE = re.compile(
    r"^(?:[【\[（(]?\s*" + alternation((*EDITOR_LABELS, "审核", "审校", "校对", "签发", "监制", "终审", "编审"))
    + r"\s*[:：/︱|｜\s])"
    r"|^" + alternation(ORIGINAL_TITLE_LABELS) + r"\s*[:：]"
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
#: a disclaimer paragraph: never scored as article text
DISCLAIMER = re.compile(
    r"^\W{0,3}(?:\S{0,8}(?:版权|免责)(?:与免责)?声明|凡本网注明|本网注明|本站注明|转载请|未经.{0,6}授权|"
    r"版权所有|Copyright|本报社郑重|本文系|特别声明|声明[:：])",
    re.I,
)
#: promotional lines that are never a headline nor article text (`看…新闻，关注…微信`, `扫码下载客户端`)
PROMO_LINE = re.compile(
    r"(?:关注|關注|扫码|掃碼|扫一扫|掃一掃|长按|長按|识别|下载|下載|订阅|訂閱).{0,24}"
    r"(?:微信|公众号|公眾號|二维码|二維碼|客户端|客戶端|APP|App|app|抖音|微博|头条号|视频号)"
    r"|(?:微信|公众号|公眾號|客户端|客戶端|APP)\s*(?:扫码|掃碼|关注|關注|下载|下載)"
    r"|(?:扫码|掃碼|扫一扫|掃一掃|长按识别|長按識別)\s*(?:关注|關注|下载|下載|阅读|閱讀|订阅|訂閱)",
)

# --- links ------------------------------------------------------------------------------------------------

TAG_LABELS: tuple[str, ...] = (
    "相关热词搜索", "热词搜索", "关键词", "關鍵詞", "关键字", "標籤", "标签", "TAG", "Tags", "Tag",
)
TAG_ATTR_FRAGMENTS: tuple[str, ...] = ("tag", "keyword", "guanjianci", "gjc", "hotword", "rcms")
RELATED_LABELS: tuple[str, ...] = (
    "相关阅读", "相关新闻", "相关文章", "相关链接", "相关信息", "相关报道", "延伸阅读", "推荐阅读",
    "相關新聞", "相關閱讀", "相關文章", "相關鏈接", "相關信息",
)
RELATED_ATTR_FRAGMENTS: tuple[str, ...] = ("related", "relate", "xgwz", "xgxw", "xgxx", "xgyd", "xiangguan",
                                           "correlation", "about-news", "xglj")
CRUMB_LABELS: tuple[str, ...] = (
    "当前位置", "您的位置", "你的位置", "您现在的位置", "你现在的位置", "现在的位置", "所在位置", "位置",
    "當前位置", "目前位置",
)
CRUMB_ATTR_FRAGMENTS: tuple[str, ...] = ("crumb", "position", "location", "weizhi", "dqwz", "curpos", "current",
                                         "navpath", "nav_path", "path", "daohang", "mianbao")
#: breadcrumb entries that are not a column
CRUMB_SKIP: tuple[str, ...] = (
    "首页", "首頁", "主页", "网站首页", "Home", "正文", "当前位置", "您的位置", ">", "»", "→",
)
PREV_LABELS: tuple[str, ...] = ("上一篇", "上一条", "上篇", "前一篇", "上一頁文章", "上一則")
NEXT_LABELS: tuple[str, ...] = ("下一篇", "下一条", "下篇", "后一篇", "下一頁文章", "下一則")
#: printed instead of a link when there is no neighbour
NO_NEIGHBOUR: tuple[str, ...] = (
    "没有了", "無", "无", "没有", "第一页", "最后一页", "已经是第一篇", "已经是最后一篇", "暂无",
)
#: footer fields printed after the site owner's name on the copyright line
FOOTER_FIELDS: tuple[str, ...] = (
    "地址", "电话", "邮编", "传真", "邮箱", "举报", "备案号", "备案", "技术支持", "网站标识码",
)
COPYRIGHT_WORDS: tuple[str, ...] = (
    "版权", "所有", "授权", "禁止", "复制", "镜像", "转载", "保留", "权利", "许可证", "备案", "ICP", "举报",
)

# --- multi-page articles ----------------------------------------------------------------------------------

#: query parameters that number the pages of one article or list (crawler.discovery reads list pagers with them too)
PAGE_PARAMS: frozenset[str] = frozenset({"page", "p", "pageno", "pagenum", "pn", "pg", "currentpage", "cp", "pageindex",
                                         "page_no", "pagenumber", "curpage", "cpage", "paged"})
#: link texts of a pager that are not numbers
PAGER_NEXT_WORDS: tuple[str, ...] = ("下一页", "下一頁", "下页", "下頁", "后一页", "Next", "next", "»", "›", ">", ">>")
PAGER_PREV_WORDS: tuple[str, ...] = ("上一页", "上一頁", "上页", "上頁", "前一页", "Prev", "prev", "Previous", "«", "‹",
                                     "<", "<<")
PAGER_END_WORDS: tuple[str, ...] = ("首页", "首頁", "末页", "末頁", "尾页", "尾頁", "最后一页", "最後一頁", "第一页",
                                    "Last", "First")
#: "page N of X" as printed: `第2页 共5页`, `共5页 当前第2页`, `2/5页`, `Page 2 of 5`
_PAGE_OF_X = (
    re.compile(r"第\s*(?P<n>\d{1,3})\s*[页頁]\s*[/／,，\s]*\s*共\s*(?P<x>\d{1,3})\s*[页頁]"),
    re.compile(r"共\s*(?P<x>\d{1,3})\s*[页頁][^\d]{0,8}?第\s*(?P<n>\d{1,3})\s*[页頁]"),
    re.compile(r"(?<![\d/])(?P<n>\d{1,3})\s*[/／]\s*(?P<x>\d{1,3})\s*[页頁]"),
    re.compile(r"\bpage\s+(?P<n>\d{1,3})\s+of\s+(?P<x>\d{1,3})\b", re.I),
    re.compile(r"共\s*(?P<x>\d{1,3})\s*[页頁]"),
)


def page_of(text: str) -> tuple[int | None, int] | None:
    """(this page, page count) printed on a pager (`第2页 共5页`, `2/5页`, `Page 2 of 5`, `共5页`); None if absent."""
    if not text or len(text) > 400:
        return None
    for rx in _PAGE_OF_X:
        m = rx.search(text)
        if m:
            n = m.groupdict().get("n")
            total = int(m["x"])
            if total < 1:
                return None
            return (int(n) if n else None), total
    return None


# --- article URLs -----------------------------------------------------------------------------------------

#: the URL shapes of an article page across the CMS families
ARTICLE_URL = re.compile(
    r"/(?:19|20)\d{2}[-/_]?[01]\d[-/_]?[0-3]\d/[^/]*\d[^/]*\.s?html?$"  # /2015/0706/123.html, /2015-07/06/c_1.htm
    r"|/(?:19|20)\d{2}/[01]\d[0-3]\d/\w+\.\w+$"
    r"|/(?:19|20)\d{2}/[a-z]+_[01]\d[0-3]\d/\d+\.s?html?$"  # PHPCMS /html/2015/shehui_0706/123.html
    r"|[/_]t(?:19|20)\d{6}_\d+\.s?html?$"  # TRS t20150706_123.html
    r"|/content_\d+\.s?html?$|/c_\d+\.s?html?$|/art/\d{4}/\d+/\d+/art_\d+_\d+\.html$"  # Hanweb
    r"|/(?:show|view|detail|article|content|news|info)[-_/]?\w*?[-_/=]\d{3,}(?:\.\w+)?$"
    r"|/\d{5,}\.s?html?$|/n\d{6,}\.shtml$|/a/\d+_\d+$|[?&](?:id|aid|articleid|newsid|contentid)=\d{3,}",
    re.I,
)
#: the URL shapes of a list/column page
LIST_URL = re.compile(
    r"/(?:list|lists|index|node|column|channel|category|catalog|more|search|tag|tags)(?:[-_/]\w*)?(?:\.\w+)?$"
    r"|/list[-_]\d+|/index_\d+\.s?html?$|/node_\d+\.htm|/$|^https?://[^/]+$"
    r"|[?&](?:" + "|".join(sorted(PAGE_PARAMS)) + r")=\d+$",
    re.I,
)

# --- characters -------------------------------------------------------------------------------------------

#: CJK and ASCII punctuation counted by the density finder
PUNCTUATION = frozenset("，。！？、；：“”‘’《》（）…—,.!?;:\"'()「」『』【】")
#: marks that end a sentence
SENTENCE_END = "。！？!?；;"

#: title separators in <title> (site suffixes: `_嘉兴在线`, `-新华网`, `|`)
TITLE_SPLIT = re.compile(r"\s*(?:_{1,2}|\s[-–—|｜]\s|[-–—]{2}|\||｜|-(?=[^-]{2,20}$))\s*")
