"""Line breaks inside a Markdown paragraph, as a Japanese reader sees them."""

from campaign.pages.markup import render


def test_a_line_break_between_japanese_sentences_leaves_no_space():
    html = str(render("義務ではありません。\nマイナンバー法は**本人の**\n申請によります。").html)
    assert "義務ではありません。マイナンバー法は<strong>本人の</strong>申請によります。" in html


def test_a_line_break_between_english_words_stays_a_space():
    assert "two\nwords" in str(render("two\nwords").html)


def test_the_space_that_closes_emphasis_is_not_shown_between_japanese_sentences():
    html = str(render("**義務ではありません。** 番号利用法では、**本人の**申請").html)
    assert "<strong>義務ではありません。</strong>番号利用法では" in html


def test_the_space_after_emphasis_stays_in_english():
    assert "<strong>Not required.</strong> The law" in str(render("**Not required.** The law").html)
