"""The corrections of issue 14 stay made: the statements found overstated, misquoted or out of
date are gone from the shipped pages, and what replaced them is there, in both languages."""

from __future__ import annotations

import pytest

from campaign.pages import services

PAGES = {entry["slug"]: entry for entry in services.shipped_pages()}
ALL = tuple(PAGES)

# (pages, Japanese, English): wording that must not come back.
ABSENT = [
    # 1. Art. 17 misquoted as the Act's words, and cited in its 2019 numbering.
    (ALL, "「本人の申請により」", '"on the person\'s own application"'),
    (ALL, "2019年当時の第17条", "as it read in 2019"),
    # 2. Out-of-date health insurance: the old warning is now simply true.
    (("pressed",), "「保険証が使えなくなる」と言われ", "your insurance card will stop working"),
    (
        ("qa",),
        "カードを保険証として使わない人には、保険者から",
        "If you do not use the card this way",
    ),
    # 3. Uptake: no longer a minority choice, no longer slow; cards are not people.
    (("figures",), "少数派の特別な選択ではありません", "not an unusual choice"),
    (("figures",), "その後も普及はゆっくりで", "Uptake stayed slow afterwards"),
    (("figures",), "カードを受け取っていた人は", "11,474,475 people"),
    # 4. The ministry's answers, stronger than they were given.
    (ALL, "取得率で自治体を順位付けしない", "no ranking of municipalities"),
    (ALL, "個人番号を印字した申請書は作らない", "no application forms pre-printed with the person"),
    (ALL, "ほかにも約束しています", "The ministry promised more"),
    (ALL, "同意した人だけが答えるものです", "answered only by those who agree"),
    (ALL, "応じなくても、不利益はありません", "Saying no brings no disadvantage"),
    (ALL, "（2）（3） 応じなかった人に不利益はない", "(2)(3) nobody who does not comply"),
    (
        ("qa", "rights"),
        "番号を印字しないよう伝えました",
        "not to print people's numbers on the residents",
    ),
    # 5. Penalties of two eras; offences that need no number-related work.
    (ALL, "条番号は2019年当時", "article numbers as in the Act in 2019"),
    (
        ("qa",),
        "正当な理由なく、個人番号を含む個人情報のファイルを人に渡した場合",
        "Handing over a file of personal information including numbers without good reason",
    ),
    # 6. One in ten said of every ministry.
    (ALL, "国の省庁で切り替えが進められた例でも", "When national ministries switched to such IDs"),
    # 7. Smaller points.
    (ALL, "「カードを持っておらず、今後も取得する予定はない」", '"had no card and did not plan'),
    (ALL, "災害対策**がその中心です", "chiefly **tax, social security and disaster response**"),
    (ALL, "任用の更新", "contract renewal"),
]

# (page, Japanese, English): wording that must be there.
PRESENT = [
    ("qa", "第16条の2第1項", "Art. 16-2(1)"),
    ("qa", "第17条第1項", "Art. 17(1)"),
    ("rights", "第16条の2第1項", "Art. 16-2(1)"),
    ("qa", "個人番号カードの交付申請", "個人番号カードの交付申請"),
    (
        "qa",
        "組合員証**を含めて、遅くとも2025年12月1日で有効期限が切れました",
        "expired on 1 December 2025 at the latest",
    ),
    ("qa", "当分の間は申請しなくても届く", "for the time being without your applying"),
    ("qa", "登録の解除を申請できます", "cancel the registration"),
    ("pressed", "これ自体は事実です", "that part is true"),
    ("pressed", "登録するかどうかは自分で決めます", "I will decide for myself whether to register"),
    ("pressed", "カードの常時携帯の要求", "Told to carry the card at all times"),
    ("figures", "人口の81.2%", "**81.2%**"),
    (
        "figures",
        "持つ人が多数になったことは、持たない人に申請を迫る理由にはなりません",
        "is no reason to press those who do not",
    ),
    ("figures", "交付枚数であって、人数ではありません", "they count cards issued, not people"),
    (
        "qa",
        "（2）通知に従わない共済組合や自治体があっても不利益が及ぶことはない",
        "(2) mutual-aid associations and local governments that do not follow the notice",
    ),
    ("qa", "同意して答える人を想定している", "designed for people who agree to answer"),
    ("qa", "自治体に取得状況を競わせるためではない", "not meant to make municipalities compete"),
    ("qa", "改めて送ることは考えていない", "it is not planning to send"),
    ("qa", "500億円", "¥50 billion"),
    (
        "qa",
        "申請しないことを理由に不利に扱ってよいと定めた法律はありません",
        "No law allows anyone to be treated worse for not applying",
    ),
    (
        "rights",
        "不利に扱ってよいと定めた法律はありません",
        "No law allows anyone to be treated worse",
    ),
    (
        "qa",
        "これは法律の条文ではなく総務省の回答ですが",
        "These are the ministry's answers, not words of a statute",
    ),
    ("qa", "「当面」個人番号を記載しない", '"for the time being" (当面)'),
    ("qa", "eLTAX", "eLTAX"),
    (
        "qa",
        "2025年6月1日以後の行為には「拘禁刑」",
        "For acts from 1 June 2025 the prison term is 拘禁刑",
    ),
    ("qa", "従事する人や従事していた人", "engaged in work"),
    (
        "qa",
        "もしくは150万円以下の罰金、またはその両方（第49条）",
        "¥1.5 million, or both (Art. 49)",
    ),
    ("qa", "最初に切り替えを始めた国土交通省の本省", "the first to switch was the head office"),
    (
        "figures",
        "カードを取得しておらず今後も取得する予定はないと答えた人が53.0%",
        "53.0% said they had no card and did not plan to get one",
    ),
    ("qa", "令和5年法律第48号", "Act No. 48 of 2023"),
    ("qa", "特定個人情報ファイル", "特定個人情報ファイル"),
    ("qa", "特別徴収税額決定通知書", "特別徴収税額決定通知書"),
    ("qa", "再度の任用", "再度の任用"),
    ("pressed", "再度の任用", "再度の任用"),
]

# What a member should do today, in each of the four situations, on the Q&A and on the
# page about pressure at work.
TODAY = {
    "qa": [
        (
            "マイナ保険証の登録を求められたら",
            "Asked to register the card as your health insurance card",
        ),
        ("カードを持ち歩くよう求められたら", "Asked to carry the card at all times"),
        ("職員証との一体化を求められたら", "Asked to merge it with your staff ID"),
        ("カードを持っているか報告するよう求められたら", "Asked to report whether you hold a card"),
    ],
    "pressed": [
        ("## 健康保険証利用の誘導", "health insurance (健康保険証利用の誘導)"),
        ("## カードの常時携帯の要求", "## Told to carry the card at all times"),
        ("## 職員証との一体化", "## Staff ID merged with the card"),
        ("## 取得状況の調査", "## Status surveys"),
    ],
}


@pytest.mark.parametrize(("pages", "ja", "en"), ABSENT, ids=[a[2][:30] for a in ABSENT])
def test_the_overstated_or_outdated_wording_is_gone(pages, ja, en):
    for slug in pages:
        entry = PAGES[slug]
        assert ja not in entry["body_ja"] + entry["description_ja"], (slug, ja)
        assert en not in entry["body_en"] + entry["description_en"], (slug, en)


@pytest.mark.parametrize(("slug", "ja", "en"), PRESENT, ids=[p[2][:30] for p in PRESENT])
def test_the_corrected_wording_is_there(slug, ja, en):
    assert ja in PAGES[slug]["body_ja"], (slug, ja)
    assert en in PAGES[slug]["body_en"], (slug, en)


@pytest.mark.parametrize("slug", sorted(TODAY))
def test_the_pages_say_what_to_do_today(slug):
    for ja, en in TODAY[slug]:
        assert ja in PAGES[slug]["body_ja"], (slug, ja)
        assert en in PAGES[slug]["body_en"], (slug, en)


def test_no_quotation_of_the_act_except_its_exact_words():
    """The only words of the Act the pages quote are the 2023 amendment's, which were checked
    in the bill text; everything else about the Act is a paraphrase without quotation marks."""
    for entry in PAGES.values():
        for phrase in ("その者の申請により", "申請に基づき"):
            assert f"「{phrase}" not in entry["body_ja"], (entry["slug"], phrase)
