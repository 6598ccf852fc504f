"""Line breaks inside a Markdown paragraph, as a Japanese reader sees them."""

from campaign.pages.markup import render


def test_a_line_break_between_japanese_sentences_leaves_no_space():
    html = str(render("義務ではありません。\nマイナンバー法は**本人の**\n申請によります。").html)
    assert "義務ではありません。マイナンバー法は<strong>本人の</strong>申請によります。" in html


def test_a_line_break_between_english_words_stays_a_space():
    assert "two\nwords" in str(render("two\nwords").html)
