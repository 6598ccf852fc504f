"""Form fields as a screen reader and a Japanese reader meet them: messages that name the field,
no attribute that says "None", every error tied to its field."""

from __future__ import annotations

import re

import pytest

from campaign.auth.models import Role
from tests.helpers import csrf_token
from tests.screens.pagetext import markup_problems


@pytest.fixture
def ja(client):
    """The test client, asking for Japanese."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    return client


def test_an_untouched_field_is_not_announced_as_invalid(ja):
    html = ja.get("/login").get_data(as_text=True)
    assert 'aria-invalid="None"' not in html and 'aria-describedby="None"' not in html
    assert "aria-invalid" not in html
    assert not markup_problems(html)


def test_an_empty_login_names_each_field_in_japanese(ja):
    response = ja.post("/login", data={"csrf_token": csrf_token(ja, "/login")})
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 401)
    for sentence in (
        "メールアドレスを入力してください。",
        "パスワードを入力してください。",
        "認証コードまたはリカバリーコードを入力してください。",
    ):
        assert sentence in html
    assert "このフィールドは必須です" not in html
    # Each invalid field says so, and points at its own message.
    email = re.search(r"<input[^>]*name=\"email\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in email
    described = re.search(r'aria-describedby="([^"]+)"', email).group(1)
    assert f'id="{described}"' in html
    assert not markup_problems(html)


def test_numbers_and_lengths_are_told_in_words_with_the_field(ja, auth, make):
    branch = make.branch()
    auth.login(make.user(role=Role.OFFICER, branch=branch))
    token = csrf_token(ja, "/cases/new")
    response = ja.post(
        "/cases/new",
        data={
            "csrf_token": token,
            "title": "あ" * 201,
            "occurred_on": "2019-13-45",
            "staff_affected": "20000000",
            "save_draft": "1",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "件名は200文字以内で入力してください。" in html
    assert "日付（期間の場合は初日）には正しい日付を入力してください。" in html
    assert "対象となった職員の数には0から10,000,000までの数を入力してください。" in html
    assert "でなければ" not in html and "フィールド" not in html
    response = ja.post(
        "/cases/new", data={"csrf_token": token, "staff_affected": "多数", "save_draft": "1"}
    )
    assert "対象となった職員の数には整数を数字で入力してください。" in response.get_data(
        as_text=True
    )


def test_a_password_too_short_says_how_long_it_must_be(app, ja):
    from campaign.auth.forms import SetupForm

    with app.test_request_context(
        "/",
        method="POST",
        data={"password": "short", "confirm": "short", "code": "123456"},
        headers={"Accept-Language": "ja"},
    ):
        form = SetupForm(meta={"csrf": False})
        assert not form.validate()
        assert form.password.errors == [
            "新しいパスワードは12文字以上128文字以内で入力してください。"
        ]


def test_english_messages_name_the_field_too(client):
    response = client.post("/login", data={"csrf_token": csrf_token(client, "/login")})
    assert "Enter Email address." in response.get_data(as_text=True)
