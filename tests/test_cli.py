"""The operator's commands: init, users create, demo, demo code."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import func, select

from campaign.auth.models import Role, User
from campaign.org.models import Prefecture


def test_init_is_repeatable(runner, session):
    for _ in range(2):
        result = runner.invoke(args=["init"])
        assert result.exit_code == 0, result.output
        assert "47 prefectures" in result.output
    assert session.scalar(select(func.count()).select_from(Prefecture)) == 47


def test_users_create_reads_the_password_from_stdin(runner, session, auth):
    result = runner.invoke(
        args=["users", "create", "--email", "Chair@Example.org", "--role", "admin"],
        input="the first admin's long password\n",
    )
    assert result.exit_code == 0, result.output
    uri = re.search(r"otpauth://\S+", result.output).group(0)
    assert "the first admin's long password" not in result.output
    user = session.scalar(select(User).where(User.email == "chair@example.org"))
    assert user.role == Role.ADMIN
    secret = pyotp.parse_uri(uri).secret
    login = auth.login_with("chair@example.org", "the first admin's long password", secret)
    assert login.status_code == 302


def test_users_create_refuses_a_short_password(runner, session):
    result = runner.invoke(
        args=["users", "create", "--email", "a@example.org", "--role", "hq"], input="short\n"
    )
    assert result.exit_code != 0
    assert session.scalar(select(User)) is None


def test_an_officer_needs_a_known_branch(runner, make):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.org",
            "--role",
            "officer",
            "--branch",
            "nowhere",
        ],
        input="a long enough password\n",
    )
    assert result.exit_code != 0
    assert "no branch with code nowhere" in result.output


def test_demo_prints_working_logins_every_run(runner, session, client, clock):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(User)) == 4
    block = result.output.split("officer.shiga@demo.naishin.invalid")[1]
    password = re.search(r"password:\s+(\S+)", block).group(1)
    code = runner.invoke(args=["demo", "code", "officer.shiga@demo.naishin.invalid"])
    assert re.fullmatch(r"\d{6}\n", code.output)
    from tests.helpers import csrf_token

    login = client.post(
        "/login",
        data={
            "email": "officer.shiga@demo.naishin.invalid",
            "password": password,
            "code": code.output.strip(),
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert login.status_code == 302
    assert "大津市職員支部" in client.get("/").get_data(as_text=True)


def test_demo_code_is_for_demo_accounts_only(runner, make):
    user = make.user()
    result = runner.invoke(args=["demo", "code", user.email])
    assert result.exit_code != 0
