"""Home, a dashboard: this period's SMS credits, how far set-up has come, the last broadcasts
with how many were delivered, and the last replies received."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from smsaddon import billing, compliance
from smsaddon.errors import DomainError
from smsaddon.http.unit import PageRead
from smsaddon.sms import activity
from smsaddon.web.pages.getting_started import primary_admin

router = APIRouter()
RECENT = 5  # broadcasts and replies shown; Messages has them all


@router.get("/", response_class=HTMLResponse)
def home(unit: PageRead) -> Response:
    session, account_id, catalog = unit.session, unit.user.account_id, unit.services.catalog
    try:
        overview = billing.overview(session, account_id=account_id, catalog=catalog, now=unit.now)
    except DomainError:  # no subscription: nothing to say about credits
        overview = None
    steps = compliance.getting_started(session, account_id=account_id)
    broadcasts, broadcast_total = activity.recent_broadcasts(
        session, account_id=account_id, limit=RECENT
    )
    replies, reply_total = activity.recent_replies(session, account_id=account_id, limit=RECENT)
    context = {
        "overview": overview,
        "sms_plans": [plan.name for plan in catalog.plans if plan.sms_eligible],
        "primary_admin": primary_admin(unit.user),
        "steps": steps,
        "steps_done": sum(step.state == "done" for step in steps),
        "next_step": compliance.next_step(steps),
        "broadcasts": broadcasts,
        "broadcast_total": broadcast_total,
        "replies": replies,
        "reply_total": reply_total,
    }
    return unit.render("home.html", context)
