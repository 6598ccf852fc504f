"""Demo data so that a newcomer can log in and look around: ``flask --app wsgi demo``.

Running it again keeps the data and prints fresh passwords and recovery codes, because only
their hashes are stored. Demo accounts live under the reserved ``.invalid`` domain. It refuses
a database that holds anything else (an account outside that domain, a branch of its own):
demo logins with known passwords have no place on a real instance. Every account it makes or
gives new credentials is written to the audit log.
"""

from __future__ import annotations

import secrets

import click
import pyotp
from flask.cli import with_appcontext
from sqlalchemy import func, select

from campaign import clock, db
from campaign.accounts import services as accounts
from campaign.audit import services as audit
from campaign.auth import credentials
from campaign.auth.models import Role, User
from campaign.auth.services import replace_recovery_codes
from campaign.org import services as org
from campaign.org.models import Branch

DOMAIN = "demo.naishin.invalid"
BRANCHES = [
    ("tokyo-minato", "港区職員支部", "13", "港区役所本庁舎地下1階・組合事務室（内線1234）"),
    ("shiga-otsu", "大津市職員支部", "25", "大津市役所別館2階・組合事務室（内線210）"),
    ("chiba-kyosai", "千葉県職員支部", "12", "千葉県庁中庁舎1階（内線3301）"),
    ("kochi-city", "高知市職員支部", "39", "高知市役所5階・組合事務室（内線550）"),
]
ACCOUNTS = [
    ("admin", "管理者デモ", Role.ADMIN, None),
    ("hq", "本部太郎", Role.HQ, None),
    ("officer.tokyo", "港区花子", Role.OFFICER, "tokyo-minato"),
    ("officer.shiga", "大津一郎", Role.OFFICER, "shiga-otsu"),
]


def _password() -> str:
    return "-".join(secrets.token_hex(3) for _ in range(4))  # 27 characters, easy to type


class NotADemoDatabase(Exception):
    """The database holds accounts or branches that the demo did not make."""


def foreign_records(session) -> tuple[int, int]:
    """How many accounts and branches the demo did not make: ``(accounts, branches)``."""
    accounts_ = session.scalar(
        select(func.count()).select_from(User).where(User.email.not_like(f"%@{DOMAIN}"))
    )
    branches = session.scalar(
        select(func.count())
        .select_from(Branch)
        .where(Branch.code.not_in([code for code, *_ in BRANCHES]))
    )
    return accounts_, branches


def load(session) -> list[tuple[User, str, list[str]]]:
    """Create (or refresh) the demo branches and accounts; return their fresh credentials.

    Raises ``NotADemoDatabase`` (and changes nothing) if the database holds accounts or
    branches of its own.
    """
    if any(foreign_records(session)):
        raise NotADemoDatabase
    org.load_prefectures(session)
    branches = {}
    for code, name, prefecture, contact in BRANCHES:
        branch = session.scalar(select(Branch).where(Branch.code == code))
        if branch is None:
            branch = org.create_branch(
                session, code=code, name=name, prefecture_code=prefecture, contact=contact
            )
        branches[code] = branch
    logins = []
    for local, name, role, branch_code in ACCOUNTS:
        email = f"{local}@{DOMAIN}"
        user = session.scalar(select(User).where(User.email == email))
        password = _password()
        if user is None:
            user, _secret, codes = accounts.create_account(
                session,
                email=email,
                role=role,
                branch=branches[branch_code] if branch_code else None,
                name=name,
                password=password,
                audit_action="account.created_by_demo",
            )
        else:
            user.password_hash = credentials.hash_password(password)
            session.flush()
            codes = replace_recovery_codes(session, user)
            audit.record(
                session,
                "account.renewed_by_demo",
                object_kind="user",
                object_id=user.id,
                branch_id=user.branch_id,
            )
        logins.append((user, password, codes))
    return logins


@click.group("demo", invoke_without_command=True)
@click.pass_context
@with_appcontext
def demo_cli(ctx: click.Context) -> None:
    """Load demo data and print the demo logins."""
    if ctx.invoked_subcommand is not None:
        return
    session = db.session()
    try:
        logins = load(session)
    except NotADemoDatabase:
        accounts_, branches = foreign_records(session)
        raise click.ClickException(
            f"this database holds {accounts_} account(s) and {branches} branch(es) that are not "
            "demo data, so no demo logins were made. The demo is for a fresh instance (after "
            "`flask --app wsgi init`) or one it made itself; never run it on a real one."
        ) from None
    session.commit()
    click.echo("Demo data ready. Logins (passwords are new on every run):")
    for user, password, codes in logins:
        click.echo("")
        click.echo(f"  {user.email}  [{user.role.value}]")
        click.echo(f"    password:       {password}")
        click.echo(
            f"    authenticator:  {credentials.provisioning_uri(user.totp_secret, user.email)}"
        )
        click.echo(f"    recovery codes: {', '.join(codes[:3])} (and {len(codes) - 3} more)")
    click.echo("")
    click.echo("The current authenticator code of a demo account, for a quick look around:")
    click.echo(f"  .venv/bin/flask --app wsgi demo code admin@{DOMAIN}")


@demo_cli.command("code")
@click.argument("email")
@with_appcontext
def code_command(email: str) -> None:
    """Print the current TOTP code of a demo account (demo accounts only)."""
    if not email.endswith("@" + DOMAIN):
        raise click.BadParameter("only demo accounts", param_hint="EMAIL")
    user = db.session().scalar(select(User).where(User.email == email.lower()))
    if user is None or user.totp_secret is None:
        raise click.BadParameter("no such demo account", param_hint="EMAIL")
    click.echo(pyotp.TOTP(user.totp_secret).at(clock.now()))
