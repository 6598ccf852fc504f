"""The page text that search snippets and descriptions are cut from reads as Japanese does."""

from __future__ import annotations

from campaign.pages.markup import plain_text


def test_blocks_join_as_japanese_and_latin_text_each_expect():
    """Review R2-10: no ASCII space after 「。」 or next to Japanese; a heading and its text are
    parted by an ideographic space; Latin words by one space."""
    text = "確認しました。\n\n## いまの保有状況\n\n総務省の資料です。\n\nEnglish text.\n\nMore."
    assert (
        plain_text(text)
        == "確認しました。いまの保有状況\u3000総務省の資料です。English text. More."
    )
