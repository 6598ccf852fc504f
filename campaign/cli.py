"""Commands for operators: ``flask --app wsgi init | users create | demo | audit verify``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from campaign import db, migrate, registry
from campaign.audit import services as audit
from campaign.auth import credentials
from campaign.auth.models import Role, User
from campaign.org.models import Branch

users_cli = AppGroup("users", help="Manage staff accounts.")
audit_cli = AppGroup("audit", help="Check the audit log.")


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Apply the database migrations, then load each feature's reference data (the seeders of
    ``campaign.registry``: prefectures, the shipped information pages...)."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    session = db.session()
    lines = registry.run_seeders(session)
    session.commit()
    for line in lines:
        click.echo(line)
    from campaign import staticfiles

    source = Path(current_app.static_folder)
    count = staticfiles.build(source, Path(current_app.instance_path) / staticfiles.BUILD)
    click.echo(f"{count} static files precompressed (Brotli, gzip); restart to serve them.")


def make_account(
    session, *, email: str, role: Role, branch: Branch | None, name: str, password: str
) -> tuple[User, str, list[str]]:
    """Create an enrolled account directly; return it, its TOTP secret and recovery codes."""
    from campaign.auth.services import normalise_email, replace_recovery_codes

    secret = credentials.new_totp_secret()
    user = User(
        email=normalise_email(email),
        display_name=name,
        role=role,
        branch_id=branch.id if branch else None,
        password_hash=credentials.hash_password(password),
        totp_secret=secret,
    )
    session.add(user)
    session.flush()
    codes = replace_recovery_codes(session, user)
    audit.record(
        session,
        "account.created_by_command",
        object_kind="user",
        object_id=user.id,
        branch_id=user.branch_id,
    )
    return user, secret, codes


@users_cli.command("create")
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
    if not credentials.PASSWORD_MIN <= len(password) <= credentials.PASSWORD_MAX:
        raise click.UsageError(
            f"the password must have {credentials.PASSWORD_MIN} to "
            f"{credentials.PASSWORD_MAX} characters"
        )
    user, secret, codes = make_account(
        session, email=email, role=role_, branch=branch, name=name or email, password=password
    )
    session.commit()
    click.echo(f"Created {user.email} ({role_.value}).")
    click.echo("Add this to an authenticator app:")
    click.echo(credentials.provisioning_uri(secret, user.email))
    click.echo("Recovery codes (each works once; keep them somewhere safe):")
    for code in codes:
        click.echo(f"  {code}")


@audit_cli.command("verify")
@click.option(
    "--anchor",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file outside the database holding the last verified head; checked, then updated.",
)
def verify_audit(anchor: Path | None) -> None:
    """Check the hash chain; exit 1 if any entry was changed or removed."""
    session = db.session()
    count, head, breaks = audit.verify(session)
    if anchor is not None and anchor.exists():
        seq, digest = anchor.read_text().split()
        problem = audit.check_anchor(session, int(seq), digest)
        breaks += [problem] if problem else []
    for problem in breaks:
        click.echo(f"entry {problem.seq}: {problem.problem}", err=True)
    if breaks:
        click.echo(f"Audit log BROKEN: {len(breaks)} problem(s) in {count} entries.", err=True)
        sys.exit(1)
    if anchor is not None and count:
        anchor.write_text(f"{count} {head}\n")
    click.echo(f"Audit log intact: {count} entries, head {head}.")


def init_app(app: Flask) -> None:
    """Register the commands."""
    from campaign.demo import demo_cli
    from campaign.translate import translations_cli

    app.cli.add_command(init_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(translations_cli)
