"""Home, a dashboard: this period's SMS credits, how far set-up has come, the last broadcasts
with how many were delivered, and the last replies received."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from smsaddon import billing, compliance
from smsaddon.db import transaction, utcnow
from smsaddon.errors import DomainError
from smsaddon.sms import activity
from smsaddon.web import state
from smsaddon.web.pages.getting_started import primary_admin
from smsaddon.web.rendering import render
from smsaddon.web.security import signed_in_user

router = APIRouter()
RECENT = 5  # broadcasts and replies shown; Messages has them all


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    catalog = state.catalog(request)
    with transaction(state.sessions(request)) as session:
        user = signed_in_user(request, session)
        account_id = user.account_id
        steps = compliance.getting_started(session, account_id=account_id)
        broadcasts, broadcast_total = activity.recent_broadcasts(
            session, account_id=account_id, limit=RECENT
        )
        replies, reply_total = activity.recent_replies(session, account_id=account_id, limit=RECENT)
        try:
            overview = billing.overview(
                session, account_id=account_id, catalog=catalog, now=utcnow()
            )
        except DomainError:  # no subscription: nothing to show about credits
            overview = None
        context = {
            "user": user,
            "overview": overview,
            "sms_plans": [plan.name for plan in catalog.plans if plan.sms_eligible],
            "primary_admin": primary_admin(user),
            "steps": steps,
            "steps_done": sum(step.state == "done" for step in steps),
            "next_step": compliance.next_step(steps),
            "broadcasts": broadcasts,
            "broadcast_total": broadcast_total,
            "replies": replies,
            "reply_total": reply_total,
        }
        return render(request, "home.html", context)
