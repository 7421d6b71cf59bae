"""Every table, imported so that `Base.metadata` is complete (Alembic and tests use this)."""

from smsaddon.accounts import models as accounts_models
from smsaddon.audit import models as audit_models
from smsaddon.billing import models as billing_models
from smsaddon.compliance import models as compliance_models
from smsaddon.credits import models as credits_models
from smsaddon.db import Base
from smsaddon.sms import models as sms_models

__all__ = [
    "Base",
    "accounts_models",
    "audit_models",
    "billing_models",
    "compliance_models",
    "credits_models",
    "sms_models",
]
