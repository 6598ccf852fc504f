"""The public front page: a visitor lands on a page made for them, not on the staff login."""

from __future__ import annotations

import re

from jinja2 import ChoiceLoader, DictLoader

from campaign import registry
from campaign.auth.models import Role


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"#?]+)', html))


def test_a_visitor_lands_on_the_front_page(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "マイナンバーカードを取得するかどうかは、あなた自身が決めることです。" in html
    assert "あなたの権利（要点）" in html
    links = _links(html)
    for path in (
        "/info/rights",
        "/info/qa",
        "/info/pressed",
        "/info/figures",
        "/info/",
        "/info/search",
        "/info/rights/flyer",
        "/login",
    ):
        assert path in links or f'action="{path}"' in html, path
    # The logo leads here too, and the staff login is a small link in the footer, not the menu.
    assert re.search(r'<a class="brand" href="/"', html)
    footer = html.split('<footer class="site-footer">')[1]
    assert 'href="/login"' in footer
    assert 'href="/login"' not in html.split('<footer class="site-footer">')[0]


def test_every_link_of_the_front_page_answers(client):
    client.get("/")  # the language cookie is not needed: links work in either language
    html = client.get("/").get_data(as_text=True)
    for path in _links(html):
        if path.startswith("/static/") or path.startswith("/lang/"):
            continue
        status = client.get(path).status_code
        assert status in (200, 404 if path.startswith("/info/") else 200), (path, status)


def test_staff_see_their_home_at_the_root_and_the_front_page_at_welcome(auth, make):
    auth.login(make.user(role=Role.HQ))
    assert "Welcome," in auth.client.get("/").get_data(as_text=True)
    front = auth.client.get("/welcome").get_data(as_text=True)
    assert "Whether to get the My Number card is your own choice." in front


def test_front_page_blocks_from_the_registry_are_shown(app, client):
    registry.add_front_block(
        "test-open-petitions",
        "main/_test_block.html",
        context=lambda: {"title": "A petition open today"},
        owner="campaign.main",
    )
    try:
        app.jinja_env.loader = ChoiceLoader(
            [
                DictLoader({"main/_test_block.html": "<section><h2>{{ title }}</h2></section>"}),
                app.jinja_env.loader,
            ]
        )
        html = client.get("/").get_data(as_text=True)
        assert "<h2>A petition open today</h2>" in html
    finally:
        registry._tables.blocks.pop("test-open-petitions", None)
