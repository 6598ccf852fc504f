"""Test data builders: one call makes a valid object, keyword arguments change what matters."""

from __future__ import annotations

import itertools

from campaign.auth import credentials
from campaign.auth.models import Role, User
from campaign.org.models import Branch

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


class Factory:
    """Builds objects in the test's session and commits them, so requests see them."""

    def __init__(self, app, session) -> None:
        self.app, self.session = app, session

    def branch(self, *, code: str | None = None, name: str | None = None, prefecture="13"):
        """A branch under a prefecture (Tokyo by default)."""
        n = next(_counter)
        branch = Branch(
            code=code or f"branch-{n}",
            name=name or f"第{n}支部",
            prefecture_code=prefecture,
            contact="内線 1234",
        )
        self.session.add(branch)
        self.session.commit()
        return branch

    def user(
        self,
        *,
        role: Role = Role.OFFICER,
        branch: Branch | None = None,
        email: str | None = None,
        password: str = PASSWORD,
        active: bool = True,
    ) -> User:
        """An enrolled staff member; officers get a new branch unless one is given."""
        n = next(_counter)
        if role == Role.OFFICER and branch is None:
            branch = self.branch()
        user = User(
            email=email or f"user{n}@example.org",
            display_name=f"職員 {n}",
            role=role,
            branch_id=branch.id if branch else None,
            password_hash=self._hash(password),
            totp_secret=credentials.new_totp_secret(),
            active=active,
        )
        self.session.add(user)
        self.session.commit()
        return user

    def _hash(self, password: str) -> str:
        with self.app.app_context():
            return credentials.hash_password(password)
