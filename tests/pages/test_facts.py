"""The dated facts of the shipped pages: none past its re-check date, each stated on its pages
with its sources cited, and every page saying when it was last checked."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from campaign import dates
from campaign.pages import facts, services

JAPAN = ZoneInfo("Asia/Tokyo")
FACTS = facts.load()
PAGES = {entry["slug"]: entry for entry in services.shipped_pages()}
# Pages that point the reader to the sources listed at the end of the Q&A, instead of giving
# the addresses themselves (the rights page is also the one-page flyer).
SOURCES_ON_QA = {"rights": "よくある質問", "pressed": "よくある質問"}
SOURCES_ON_QA_EN = {"rights": "Questions and answers", "pressed": "Questions and answers"}


def test_no_fact_is_past_its_recheck_date():
    """Fails on the day after a fact's re-check date: check its sources, fix the pages if the
    fact changed, then move the dates in campaign/pages/content/facts.toml."""
    overdue = FACTS.due(dates.local_today())
    assert not overdue, [(f.id, str(f.recheck_by), [s.title for s in f.sources]) for f in overdue]


def test_the_check_catches_a_fact_the_day_after_its_recheck_date():
    first = min(FACTS.facts, key=lambda f: f.recheck_by)
    assert first not in FACTS.due(first.recheck_by)
    assert first in FACTS.due(first.recheck_by + timedelta(days=1))


def test_the_cli_lists_due_facts_and_fails_when_one_is_overdue(runner, clock):
    result = runner.invoke(args=["pages", "facts"])
    assert result.exit_code == 0, result.output
    assert (
        f"{len(FACTS.facts)} dated facts, last checked {FACTS.checked}: 0 overdue" in result.output
    )
    # 00:30 in Japan on the day after the last re-check date: still that date in UTC, but the
    # day after in Japan, where the pages are checked (review R4-13).
    last = max(f.recheck_by for f in FACTS.facts)
    clock.current = datetime.combine(last + timedelta(days=1), time(0, 30), JAPAN).astimezone(UTC)
    assert clock.current.date() == last
    result = runner.invoke(args=["pages", "facts"])
    assert result.exit_code == 1
    assert "OVERDUE: uptake-2026-01" in result.output


@pytest.mark.parametrize("fact", FACTS.facts, ids=lambda f: f.id)
def test_a_fact_has_dates_that_make_sense(fact):
    assert fact.as_of <= FACTS.checked < fact.recheck_by
    assert fact.recheck_by <= FACTS.checked + timedelta(days=2 * 366), "re-check within 2 years"
    assert fact.pages and set(fact.pages) <= set(PAGES)
    assert fact.words_ja and fact.words_en


@pytest.mark.parametrize("fact", FACTS.facts, ids=lambda f: f.id)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_each_page_states_the_fact_and_cites_its_sources(fact, lang):
    qa = PAGES["qa"][f"body_{lang}"]
    for slug in fact.pages:
        body = PAGES[slug][f"body_{lang}"]
        for words in fact.words(lang):
            assert words in body, (fact.id, slug, lang, words)
        for source in fact.sources:
            cite = source.cite_en if lang == "en" else source.cite_ja
            assert cite in body, (fact.id, slug, lang, "cites", cite)
            if not source.url:
                continue
            if slug in SOURCES_ON_QA:
                pointer = (SOURCES_ON_QA_EN if lang == "en" else SOURCES_ON_QA)[slug]
                assert pointer in body and source.url in qa, (fact.id, slug, lang, source.url)
            else:
                assert source.url in body, (fact.id, slug, lang, source.url)


def test_every_source_is_used_and_says_how_it_was_read():
    used = {s.key for f in FACTS.facts for s in f.sources}
    assert used == set(FACTS.sources)
    for source in FACTS.sources.values():
        assert source.title and source.reached, source.key
        assert not source.url or source.url.startswith("https://"), source.key


def _checked_line(lang: str) -> str:
    d = FACTS.checked
    if lang == "en":
        return f"last checked on {d.day} {d:%B} {d.year}"
    return f"{d.year}年{d.month}月{d.day}日に確認しました"


@pytest.mark.parametrize("slug", sorted(PAGES))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_each_page_says_when_it_was_last_checked(slug, lang):
    body = PAGES[slug][f"body_{lang}"]
    assert _checked_line(lang) in body, (slug, lang)
    # Every other "checked on" date on the page is the same one.
    pattern = r"(\d+ \w+ \d{4})" if lang == "en" else r"(\d{4}年\d+月\d+日)に確認しました"
    if lang == "en":
        dates = re.findall(r"last checked on " + pattern, body)
        assert set(dates) == {f"{FACTS.checked.day} {FACTS.checked:%B} {FACTS.checked.year}"}
    else:
        assert set(re.findall(pattern, body)) == {
            f"{FACTS.checked.year}年{FACTS.checked.month}月{FACTS.checked.day}日"
        }
