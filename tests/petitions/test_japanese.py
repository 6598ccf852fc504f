"""Names and addresses as Japanese signers write them: what is refused, what counts as one."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaign.petitions import japanese

SAME_ADDRESS = [
    "東京都千代田区霞が関二丁目1番2号",
    "東京都千代田区霞ヶ関２－１－２",
    "〒100-8926 東京都 千代田区 霞ケ関2-1-2",
    "東京都千代田区霞が関2丁目1番地の2",
    "東京都千代田区霞が関2ー1ー2",
    "東京都千代田区霞が関二の一の二",
    "東京都　千代田区　霞が関　２丁目１番２号",
    "東京都千代田区霞が関2‐1‐2",
    "東京都千代田区霞が関2−1−2",
]


@pytest.mark.parametrize("variant", SAME_ADDRESS)
def test_address_variants_are_one_address(variant):
    assert japanese.normal_address(variant) == japanese.normal_address(SAME_ADDRESS[0])


def test_numbers_in_kanji_read_as_numbers():
    assert japanese.kanji_to_arabic("二十一") == "21"
    assert japanese.kanji_to_arabic("一〇二") == "102"
    assert japanese.kanji_to_arabic("三百五") == "305"
    assert japanese.kanji_to_arabic("十") == "10"
    assert japanese.kanji_to_arabic("千二百三十四") == "1234"
    assert japanese.normal_address("滋賀県大津市京町四丁目1番1号") == japanese.normal_address(
        "滋賀県大津市京町4-1-1"
    )
    assert japanese.normal_address("東京都八王子市元本郷町三丁目二十四番一号") == (
        japanese.normal_address("東京都八王子市元本郷町3-24-1")
    )


def test_different_block_numbers_stay_different():
    a = japanese.normal_address("東京都千代田区霞が関2-1-2")
    assert a != japanese.normal_address("東京都千代田区霞が関2-1-3")
    assert a != japanese.normal_address("東京都千代田区霞が関2-12")
    assert a != japanese.normal_address("大阪府大阪市中央区大手前2-1-2")


@pytest.mark.parametrize(
    "variant", ["山田太郎", "山田 太郎", "山田　太郎", " 山田  太郎 ", "山田\u3000\u3000太郎"]
)
def test_name_variants_are_one_name(variant):
    assert japanese.normal_name(variant) == "山田太郎"


def test_width_and_variant_kanji_in_names():
    assert japanese.normal_name("ﾔﾏﾀﾞ ﾀﾛｳ") == japanese.normal_name("ヤマダ　タロウ")
    assert japanese.normal_name("髙橋 一郎") == japanese.normal_name("高橋一郎")
    assert japanese.normal_name("山﨑花子") == japanese.normal_name("山崎花子")
    assert japanese.normal_name("Ｊｏｈｎ Ｓｍｉｔｈ") == japanese.normal_name("John Smith")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "missing"),
        ("   ", "missing"),
        ("山" * 61, "too_long"),
        ("山田123", "not_a_name"),
        ("<script>alert(1)</script>", "not_a_name"),
        ("yamada@example.org", "not_a_name"),
        ("😀", "not_a_name"),
        ("https://spam.example", "not_a_name"),
    ],
)
def test_bad_names_are_refused_with_a_reason(name, code):
    assert japanese.check_name(name) == japanese.Problem("name", code)


@pytest.mark.parametrize(
    "name",
    ["山田太郎", "山田 太郎", "やまだ　たろう", "ヤマダ・タロウ", "佐々木ルーシー", "John O'Brien"],
)
def test_names_as_people_write_them_are_accepted(name):
    assert japanese.check_name(name) is None


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("", "missing"),
        ("千代田区霞が関2-1-2", "no_prefecture"),
        ("東京千代田区霞が関2-1-2", "no_prefecture"),
        ("東京都", "too_short"),
        ("東京都" + "あ" * 200, "too_long"),
        ("東京都千代田区😀", "not_an_address"),
    ],
)
def test_bad_addresses_are_refused_with_a_reason(address, code):
    assert japanese.check_address(address) == japanese.Problem("address", code)


def test_prefecture_is_read_from_the_address_without_a_postcode():
    assert japanese.prefecture_of("〒520-0044 滋賀県大津市京町4-1-1") == "25"
    assert japanese.prefecture_of("北海道札幌市中央区北3条西6丁目") == "01"
    assert japanese.prefecture_of("沖縄県那覇市泉崎1-2-2") == "47"
    assert japanese.check_address("〒100-8926 東京都千代田区霞が関2-1-2") is None


@given(st.text(max_size=300))
def test_normalising_never_fails(text):
    japanese.normal_name(text)
    japanese.normal_address(text)
    japanese.check_name(text)
    japanese.check_address(text)


INVISIBLES = ["\u200b", "\u3164", "\uffa0", "\u2060", "\ufeff", "\u00ad", "\u200d", "\u2800"]


@pytest.mark.parametrize("invisible", INVISIBLES)
def test_characters_that_show_nothing_make_no_new_person(invisible):
    """Review R3-12: a zero-width space or a Hangul filler made the same person a new one."""
    address = "北海道札幌市中央区北1条西2丁目1番地"
    assert japanese.normal_address(address + invisible) == japanese.normal_address(address)
    split = f"北海道{invisible}札幌市"
    assert japanese.normal_address(split) == japanese.normal_address("北海道札幌市")
    assert japanese.normal_name(f"重複{invisible}太郎") == japanese.normal_name("重複太郎")
    assert japanese.visible(f"重複{invisible}太郎") == "重複太郎"


def test_common_variant_kanji_pairs_are_one_name():
    assert japanese.normal_name("山田太郞") == japanese.normal_name("山田太郎")
    assert japanese.normal_name("濵嶋冨士子") == japanese.normal_name("浜島富士子")


# --- review R5-1: the compared form is letters and digits only --------------------------------

# What the name's pattern admits besides letters (``_NAME_RE``), and what an address admits
# besides letters and digits (``check_address`` refuses only So, Cs, Co, Cn, Cc and Cf).
NAME_SIGNS = "・-'’. 　"  # and ー, which is a letter after a kana (R6-1: its own properties)
ADDRESS_SIGNS = "・、。，．,./_〜～~-‐―−－ 　:;()（）「」#＃&＋+=*%$¥@!?！？^`|\\[]{}<>〈〉【】"
NUMERALS = "0123456789〇零一二三四五六七八九十百千"
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん"
KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
)
KANJI = "山田太郎花子佐藤鈴木高橋渡辺伊中小林加吉本斎藤松井上清水森池"
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüñçÉÜ"
PLACES = "港区芝公園霞が関本町西条通中央北南東"

names = st.lists(
    st.text(st.sampled_from(KANA + KATAKANA + KANJI + LATIN), min_size=1, max_size=6),
    min_size=1,
    max_size=3,
).flatmap(
    lambda parts: st.lists(
        st.sampled_from([" ", "　", "・", ""]), min_size=len(parts) - 1, max_size=len(parts) - 1
    ).map(lambda seps: "".join(p + s for p, s in zip(parts, [*seps, ""], strict=True)))
)
block = st.lists(st.integers(1, 40), min_size=1, max_size=4).map(
    lambda numbers: "-".join(map(str, numbers))
)
addresses = st.builds(
    lambda prefecture, place, number, building: f"{prefecture}{place}{number}{building}",
    st.sampled_from(japanese.PREFECTURES),
    st.text(st.sampled_from(PLACES + KANJI), min_size=1, max_size=8),
    block,
    st.sampled_from(["", " Aビル", "　コーポ山田 101", "号室"]),
)


def _numeral(char: str) -> bool:
    return char in NUMERALS or char.isnumeric()


@given(names, st.data())
def test_a_sign_or_a_letter_case_makes_no_new_name(name, data):
    """Review R5-1: 「検証・太郎」, 「検証 太郎.」, 「KENSHO TARO」 were three more people."""
    assert japanese.check_name(name) is None
    where = data.draw(st.integers(0, len(name)))
    sign = data.draw(st.sampled_from(NAME_SIGNS))
    changed = name[:where] + sign + name[where:]
    if japanese.check_name(changed) is None:  # the pattern wants a letter first
        assert japanese.normal_name(changed) == japanese.normal_name(name)
    for cased in (name.upper(), name.lower(), name.swapcase(), name.title()):
        assert japanese.normal_name(cased) == japanese.normal_name(name)


@given(addresses, st.data())
def test_a_sign_or_a_letter_case_makes_no_new_address(address, data):
    """Review R5-1: a final 。, 〜 or _ between block numbers, aビル for Aビル were new people.
    A sign between two numerals is the one place where it says something (``1-23``/``1-2-3``)."""
    assert japanese.check_address(address) is None
    where = data.draw(
        st.integers(0, len(address)).filter(
            lambda i: (
                not (0 < i < len(address) and _numeral(address[i - 1]) and _numeral(address[i]))
            )
        )
    )
    signs = data.draw(st.text(st.sampled_from(ADDRESS_SIGNS), min_size=1, max_size=3))
    changed = address[:where] + signs + address[where:]
    if japanese.check_address(changed) is None:
        assert japanese.normal_address(changed) == japanese.normal_address(address)
    for cased in (address.upper(), address.lower(), address.swapcase()):
        assert japanese.normal_address(cased) == japanese.normal_address(address)


@given(addresses, st.data())
def test_any_sign_between_block_numbers_is_one_separator(address, data):
    """Every way of separating two numbers is one separator, never none: 1〜2〜3 = 1-2-3."""
    numbers = re.search(r"\d+(-\d+)*", address[2:])
    assert numbers
    signs = data.draw(st.text(st.sampled_from(ADDRESS_SIGNS + "ー"), min_size=1, max_size=3))
    changed = address.replace(numbers.group(), numbers.group().replace("-", signs))
    assert japanese.normal_address(changed) == japanese.normal_address(address)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("山田・太郎", "山田太郎"),
        ("ヤマダ・タロウ", "ヤマダ タロウ"),
        ("山田 太郎.", "山田太郎"),
        ("Taro Yamada", "taro yamada"),
        ("KENSHO TARO", "Kensho Taro"),
        ("John O'Brien", "John O’Brien"),
        ("Jean-Pierre", "Jean Pierre"),
        ("ジャン-ピエール", "ジャン・ピエール"),
        ("山田ー太郎", "山田太郎"),
        ("Jeanーpierre", "Jean-Pierre"),
        ("佐々木花子", "佐佐木花子"),
        ("か゛わ", "がわ"),
    ],
)
def test_the_reviews_names_are_one_name(one, other):
    assert japanese.normal_name(one) == japanese.normal_name(other)


@pytest.mark.parametrize(
    "variant",
    [
        "東京都港区芝公園1-2-3。",
        "東京都港区芝公園1-2-3.",
        "東京都港区芝公園1〜2〜3",
        "東京都港区芝公園1～2～3",
        "東京都港区芝公園1_2_3",
        "東京都港区芝公園1,2,3",
        "東京都港区芝公園1.2.3",
        "東京都港区芝公園1/2/3",
        "東京都港区芝公園1・2・3",
        "東京都港区芝公園1 2 3",
        "東京都港区芝公園1丁目・2番・3号。",
        "東京都・港区、芝公園1-2-3",
        "東京都港区芝公園1-2-3ー",
    ],
)
def test_the_reviews_addresses_are_one_address(variant):
    assert japanese.normal_address(variant) == japanese.normal_address("東京都港区芝公園1-2-3")


def test_letter_case_in_an_address_is_one_address():
    assert japanese.normal_address("東京都港区芝公園1-2-3 Aビル") == japanese.normal_address(
        "東京都港区芝公園1-2-3aビル"
    )
    assert japanese.normal_address("東京都港区芝公園1-2-3 Aビル 101") == japanese.normal_address(
        "東京都港区芝公園1-2-3 aビル 101号"
    )


@pytest.mark.parametrize(
    "other",
    [
        "東京都港区芝公園1-23",
        "東京都港区芝公園12-3",
        "東京都港区芝公園123",
        "東京都港区芝公園1-2-4",
        "東京都港区芝公園1-2-3-4",
        "東京都港区芝公園1-2",
        "東京都港区芝公園1-2-3 Bビル",
        "東京都港区芝公園1-2-31",
    ],
)
def test_different_numbers_and_buildings_stay_different(other):
    """What a dropped separator would merge: 1-2-3 and 1-23, 1 2 3 and 123 are two addresses."""
    assert japanese.normal_address(other) != japanese.normal_address("東京都港区芝公園1-2-3")
    assert japanese.normal_address("東京都港区芝公園1 23") == japanese.normal_address(
        "東京都港区芝公園1-23"
    )
    assert japanese.normal_address("東京都港区芝公園1 23") != japanese.normal_address(
        "東京都港区芝公園1 2 3"
    )


def test_different_names_stay_different():
    assert japanese.normal_name("山田太郎") != japanese.normal_name("山田次郎")
    assert japanese.normal_name("Taro Yamada") != japanese.normal_name("Yamada Tarou")
    assert japanese.normal_name("佐々木") != japanese.normal_name("佐木")


# --- review R6-1: ー is a letter after a kana; kana script; room and floor words ---------------

LONG_KATAKANA = KATAKANA + "ー"
kana_names = st.lists(
    st.text(st.sampled_from(KANA + LONG_KATAKANA + KANJI + LATIN), min_size=1, max_size=6),
    min_size=1,
    max_size=3,
).map(" ".join)
HIRAGANA_OF = {k: chr(ord(k) - 0x60) for k in KATAKANA + "ァィゥェォッャュョヮヴヵヶ"}
KATAKANA_OF = {h: k for k, h in HIRAGANA_OF.items()}


def _other_script(text: str, which: list[bool]) -> str:
    """The text with the chosen kana written in the other script (あ ↔ ア)."""
    return "".join(
        (HIRAGANA_OF.get(c) or KATAKANA_OF.get(c) or c) if swap else c
        for c, swap in zip(text, which, strict=True)
    )


@given(kana_names, st.data())
def test_a_long_sound_mark_after_a_kana_makes_another_name(name, data):
    """Review R6-1: 佐藤マリ and 佐藤マリー, 佐藤ユキ and 佐藤ユーキ were one person (the second
    member of a household thanked and not counted)."""
    assert japanese.check_name(name) is None
    # After a kana whose next letter is not a ー already (a space or a ・ between does not
    # count: 「あ ー」 is 「あー」 to the comparison, so 「あー ー」 is no longer a name).
    kana = [
        i
        for i in range(1, len(name) + 1)
        if name[i - 1] in KANA + KATAKANA and re.sub(r"[\W_]", "", name[i:])[:1] != "ー"
    ]
    if kana:
        where = data.draw(st.sampled_from(kana))
        longer = name[:where] + "ー" + name[where:]
        assert japanese.normal_name(longer) != japanese.normal_name(name)
        # …whatever the script of either, and however the mark is set off or repeated.
        which = data.draw(st.lists(st.booleans(), min_size=len(longer), max_size=len(longer)))
        assert japanese.normal_name(_other_script(longer, which)) != japanese.normal_name(name)
        assert japanese.normal_name(longer.replace("ー", "ーー")) == japanese.normal_name(longer)
        assert japanese.normal_name(longer.replace("ー", " ー")) == japanese.normal_name(longer)
    # Where no kana comes before it, ー was typed for a dash (山田ー太郎), and goes.
    dashes = [0, *(i for i in range(1, len(name) + 1) if name[i - 1] in KANJI + LATIN)]
    where = data.draw(st.sampled_from(dashes))
    dashed = name[:where] + "ー" + name[where:]
    if japanese.check_name(dashed) is None:
        assert japanese.normal_name(dashed) == japanese.normal_name(name)


@given(kana_names, st.data())
def test_hiragana_or_katakana_makes_no_new_name(name, data):
    """Review R6-1: やまだ はなこ and ヤマダ ハナコ were two people."""
    which = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    assert japanese.normal_name(_other_script(name, which)) == japanese.normal_name(name)


@given(addresses, st.text(st.sampled_from(KANA + LONG_KATAKANA), max_size=6), st.data())
def test_hiragana_or_katakana_makes_no_new_address(address, building, data):
    address += building
    which = data.draw(st.lists(st.booleans(), min_size=len(address), max_size=len(address)))
    assert japanese.normal_address(_other_script(address, which)) == (
        japanese.normal_address(address)
    )


ROOMS = ["{}号室", "{}号", "{}室", "{}", " {}号室", "-{}", "#{}", "{}号室。"]
FLOORS = ["{}階", "{}F", "{}f", "{}Ｆ", "{}"]
FLOORS_AND_ROOMS = ["{}階{}号室", "{}F-{}", "{}f {}", "{}階 {}号", "{}-{}", "{}F{}室"]
# A building's name before the room (after the block number itself, "{}" with no sign would
# make 1-2-3 and 101 one number: 1-2-3101).
buildings = st.sampled_from([" コーポ芝", " ハイツ山田", "　Aビル", " さくら荘"])


@given(addresses, buildings, st.integers(1, 1200), st.integers(1, 40), st.data())
def test_a_room_or_a_floor_is_its_number_however_written(address, building, room, floor, data):
    """Review R6-1: 「コーポ芝101」 and 「コーポ芝101号室」, 「2F」 and 「2階」 were two people."""
    base = address + building
    rooms = [base + form.format(room) for form in ROOMS]
    floors = [base + form.format(floor) for form in FLOORS]
    both = [base + form.format(floor, room) for form in FLOORS_AND_ROOMS]
    for forms in (rooms, floors, both):
        assert japanese.check_address(forms[0]) is None
        one, other = data.draw(st.sampled_from(forms)), data.draw(st.sampled_from(forms))
        assert japanese.normal_address(one) == japanese.normal_address(other)


@given(
    addresses,
    buildings,
    st.integers(1, 1200),
    st.integers(1, 1200),
    st.sampled_from(ROOMS + FLOORS),
    st.sampled_from(ROOMS + FLOORS),
)
def test_different_rooms_and_floors_stay_different(address, building, one, other, form, form2):
    """The room word goes, never the number: 101号室 and 102号室 (or 1011), 2階 and 12階."""
    if one != other:
        assert japanese.normal_address(address + building + form.format(one)) != (
            japanese.normal_address(address + building + form2.format(other))
        )
    # A floor and a room are two numbers, never one: 2階01号室 is not 201号室.
    base = address + building
    assert japanese.normal_address(f"{base}{one}階{other}号室") != japanese.normal_address(
        f"{base}{one}{other}号室"
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("東京都港区芝公園1-2-3-101", "東京都港区芝公園1-2-3 101号室"),
        ("東京都港区芝公園1-2-3 コーポ芝101", "東京都港区芝公園1-2-3 コーポ芝101号室"),
        ("東京都港区芝公園1-2-3 2階", "東京都港区芝公園1-2-3-2F"),
        ("東京都港区芝公園1-2-3 二階", "東京都港区芝公園1-2-3 2F"),
        ("東京都港区芝公園1-2-3 コーポ芝百一号室", "東京都港区芝公園1-2-3 コーポ芝101"),
        ("東京都港区芝公園1丁目2番3号101号室", "東京都港区芝公園1-2-3-101"),
        ("東京都港区芝公園1-2-3 Aビル2階201号室", "東京都港区芝公園1-2-3 aビル 2F-201"),
        ("東京都港区芝公園1-2-3 こーぽ芝", "東京都港区芝公園1-2-3 コーポ芝"),
        ("東京都港区芝公園ー1-2-3", "東京都港区芝公園1-2-3"),
        ("東京都港区芝公園1-2-3 ハイツー101", "東京都港区芝公園1-2-3 ハイツ-101"),
        ("東京都港区芝公園1-2-3 Aビル地下1階", "東京都港区芝公園1-2-3 AビルB1F"),
        ("東京都港区芝公園1-2-3 Aビル 地下一階", "東京都港区芝公園1-2-3 Aビル B1階"),
        ("東京都港区芝公園1-2-3 Aビル地下 1F", "東京都港区芝公園1-2-3 AビルＢ１"),
        ("東京都港区芝公園1-2-3 Aビル地下2階201号室", "東京都港区芝公園1-2-3 AビルB2F-201"),
    ],
)
def test_the_reviews_rooms_floors_and_kana_are_one_address(one, other):
    assert japanese.normal_address(one) == japanese.normal_address(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("東京都港区芝公園1-2-3 Aビル地下1階", "東京都港区芝公園1-2-3 Aビル1階"),
        ("東京都港区芝公園1-2-3 Aビル地下1階", "東京都港区芝公園1-2-3 Aビル地下2階"),
        ("東京都港区芝公園1-2-3 AビルB1F", "東京都港区芝公園1-2-3 Aビル1F"),
        ("東京都港区地下1-2-3", "東京都港区1-2-3"),
    ],
)
def test_a_basement_floor_is_not_the_floor_above_ground(one, other):
    assert japanese.normal_address(one) != japanese.normal_address(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("佐藤 マリ", "佐藤 マリー"),
        ("佐藤 ユキ", "佐藤 ユーキ"),
        ("佐藤 ユウキ", "佐藤 ユーキ"),
        ("佐藤 エリ", "佐藤 えりー"),
        ("佐藤 ユコ", "佐藤 ユーコ"),
    ],
)
def test_names_that_differ_by_a_long_sound_mark_stay_different(one, other):
    assert japanese.normal_name(one) != japanese.normal_name(other)
    assert japanese.normal_name("やまだ はなこ") == japanese.normal_name("ヤマダ ハナコ")
    assert japanese.normal_name("佐藤 まりー") == japanese.normal_name("佐藤 マリー")
