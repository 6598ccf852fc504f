"""Every model, imported in one place so that Alembic and the tests see the whole schema.

The platform names no feature's tables: each feature package's ``models`` module registers its
tables on ``Base.metadata`` when ``campaign/features.py`` imports it.
"""

from campaign import features
from campaign.db import Base

for _module in features.modules("models"):
    pass

__all__ = ["Base"]
