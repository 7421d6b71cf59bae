"""Every table, imported so that `Base.metadata` is complete (Alembic and tests use this)."""

from smsaddon.accounts import models as accounts_models
from smsaddon.billing import models as billing_models
from smsaddon.credits import models as credits_models
from smsaddon.db import Base

__all__ = ["Base", "accounts_models", "billing_models", "credits_models"]
