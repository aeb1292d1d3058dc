"""Near-duplicate clustering: syndicated copies with small edits join one story; other stories on the topic do not.

The labelled set is built from the demo site's story templates (invented text): each story is syndicated to
several sites that rewrite the 来源 line, add an editor's name or a 本报讯 byline, trim a paragraph and change a
word; negatives are different stories of the same column (same topic vocabulary, different events).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from crawler.demo import stories
from storage import clusters
from storage.clusters import containment, shingle_text, shingles

SITES = ("嘉禾新闻网", "临江在线", "北塘发布", "石门新闻", "安平网")
COLUMNS = {"社会": stories.SOCIAL, "三农": stories.FARMING, "政务": stories.GOVERNMENT, "城市": stories.CITY_LIFE}


@dataclass(frozen=True)
class Doc:
    story: str  # ground truth: copies of one story share it
    topic: str
    body: str


def original_body(rng: random.Random, template: stories.StoryTemplate) -> str:
    values = stories.fill_values(rng, template, 7, rng.randint(1, 28))
    paragraphs = [p.format(**values) for p in template.paragraphs if not p.startswith("[图]")]
    return "\n".join([*paragraphs, f"来源：{rng.choice(stories.PAPERS)}", f"责任编辑：{stories.person(rng)}"])


def syndicated(rng: random.Random, body: str) -> str:
    """A copy another site runs: new 来源 and editor lines, a byline, a trimmed paragraph, a changed word."""
    lines = [ln for ln in body.split("\n") if not ln.startswith(("来源", "责任编辑"))]
    for _ in range(rng.randint(1, 2)):
        if len(lines) > 4:
            del lines[rng.randrange(1, len(lines))]  # an editor trims a paragraph or two (never the lead)
    if rng.random() < 0.3:  # and adds a local sentence
        lines.append(f"{rng.choice(SITES)}将持续关注此事进展，欢迎读者拨打新闻热线提供线索。")
    edits = [("近日", "日前"), ("记者", "本报记者"), ("今年", "2015年"), ("表示", "说"), ("目前", "眼下")]
    for old, new in rng.sample(edits, 2):
        lines = [ln.replace(old, new, 1) for ln in lines]
    if rng.random() < 0.5:
        lines[0] = f"本报讯（记者 {stories.person(rng)}）{lines[0]}"
    lines += [f"来源：{rng.choice(SITES)}", f"（责任编辑：{stories.person(rng)}）"]
    if rng.random() < 0.3:
        lines.insert(0, f"原标题：{rng.choice(SITES)}报道")
    return "\n".join(lines)


def labelled_set(seed: int = 5) -> list[Doc]:
    """One story per demo template with 2-4 syndicated copies; columns group stories of one topic."""
    rng = random.Random(seed)
    docs: list[Doc] = []
    for topic, templates in COLUMNS.items():
        for t_no, template in enumerate(templates):
            story = f"{topic}-{t_no}"
            body = original_body(rng, template)
            docs.append(Doc(story, topic, body))
            docs.extend(Doc(story, topic, syndicated(rng, body)) for _ in range(rng.randint(2, 4)))
    return docs


def pairs(docs: list[Doc]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Positive pairs (copies of one story) and negative pairs (different stories of the same column)."""
    positive, negative = [], []
    for i, j in itertools.combinations(range(len(docs)), 2):
        if docs[i].story == docs[j].story:
            positive.append((i, j))
        elif docs[i].topic == docs[j].topic:
            negative.append((i, j))
    return positive, negative


def precision_recall(docs: list[Doc]) -> tuple[float, float, int, int]:
    """Group through the story engine the archive uses (no titles or times: the bodies alone must tell);
    score every labelled pair by shared story."""
    at = datetime(2015, 7, 1, tzinfo=UTC)
    engine_docs = [clusters.Doc(n, "site", f"http://s/{n}", "", None, at, None, "", d.body) for n, d in enumerate(docs)]
    for d in engine_docs:
        d.grams = shingles(d.body)
    story: dict[int, int] = {}
    for k, members in enumerate(clusters.group(engine_docs).stories):
        for i in members:
            story[engine_docs[i].id] = k
    positive, negative = pairs(docs)
    tp = sum(story[i] == story[j] for i, j in positive)
    fp = sum(story[i] == story[j] for i, j in negative)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / len(positive)
    return precision, recall, len(positive), len(negative)


def test_syndicated_copies_cluster_with_precision_and_recall_at_least_095(capsys):
    docs = labelled_set()
    precision, recall, n_pos, n_neg = precision_recall(docs)
    with capsys.disabled():
        print(f"\nnear-duplicate clustering: precision {precision:.3f} recall {recall:.3f} "
              f"({len(docs)} docs, {n_pos} syndicated pairs, {n_neg} same-topic different-story pairs)")
    assert precision >= 0.95
    assert recall >= 0.95


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clustering_quality_holds_for_other_edit_draws(seed):
    precision, recall, _, _ = precision_recall(labelled_set(seed))
    assert precision >= 0.95
    assert recall >= 0.95


def test_byline_lines_that_syndication_rewrites_are_not_compared():
    a = "市里新建三座公园，方便市民休闲健身，公园内设有步道和儿童乐园。\n来源：青禾日报\n责任编辑：张三"
    b = "本报讯（记者 李四）市里新建三座公园，方便市民休闲健身，公园内设有步道和儿童乐园。\n来源：临江在线"
    assert shingle_text(a) == shingle_text(b)


def test_a_trimmed_copy_is_still_a_near_duplicate_by_containment():
    rng = random.Random(7)
    body = original_body(rng, stories.SOCIAL[0])
    trimmed = "\n".join(body.split("\n")[:3])
    assert containment(shingles(body), shingles(trimmed)) == 1.0


def _doc(n: int, body: str, title: str = "青禾新闻", hours: int = 0, site: str = "qinghe") -> clusters.Doc:
    at = datetime(2015, 7, 1, 8, tzinfo=UTC)
    from datetime import timedelta

    return clusters.Doc(n, site, f"http://{site}/{n}.html", title, at + timedelta(hours=hours), at, None, "", body)


def _stories(docs: list[clusters.Doc], boilerplate: frozenset[str] = frozenset()) -> list[set[int]]:
    for d in docs:
        d.grams = shingles(d.body, boilerplate)
    docs.sort(key=lambda d: d.order)
    return [{docs[i].id for i in members} for members in clusters.group(docs).stories]


PARAS = [
    "松岗镇今年投入资金改造了镇区的三条主要道路，沿街商户和居民出行条件明显改善，附近的学生上学也更安全了。",
    "改造工程包括雨污分流、人行道铺设和路灯更换，施工期间镇里安排专人疏导交通，尽量减少对群众生活的影响。",
    "家住镇区老街的居民说，以前一到雨天路面就积水，现在排水通畅了，晚上散步也亮堂了，大家都很满意。",
    "镇党委负责人介绍，明年还将对剩下的背街小巷进行改造，让更多群众感受到家门口的变化和实实在在的好处。",
    "施工单位表示，所有路段均按照市政标准建设，并设置了无障碍通道和盲道，方便老人和残障人士通行使用。",
    "据统计，道路改造惠及沿线商户一百多家，节假日客流明显增加，不少店主表示生意比往年好做了许多。",
]


def test_two_reports_from_one_template_on_other_days_in_other_counties_are_not_copies():
    lead = "为切实做好夏季安全生产工作，7月{day}日，市应急管理局组成督导组赴{county}检查指导，并召开座谈会。"
    rest = "\n".join(PARAS[:3])
    a = _doc(1, lead.format(day=1, county="安平县") + "\n" + rest, "市应急管理局赴安平县督导")
    b = _doc(2, lead.format(day=11, county="石门县") + "\n" + rest, "市应急管理局赴石门县督导", hours=240)
    assert _stories([a, b]) == [{1}, {2}]
    assert clusters.changed_facts(a.body, b.body) == [("1", "11")]


def test_sentences_that_recur_across_many_articles_of_a_site_are_boilerplate_and_not_compared():
    shared = "会议要求，各级各部门要提高思想认识，压实工作责任，确保各项任务落地见效。"
    docs = [_doc(n, f"{PARAS[n]}{shared}", f"标题{n}") for n in range(clusters.BOILERPLATE_TITLES)]
    boiler = clusters.boilerplate_sentences(docs)
    assert shingle_text(shared) in boiler
    assert shingle_text(PARAS[0]) not in boiler
    # copies of one story keep their title: however many a site runs, its sentences are not boilerplate
    same_title = [_doc(n, f"{PARAS[0]}{shared}", "标题") for n in range(10)]
    assert clusters.boilerplate_sentences(same_title) == frozenset()


def test_an_article_joins_a_story_only_through_its_original_or_a_majority_never_a_chain():
    a = _doc(1, "\n".join(PARAS[0:4]))
    b = _doc(2, "\n".join(PARAS[0:6]), hours=2)  # copies a, and adds two paragraphs
    c = _doc(3, "\n".join(PARAS[2:6]), hours=4)  # copies b's second half: half of a only
    assert _stories([c, b, a]) == [{1, 2}, {3}]
    assert clusters.is_copy(a, b)
    assert clusters.is_copy(b, c)
    assert not clusters.is_copy(a, c)


def test_a_short_notice_inside_a_long_round_up_is_not_its_copy():
    notice = _doc(1, PARAS[0] + PARAS[1])
    roundup = _doc(2, "\n".join(PARAS) + "\n" + "\n".join(p[::-1] for p in PARAS), hours=1)
    _stories([notice, roundup])
    assert clusters.containment(notice.grams, roundup.grams) == 1.0
    assert not clusters.is_copy(notice, roundup)
