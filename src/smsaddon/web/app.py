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
from smsaddon.errors import DomainError
from smsaddon.http.middleware import edges
from smsaddon.http.problems import install_error_handlers
from smsaddon.http.unit import Pages
from smsaddon.web import pages
from smsaddon.web.origin import AuditOrigin
from smsaddon.web.rendering import render
from smsaddon.web.security import (
    SAFE_METHODS,
    SESSION_COOKIE,
    CsrfRejected,
    NotSignedIn,
    is_fetch,
    signed_in_user,
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
        return {"status": "ok", "catalog_version": services.catalog.version}

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    install_api(app)  # the JSON API under /api/v1 and /docs
    app.state.pages = Pages(
        signed_in_user=signed_in_user, render=render, problem=page_problem, is_fetch=is_fetch
    )
    # problem details under /api/, the pages' own answers elsewhere
    install_error_handlers(app, page_problem=page_problem, page_crash=page_crash)
    return app


PAGE_TITLES = {403: "Not allowed", 404: "Not found", 410: "Too late"}


def page_problem(request: Request, error: DomainError) -> Response:
    """A refused page request: an error inside the open modal for the page's own script, else
    the error page; a request that could change something says that nothing was changed."""
    message = error.message
    if request.method not in SAFE_METHODS:
        message = f"{message} Nothing was changed."
    context = {"title": PAGE_TITLES.get(error.status, "Not done"), "message": message}
    template = "_modal_error.html" if is_fetch(request) else "error.html"
    return render(request, template, context, status_code=error.status)


def page_crash(request: Request) -> Response:
    """A bug: the error page, with nothing of the error in it (the server's log has it)."""
    context = {
        "title": "Something went wrong",
        "message": "Something went wrong on our side. Try again later.",
    }
    return render(request, "error.html", context, status_code=500)


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
