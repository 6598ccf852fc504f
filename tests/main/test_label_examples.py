"""A message names its field without the example its label carries (review R3-19:
「宛先（日本語。例：総務大臣）を入力してください。」)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("label", "named"),
    [
        ("宛先（日本語。例：総務大臣）", "宛先"),
        ("Addressee (Japanese), e.g. 総務大臣", "Addressee (Japanese)"),
        ("Cases it cites (numbers, e.g. 12, 15)", "Cases it cites"),
        ("件名（任意）", "件名"),
        ("件名", "件名"),
    ],
)
def test_a_label_is_named_without_its_example(label, named):
    from types import SimpleNamespace

    from campaign.validation import label_of

    field = SimpleNamespace(label=SimpleNamespace(text=label), name="x")
    assert label_of(field) == named
