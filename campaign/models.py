"""Every model, imported in one place so that Alembic and the tests see the whole schema."""

from campaign import features
from campaign.audit.models import AuditEntry
from campaign.auth.models import RecoveryCode, Role, StaffSession, User
from campaign.db import Base
from campaign.org.models import Branch, Prefecture

# Each feature's models register their tables on Base.metadata when imported.
for _module in features.modules("models"):
    pass

__all__ = [
    "AuditEntry",
    "Base",
    "Branch",
    "Prefecture",
    "RecoveryCode",
    "Role",
    "StaffSession",
    "User",
]
