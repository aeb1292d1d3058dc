"""Bylines: names validated, roles kept apart (author / contributors / editor), the article's own byline wins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract import Contributor, extract_article
from crawler.extract.byline import credits_in, is_credit_line, valid_name

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)
URL = "http://news.example.cn/2019/0101/1.html"
PARAS = (
    "<p>今年以来，市园林部门在老城区见缝插绿，新建了三座口袋公园，方便市民就近休闲。</p>"
    "<p>据介绍，这些公园面积不大，但配备了座椅、步道和儿童游乐设施，受到周边居民欢迎。</p>"
    "<p>园林部门表示，下一步还将结合旧城改造，继续推进小微绿地建设，让绿色融入城市。</p>"
)


def _page(info: str = "", body: str = PARAS, side: str = "") -> str:
    return f"""<html><head><title>市区新建三座口袋公园_示例在线</title></head><body>
    <div class="nav"><a href="/">首页</a> <a href="/bd/">本地新闻</a></div>
    <h1>市区新建三座口袋公园</h1><div class="info">{info}</div>
    <div id="content">{body}</div><div class="sidebar">{side}</div></body></html>"""


@pytest.mark.parametrize(
    ("token", "name"),
    [("张三", "张三"), ("张三摄", "张三"), ("王莉(NF041)", "王莉"), ("赵六_NT1234", "赵六"), ("李四等", "李四"),
     ("欧阳明月", "欧阳明月"), ("阿依古丽·买买提", "阿依古丽·买买提"), ("John Smith", "John Smith")],
)
def test_valid_names_are_kept_clean(token, name):
    assert valid_name(token) == name


@pytest.mark.parametrize(
    "token",
    ["注意到", "走进社区", "了解到", "现场看到", "本报", "新华社", "嘉禾日报", "新闻中心", "bold", "Normal", "default",
     "font", "admin", "佚名", "一", "这是一个很长的不像名字的短语"],
)
def test_words_that_are_not_names_are_rejected(token):
    assert valid_name(token) == ""


def test_an_organisational_byline_is_kept_when_labelled_author():
    assert valid_name("医技药剂党支部", lenient=True) == "医技药剂党支部"
    assert valid_name("医技药剂党支部") == ""


def test_credit_line_roles():
    pairs = credits_in("本报记者 张三 实习生 李四 通讯员 王五 摄影 赵六 编译 孙七 视频/周八")
    assert pairs == [("author", "张三"), ("intern", "李四"), ("correspondent", "王五"), ("photographer", "赵六"),
                     ("translator", "孙七"), ("other", "周八")]


def test_intern_reporter_is_a_writer_and_photo_reporter_a_photographer():
    assert credits_in("实习记者 许诺 摄影记者 邓辉") == [("author", "许诺"), ("photographer", "邓辉")]


def test_short_labels_need_a_separator():
    assert credits_in("文/张三 图/李四") == [("author", "张三"), ("photographer", "李四")]
    assert credits_in("中文图书") == []


def test_reporter_inside_a_sentence_is_not_a_label():
    assert credits_in("据记者了解，该项目已经开工。") == []
    assert credits_in("记者注意到，市场里人来人往。") == []


def test_long_lists_are_kept_whole():
    names = ["张晓明", "李丽华", "王建国", "赵明远", "刘思远", "陈静怡", "杨帆", "黄海"]
    assert [n for _r, n in credits_in("本报记者 " + "、".join(names))] == names
    assert [n for _r, n in credits_in("记者 " + " ".join(names))] == names


def test_a_credit_line_of_any_length_is_recognised():
    assert is_credit_line("本报记者 张晓明、李丽华、王建国、赵明远、刘思远、陈静怡、杨帆 通讯员 何一平 吴可")
    assert not is_credit_line("记者从市交通运输局了解到，专线将于8月1日开通试运行。")


def test_correspondents_interns_and_photographers_are_contributors():
    got = extract_article(_page("2019-01-01 10:00 本报记者 张三 实习生 李四 通讯员 王五"), URL, FETCHED)
    assert got.author == ["张三"]
    assert got.contributors == [Contributor("李四", "intern"), Contributor("王五", "correspondent")]


def test_photo_credit_in_a_caption_is_a_photographer():
    body = PARAS + "<p>图为新建的口袋公园一角。（刘洋 摄）</p>"
    got = extract_article(_page("2019-01-01 10:00 记者 张三", body), URL, FETCHED)
    assert got.author == ["张三"]
    assert got.contributors == [Contributor("刘洋", "photographer")]


def test_editors_stay_editors_and_process_credits_are_dropped():
    body = PARAS + "<p>责任编辑：冯雪　校对：蒋平　审核：韩松</p>"
    got = extract_article(_page("2019-01-01 10:00", body), URL, FETCHED)
    assert got.editor == ["冯雪"]
    assert got.author == []
    assert got.contributors == []


def test_other_articles_bylines_in_the_sidebar_are_not_taken():
    side = "<ul><li><a href='/o/1.html'>让城市书房成为文化客厅</a><span>作者：赵立</span></li></ul>"
    got = extract_article(_page("2019-01-01 10:00", side=side), URL, FETCHED)
    assert got.author == []


def test_a_verb_after_reporter_in_the_lead_is_not_an_author():
    body = PARAS.replace("<p>今年以来", "<p>记者注意到，今年以来") + "<p>（记者 周敏）</p>"
    got = extract_article(_page("2019-01-01 10:00", body), URL, FETCHED)
    assert got.author == ["周敏"]


def test_a_template_word_in_place_of_the_author_is_no_author():
    for word in ("default", "<em>Normal</em>", "undefined"):
        assert extract_article(_page(f"2019-01-01 10:00 作者：{word}"), URL, FETCHED).author == [], word


def test_editor_staff_code_alone_is_kept():
    got = extract_article(_page("2019-01-01 10:00", PARAS + "<p>责任编辑：NF041</p>"), URL, FETCHED)
    assert got.editor == ["NF041"]


def test_writer_and_photographer_in_one_label():
    assert credits_in("文/图 张三") == [("author", "张三")]
    assert credits_in("图文：李四") == [("author", "李四")]


def test_reporter_of_a_media_centre_glued_to_the_name():
    assert credits_in("融媒体记者张三 通讯员李四") == [("author", "张三"), ("correspondent", "李四")]


def test_intern_editor_is_an_editor_label_not_a_name():
    got = extract_article(_page("2019-01-01 10:00", PARAS + "<p>责任编辑：张三 实习编辑：李四</p>"), URL, FETCHED)
    assert got.editor == ["张三", "李四"]


def test_label_and_value_in_adjacent_table_cells():
    info = ("<table><tr><td>来源：</td><td>示例日报</td><td>作者：</td><td>张三</td></tr>"
            "<tr><td>2019-01-01 10:00</td></tr></table>")
    body = PARAS + "<table><tr><th>责任编辑：</th><td>王五</td></tr></table>"
    got = extract_article(_page(info, body), URL, FETCHED)
    assert got.source == "示例日报"
    assert got.author == ["张三"]
    assert got.editor == ["王五"]


def test_a_label_printed_with_nothing_after_it_stays_empty():
    got = extract_article(_page("2019-01-01 10:00 来源： 浏览："), URL, FETCHED)
    assert got.source == ""
