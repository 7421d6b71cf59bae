"""The FastAPI application factory: the HTML pages, their static assets, and the JSON API."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from smsaddon import billing
from smsaddon.api import install_api
from smsaddon.catalog import load_catalog
from smsaddon.config import Settings, load_settings
from smsaddon.db import make_engine, session_factory
from smsaddon.web import pages
from smsaddon.web.origin import AuditOrigin
from smsaddon.web.rendering import render
from smsaddon.web.security import (
    SESSION_COOKIE,
    CsrfRejected,
    NotSignedIn,
    is_fetch,
)

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(title="smsaddon", version="0.1.0")
    app.state.settings = settings
    app.state.catalog = load_catalog(settings.catalog_path)
    app.state.engine = make_engine(settings.database_url)
    app.state.sessions = session_factory(app.state.engine)
    app.state.payments = billing.payment_provider(settings)

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_hours * 60 * 60,  # the server ends the session then too
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(AuditOrigin)  # the audit log's "from where": the client's address
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        return {"status": "ok", "catalog_version": app.state.catalog.version}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    install_api(app)  # the JSON API under /api/v1, its error format and /docs
    return app


async def _not_signed_in(request: Request, _exc: Exception) -> Response:
    if is_fetch(request) or request.method != "GET":
        context = {
            "title": "Please sign in again",
            "message": "Your session has ended. Sign in again, then repeat this step.",
            "sign_in": True,
        }
        return render(request, "_modal_error.html", context, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if target == "/":
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse(f"/signin?next={quote(target, safe='/')}", status_code=303)


async def _csrf_rejected(request: Request, _exc: Exception) -> Response:
    title = "This form has expired"
    message = (
        "For your security, this request was refused because it did not come with this "
        "page's security token. Nothing was changed. Reload the page and try again."
    )
    context = {"title": title, "message": message}
    template = "_modal_error.html" if is_fetch(request) else "error.html"
    return render(request, template, context, status_code=403)
