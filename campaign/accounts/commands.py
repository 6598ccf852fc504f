"""``flask --app wsgi users create``: how the first admin is made (and any account by hand)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from campaign import db, registry
from campaign.accounts import services
from campaign.accounts.demo import demo_cli
from campaign.auth import credentials, passwords
from campaign.auth.models import Role, User
from campaign.org.models import Branch

cli = AppGroup("users", help="Manage staff accounts.")
registry.add_command(demo_cli)


@cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--branch", "branch_code", default=None, help="Branch code (officers only).")
@click.option("--name", default=None, help="Display name (defaults to the email address).")
def create_user(email: str, role: str, branch_code: str | None, name: str | None) -> None:
    """Create an account; the password is read from standard input."""
    session = db.session()
    role_ = Role(role)
    branch = None
    if branch_code:
        branch = session.scalar(select(Branch).where(Branch.code == branch_code))
        if branch is None:
            raise click.BadParameter(f"no branch with code {branch_code}", param_hint="--branch")
    if (role_ == Role.OFFICER) != (branch is not None):
        raise click.BadParameter("officers need --branch; other roles take none")
    if session.scalar(select(User.id).where(User.email == email.strip().lower())):
        raise click.BadParameter("an account with this email exists", param_hint="--email")
    password = sys.stdin.readline().rstrip("\n")
    problems = passwords.problems(password, email=email, name=name or email)
    if problems:
        with force_locale("en"):  # the commands speak English
            raise click.UsageError(" ".join(str(problem) for problem in problems))
    user, secret, codes = services.create_account(
        session, email=email, role=role_, branch=branch, name=name or email, password=password
    )
    session.commit()
    click.echo(f"Created {user.email} ({role_.value}).")
    click.echo("Add this to an authenticator app:")
    click.echo(credentials.provisioning_uri(secret, user.email))
    click.echo("Recovery codes (each works once; keep them somewhere safe):")
    for code in codes:
        click.echo(f"  {code}")
