"""The JSON API under /api/v1, for integrators: `install_api(app)` adds it to the web app."""

from __future__ import annotations

from fastapi import FastAPI

from smsaddon.api.billing import routes as billing_routes
from smsaddon.api.compliance import routes as compliance_routes
from smsaddon.api.docs import serve_docs
from smsaddon.api.sending import routes as sending_routes

DESCRIPTION = """\
The SMS add-on over JSON: the account and its credits, the catalog, Review Purchase (a quote)
and confirm, invoices, the supported countries and what a message costs.

**Authentication.** Every request needs a personal API token: `Authorization: Bearer sms_...`.
A token acts as its user, with exactly their permissions. Without a valid token: 401.

**Purchases.** `POST /api/v1/quotes` stores a quote of exactly what changes and what is due;
`POST /api/v1/quotes/{id}/confirm` charges exactly that. Only the Primary Admin and users with
the billing permission may do either (403 otherwise).

**Retries.** Send an `Idempotency-Key` with every POST that changes something: a retry with
the same key and request answers the first response again and changes nothing more.

**Errors** are RFC 9457 problem details (`application/problem+json`) with a stable `code`.

**Rate limits** apply per token: past them, 429 with `Retry-After`.

**Money** is integer minor units (cents) beside its `currency`; times are UTC.
"""


def install_api(app: FastAPI) -> None:
    """Mount the API on `app`, with its self-hosted docs. Its errors are problem details
    (`http.problems.install_error_handlers`)."""
    for routes in (billing_routes, compliance_routes, sending_routes):  # one per area
        app.include_router(routes.router)
    app.description = app.description or DESCRIPTION
    serve_docs(app)


__all__ = ["install_api"]
