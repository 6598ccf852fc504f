"""campaign.registry: a feature package that no core file names shows up everywhere.

The fixture writes a small feature package into a temporary folder (outside the source tree)
and names it in the app's ``EXTRA_FEATURES`` setting, the only thing a deployment would do for
a plug-in. Nothing in ``campaign/`` is edited.
"""

from __future__ import annotations

import textwrap

import pytest

from campaign import create_app, registry
from campaign.auth.models import Role
from campaign.config import ARGON2_TESTING
from campaign.extensions import limiter
from tests.helpers import EnglishClient

PACKAGE = "naishin_fixture_feature"

VIEWS = """
from flask import Blueprint
from campaign import registry
from campaign.access import public

bp = Blueprint("fixture", __name__, url_prefix="/fixture", template_folder="templates")
registry.add_menu("Fixture menu", "fixture.index", order=55)
registry.add_home_card(
    "Fixture card", "fixture.index", order=55, description="Fixture description",
    roles=("hq", "admin"),
)
registry.add_menu("Fixture officers", "fixture.officers", order=56, roles=("officer",))
registry.add_seeder("fixture-seed", lambda session: "Fixture seeded.", order=99)
registry.add_template_global("fixture_greeting", "Hello from the fixture")
registry.add_front_block("fixture-block", "fixture/_front.html", context=lambda: {"n": 3})
registry.add_front_block("fixture-empty", "fixture/_front.html", context=lambda: None)
registry.add_link_provider(
    registry.CASE_DETAIL_LINKS,
    lambda case, user: [registry.Link(f"Request citing case {case.id}", "/fixture/")],
)


@bp.get("/")
def index():
    return "fixture index"


@bp.get("/officers")
def officers():
    return "fixture officers"


@bp.get("/front")
@public
def front():
    from flask import render_template_string
    return render_template_string(
        "{% for b in front_blocks() %}{{ b }}{% endfor %}|{{ fixture_greeting }}"
    )
"""

COMMANDS = """
import click
from flask.cli import AppGroup

cli = AppGroup("fixture", help="The fixture feature.")


@cli.command("hello")
def hello():
    click.echo("fixture says hello")
"""


@pytest.fixture
def fixture_feature(tmp_path_factory, monkeypatch):
    """A feature package on sys.path that only the app's settings name."""
    root = tmp_path_factory.getbasetemp() / "fixture-features"
    package = root / PACKAGE
    if not package.exists():
        (package / "templates" / "fixture").mkdir(parents=True)
        (package / "__init__.py").write_text('"""A feature added by a test."""\n')
        (package / "views.py").write_text(textwrap.dedent(VIEWS))
        (package / "commands.py").write_text(textwrap.dedent(COMMANDS))
        (package / "templates" / "fixture" / "_front.html").write_text(
            "<section>{{ n }} open fixtures</section>"
        )
    monkeypatch.syspath_prepend(str(root))
    return PACKAGE


@pytest.fixture
def plugin_app(database_url, tmp_path, monkeypatch, clock, fixture_feature):
    """The app, as in conftest's ``app``, with the fixture feature loaded."""
    monkeypatch.setenv("NAISHIN_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("NAISHIN_SECRET_KEY", raising=False)
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "ARGON2": dict(ARGON2_TESTING),
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": "naishin.test",
            "EXTRA_FEATURES": (fixture_feature,),
        }
    )
    application.test_client_class = EnglishClient
    limiter.reset()
    yield application
    application.extensions["naishin.engine"].dispose()


def _login(app, make, clock, role, **kwargs):
    from tests.helpers import Auth

    client = app.test_client()
    user = make.user(role=role, **kwargs)
    assert Auth(client, clock).login(user).status_code == 302
    return client, user


@pytest.fixture
def plugin_make(plugin_app, session):
    from tests.factories import Factory

    return Factory(plugin_app, session)


def test_menu_and_home_page(plugin_app, plugin_make, clock):
    client, _ = _login(plugin_app, plugin_make, clock, Role.HQ)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/fixture/"' in home
    assert "Fixture menu" in home  # the menu
    assert "Fixture card" in home and "Fixture description" in home  # its home card
    assert "Fixture officers" not in home  # for officers only
    assert client.get("/fixture/").get_data(as_text=True) == "fixture index"


def test_a_menu_entry_without_a_card_becomes_one_for_its_roles(plugin_app, plugin_make, clock):
    client, _ = _login(plugin_app, plugin_make, clock, Role.OFFICER)
    home = client.get("/").get_data(as_text=True)
    assert "Fixture card" not in home  # headquarters' card
    assert '<h2><a href="/fixture/officers">Fixture officers</a></h2>' in home


def test_init_runs_the_seeder_and_the_cli_has_the_command(plugin_app):
    runner = plugin_app.test_cli_runner()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Fixture seeded." in result.output
    assert "47 prefectures" in result.output
    result = runner.invoke(args=["fixture", "hello"])
    assert result.exit_code == 0, result.output
    assert result.output == "fixture says hello\n"


def test_front_blocks_template_globals_and_link_slots(plugin_app):
    body = plugin_app.test_client().get("/fixture/front").get_data(as_text=True)
    assert body == "<section>3 open fixtures</section>|Hello from the fixture"
    with plugin_app.test_request_context():

        class Case:
            id = 7

        links = registry.links(registry.CASE_DETAIL_LINKS, Case(), user=None)
    assert [link.label for link in links] == ["Request citing case 7"]


def test_another_app_does_not_see_the_fixture(plugin_app, app, make, auth):
    """The registrations stay in the process, but only the app that loaded the feature uses
    them (the ordinary app of the other tests has no such blueprint)."""
    user = make.user(role=Role.HQ)
    auth.login(user)
    home = auth.client.get("/").get_data(as_text=True)
    assert "Fixture" not in home
    runner = app.test_cli_runner()
    assert "Fixture seeded." not in runner.invoke(args=["init"]).output
    with app.app_context():
        assert "fixture_greeting" not in registry.template_globals()


def test_the_home_page_offers_every_feature_a_role_can_use(app, make, clock):
    expectations = {
        Role.OFFICER: [
            "/branches/",
            "/cases/",
            "/cases/dashboard",
            "/surveys/",
            "/info/",
            "/account",
        ],
        Role.HQ: [
            "/branches/",
            "/cases/",
            "/cases/dashboard",
            "/surveys/",
            "/info/",
            "/info/admin/",
            "/accounts/",
            "/audit/",
            "/account",
        ],
    }
    for role, hrefs in expectations.items():
        client, _ = _login(app, make, clock, role)
        home = client.get("/").get_data(as_text=True)
        cards = home.split('<ul class="cards">', 1)[1]
        for href in hrefs:
            assert f'<h2><a href="{href}">' in cards, (role, href)
        if role == Role.OFFICER:
            assert '<a href="/accounts/">' not in cards
            assert '<a href="/audit/">' not in cards
