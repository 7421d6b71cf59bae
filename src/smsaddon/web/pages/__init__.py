"""The HTML pages. Every unsafe request to them needs the session's CSRF token."""

from fastapi import APIRouter, Depends

from smsaddon.web.pages import (
    account,
    audit,
    billing,
    compose,
    contacts,
    countries,
    getting_started,
    home,
    messages,
    registration,
    settings,
    signin,
)
from smsaddon.web.security import require_csrf

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)
router.include_router(signin.router)
router.include_router(home.router)
router.include_router(billing.router)
router.include_router(countries.router)
router.include_router(getting_started.router)
router.include_router(registration.router)
router.include_router(audit.router)
router.include_router(contacts.router)
router.include_router(compose.router)
router.include_router(messages.router)
router.include_router(settings.router)
router.include_router(account.router)

__all__ = ["router"]
