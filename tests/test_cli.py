"""The operator's commands: init, users create, demo, demo code."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import Integer, func, select

from campaign.audit.models import AuditEntry
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


MAKE_RUN = [["init"], ["demo"], ["cases", "demo"], ["surveys", "demo"], ["formal", "demo"]]
MAKE_RUN += [["petitions", "demo"]]


def test_make_run_works_on_a_fresh_instance_and_again(runner, session):
    """README quick start: ``make run`` loads every demo after ``init``; a second ``make run``
    on the instance the first one made works too (review R2-21 must not break it)."""
    for _ in range(2):
        for args in MAKE_RUN:
            result = runner.invoke(args=args)
            assert result.exit_code == 0, (args, result.output)
    assert session.scalar(select(func.count()).select_from(User)) == 4


def test_demo_audits_every_account_it_makes_or_renews(runner, session):
    """Review R2-21: the demo made an admin without a trace in the audit log."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    made = session.execute(
        select(AuditEntry.object_id, User.email)
        .join(User, User.id == AuditEntry.object_id.cast(Integer))
        .where(AuditEntry.action == "account.created_by_demo")
    ).all()
    assert sorted(email for _id, email in made) == sorted(
        f"{local}@demo.naishin.invalid"
        for local in ("admin", "hq", "officer.shiga", "officer.tokyo")
    )
    assert runner.invoke(args=["demo"]).exit_code == 0
    renewed = session.scalars(
        select(AuditEntry.object_id).where(AuditEntry.action == "account.renewed_by_demo")
    ).all()
    assert sorted(renewed) == sorted(object_id for object_id, _email in made)


def test_demo_refuses_a_database_with_accounts_of_its_own(runner, make, session):
    """Review R2-21: on a real instance the demo would add an admin with a printed password."""
    make.user(role=Role.ADMIN)
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "1 account(s) and 0 branch(es) that are not demo data" in result.output
    assert "password" not in result.output
    demo_accounts = select(func.count()).select_from(User).where(User.email.like("%@demo.%"))
    assert session.scalar(demo_accounts) == 0


def test_demo_refuses_a_database_with_branches_of_its_own(runner, make, session):
    make.branch()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "0 account(s) and 1 branch(es) that are not demo data" in result.output
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_refuses_a_common_password(runner, session):
    """Review R2-9: the command applies the same password policy as the web pages."""
    result = runner.invoke(
        args=["users", "create", "--email", "chair@example.org", "--role", "admin"],
        input="password1234\n",
    )
    assert result.exit_code != 0
    assert "on the list of the most common passwords" in result.output
    assert session.scalar(select(User)) is None
