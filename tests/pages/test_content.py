"""The shipped content: each page complete in both languages, and written in our own words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from campaign.pages import markup, services


def _shared() -> Path:
    """../shared beside the checkout (the main checkout and every worktree under /work)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "DOMAIN.md").is_file():
            return parent / "shared"
    return Path("/nonexistent/shared")


SHARED = _shared()


@pytest.mark.parametrize("entry", services.shipped_pages(), ids=lambda e: e["slug"])
def test_each_page_has_the_same_sections_in_both_languages(entry):
    ja = markup.render(entry["body_ja"]).headings
    en = markup.render(entry["body_en"]).headings
    assert len(ja) == len(en), entry["slug"]
    for name in ("title", "description"):
        assert entry[f"{name}_ja"] and entry[f"{name}_en"]
    assert len(entry["description_ja"]) <= 300 and len(entry["description_en"]) <= 300


def test_the_qa_has_at_least_twelve_questions():
    qa = next(e for e in services.shipped_pages() if e["slug"] == "qa")
    assert len(markup.render(qa["body_ja"]).headings) >= 12


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (the source documents) is not here")
def test_no_sentence_is_copied_from_the_source_documents():
    def squeeze(text: str) -> str:
        # A web address is where a source lives, not a sentence: addresses are left out.
        text = re.sub(r"https?://\S+", " ", text)
        return re.sub(r"\s+", "", text).translate(str.maketrans("（）：", "():"))

    sources = [SHARED / "DOMAIN.md", *sorted((SHARED / "seeds").glob("*.txt"))]
    source = squeeze("".join(p.read_text(encoding="utf-8") for p in sources))
    for entry in services.shipped_pages():
        for lang, window in (("ja", 18), ("en", 40)):
            text = squeeze(
                "\n".join(entry[f"{field}_{lang}"] for field in ("title", "description", "body"))
            )
            copied = {
                text[i : i + window]
                for i in range(len(text) - window)
                if text[i : i + window] in source
            }
            assert not copied, (entry["slug"], lang, sorted(copied)[:3])


def test_no_markdown_emphasis_is_left_unrendered():
    """CommonMark does not close ** after punctuation when a Japanese letter follows
    (「の**9.0%**でした」): such text would show its asterisks. None of the shipped pages may."""
    from pathlib import Path

    from campaign.pages import markup

    for path in sorted(Path("campaign/pages/content").glob("*.md")):
        html = markup.render(path.read_text(encoding="utf-8")).html
        assert "**" not in html, path.name
