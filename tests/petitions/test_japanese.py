"""Names and addresses as Japanese signers write them: what is refused, what counts as one."""

from __future__ import annotations

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
