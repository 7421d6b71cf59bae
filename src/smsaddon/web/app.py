"""The FastAPI application factory: the HTML pages, their static assets, and the JSON API."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from smsaddon.api import install_api
from smsaddon.config import Settings, load_settings
from smsaddon.http.middleware import edges
from smsaddon.http.problems import install_error_handlers
from smsaddon.web import pages
from smsaddon.web.origin import AuditOrigin
from smsaddon.web.rendering import render
from smsaddon.web.security import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    CsrfRejected,
    NotSignedIn,
    is_fetch,
)
from smsaddon.wiring import Services, build_services

STATIC = Path(__file__).parent / "static"


class App(FastAPI):
    """The app behind its HTTP edges (http/middleware.py), which wrap even the handler of
    the server's own errors, so every response gets the security headers."""

    def build_middleware_stack(self) -> ASGIApp:
        return edges(super().build_middleware_stack(), self.state.services.settings)


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """The app over `services` (built from `settings` when not given: see wiring.py)."""
    services = services or build_services(settings or load_settings())
    settings = services.settings
    app = App(title="smsaddon", version="0.1.0")
    app.state.services = services
    # Read-only aliases kept while callers move to `services` (see web/state.py).
    app.state.settings, app.state.catalog = settings, services.catalog
    app.state.engine, app.state.sessions = services.engine, services.sessions

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(AuditOrigin)  # the audit log's "from where": the client's address
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        return {"status": "ok", "catalog_version": services.catalog.version}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    install_api(app)  # the JSON API under /api/v1 and /docs
    install_error_handlers(app)  # problem details under /api/, the page's own answer elsewhere
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
