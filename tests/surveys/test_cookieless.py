"""The answer page neither sets nor clears any cookie, even for a browser that carries a stale
staff session (a shared office PC), and leaves pending staff messages where they are."""

from __future__ import annotations

from tests.surveys.helpers import answer_token, plain_form


def test_a_stale_staff_session_is_left_alone_on_the_answer_page(app, client, auth, make, surveys):
    survey = surveys.opened()
    auth.login(make.user())
    auth.clock.advance(hours=13)  # the staff session has expired on the server
    page = client.get(f"/surveys/answer/{survey.id}")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    data = {**plain_form(survey), "token": answer_token(client, survey.id)}
    sent = client.post(f"/surveys/answer/{survey.id}", data=data)
    assert sent.status_code == 200
    assert "Set-Cookie" not in sent.headers
    assert "Set-Cookie" not in client.get("/static/surveys/sodium/libsodium-wrappers.js").headers


def test_a_logged_in_staff_member_is_not_recognised_there(client, auth, make, surveys):
    survey = surveys.opened()
    user = make.user()
    auth.login(user)
    page = client.get(f"/surveys/answer/{survey.id}").get_data(as_text=True)
    assert user.display_name not in page and "Log out" not in page
