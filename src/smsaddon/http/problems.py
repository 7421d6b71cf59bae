"""Errors as RFC 9457 problem details (application/problem+json), each with a stable `code`.

`install_error_handlers(app)` turns what a request can raise (a domain error, a validation
error, an HTTP error, an unexpected error) into a problem response under /api/ and into the
page's own answer elsewhere. The exception passes through the request's unit of work first,
which rolls back (see http/unit.py). `problem_responses` documents
the problems an operation can answer with, one example per code, in the OpenAPI document.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Mapping
from http import HTTPStatus
from typing import Any, cast

from fastapi import FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from smsaddon.errors import DomainError

PROBLEM_TYPE = "application/problem+json"


class ApiError(DomainError):
    """An error of the API surface itself (not of a service), with its response headers."""

    def __init__(
        self, message: str, headers: Mapping[str, str] | None = None, **details: Any
    ) -> None:
        super().__init__(message, **details)
        self.headers = dict(headers or {})


class Unauthorized(ApiError):
    code = "unauthorized"
    status = 401

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="smsaddon"'})


class RateLimited(ApiError):
    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many requests with this token. Retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )


class IdempotencyKeyReused(ApiError):
    code = "idempotency_key_reused"
    status = 422


class Problem(BaseModel):
    """An RFC 9457 problem; members beyond these carry the error's details."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem; one per `code`.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong this time, for a person to read.")
    code: str = Field(description="The stable machine-readable code; rely on this one.")
    instance: str | None = Field(None, description="The request path.")


def problem_type(code: str) -> str:
    return f"urn:smsaddon:problem:{code}"


def title_of(code: str) -> str:
    return code.replace("_", " ").capitalize()


def problem_response(
    *,
    status: int,
    code: str,
    detail: str,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title_of(code),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance is not None:
        body["instance"] = instance
    for key, value in jsonable_encoder(dict(extra or {})).items():
        body.setdefault(key, value)  # the standard members win
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_TYPE
    )


def from_domain_error(request: Request, exc: DomainError) -> JSONResponse:
    headers = exc.headers if isinstance(exc, ApiError) else None
    return problem_response(
        status=exc.status,
        code=exc.code,
        detail=exc.message,
        instance=request.url.path,
        headers=headers,
        extra=exc.details,
    )


def from_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {
            "location": [str(part) for part in error.get("loc", ())],
            "message": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    fields = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()[:5])
    return problem_response(
        status=422,
        code="validation_failed",
        detail=f"The request is not valid: see {fields or 'the request'}.",
        instance=request.url.path,
        extra={"errors": errors},
    )


def from_http_error(request: Request, exc: HTTPException) -> JSONResponse:
    path = request.url.path
    if exc.status_code == 404:
        code, detail = "not_found", f"There is nothing at {path} in this API."
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        code = "method_not_allowed"
        detail = f"{request.method} is not allowed on {path}; allowed: {allowed}."
    else:
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem_response(
        status=exc.status_code, code=code, detail=detail, instance=path, headers=exc.headers
    )


class ProblemRoute(APIRoute):
    """An API route that refuses query parameters it does not know or that are repeated (a
    misspelt filter would otherwise be silently ignored). What it raises goes through the
    request's unit of work (which rolls back) to the handlers `install_error_handlers` sets."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = _query_names(self.dependant)

        async def handle(request: Request) -> Response:
            names = [name for name, _ in request.query_params.multi_items()]
            wrong = sorted({name for name in names if name not in known or names.count(name) > 1})
            if wrong:
                raise RequestValidationError(
                    [
                        {
                            "loc": ("query", name),
                            "type": "unknown_or_repeated_parameter",
                            "msg": "Unknown query parameter, or given more than once",
                        }
                        for name in wrong
                    ]
                )
            return await handler(request)

        return handle


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


# The error handlers of the whole app, by surface ---------------------------------------------

API_PREFIX = "/api/"


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def install_error_handlers(
    app: FastAPI,
    *,
    page_problem: Callable[[Request, DomainError], Response],
    page_crash: Callable[[Request], Response],
) -> None:
    """Domain, validation and HTTP errors, and unexpected ones: problem details under /api/,
    the pages' own answers elsewhere (`page_problem` for a refusal, `page_crash` for a bug).
    Register them after the app's own handlers."""
    previous_http = app.exception_handlers.get(HTTPException, http_exception_handler)
    previous_validation = app.exception_handlers.get(
        RequestValidationError, request_validation_exception_handler
    )

    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        if is_api(request):
            return from_domain_error(request, exc)
        return page_problem(request, exc)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if is_api(request):
            return from_validation_error(request, exc)
        return await _call(previous_validation, request, exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if not is_api(request):
            return await _call(previous_http, request, exc)
        if exc.status_code == 400:  # a body that cannot be parsed at all
            return problem_response(
                status=422,
                code="validation_failed",
                detail="The request body cannot be read as JSON.",
                instance=request.url.path,
            )
        return from_http_error(request, exc)

    async def internal_error(request: Request, exc: Exception) -> Response:
        # No stack trace, no exception text: those go to the server's log only.
        if is_api(request):
            return problem_response(
                status=500,
                code="internal_error",
                detail="Something went wrong on our side; nothing you sent caused it. "
                "Try again later.",
                instance=request.url.path,
            )
        return page_crash(request)

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, internal_error)


async def _call(handler: Callable[..., Any], request: Request, exc: Exception) -> Response:
    response = handler(request, exc)
    return cast(Response, await response if inspect.isawaitable(response) else response)


# Documentation: one example per code --------------------------------------------------------

EXAMPLES: dict[str, tuple[int, str, dict[str, Any]]] = {
    "unauthorized": (401, "A valid API token is required: send Authorization: Bearer <token>.", {}),
    "payment_declined": (
        402,
        "Your payment was declined, so nothing was bought or charged. "
        "Check the payment method on your account, then try again.",
        {},
    ),
    "insufficient_credits": (
        402,
        "This needs 30 credits and 12 are available.",
        {"needed": 30, "available": 12},
    ),
    "permission_denied": (
        403,
        "Only the Primary Admin and users with the billing permission can "
        "buy or change the SMS add-on and credits.",
        {},
    ),
    "plan_not_eligible": (
        403,
        "The SMS add-on is not available on the Lite plan. Upgrade to "
        "Plus, Professional, Enterprise to buy it.",
        {"plan": "lite", "eligible_plans": ["plus", "professional", "enterprise"]},
    ),
    "not_found": (
        404,
        "There is no such quote. Review the purchase again.",
        {"quote_id": "3f2c8a4e-8d1b-4c4f-9a57-0d6f1f7f2b11"},
    ),
    "conflict": (409, "The SMS add-on is already on your plan.", {}),
    "quote_stale": (
        409,
        "Your subscription changed since this quote was made. Review the purchase again.",
        {"quote_id": "3f2c8a4e-8d1b-4c4f-9a57-0d6f1f7f2b11"},
    ),
    "quote_expired": (
        410,
        "This quote has expired. Review the purchase again to see the current price.",
        {"quote_id": "3f2c8a4e-8d1b-4c4f-9a57-0d6f1f7f2b11"},
    ),
    "validation_failed": (
        422,
        "The request is not valid: see body.kind.",
        {
            "errors": [
                {
                    "location": ["body", "kind"],
                    "message": "Input tag 'add' found using 'kind' does not "
                    "match any of the expected tags",
                    "type": "union_tag_invalid",
                }
            ]
        },
    ),
    "idempotency_key_reused": (
        422,
        "This Idempotency-Key was used with a different request. Use a new key for a new request.",
        {},
    ),
    "invalid_message": (422, "The message is empty.", {}),
    "invalid_phone_number": (422, "'+1 555' is not a valid phone number.", {"number": "+1 555"}),
    "unsupported_country": (
        422,
        "China (CN) is not a supported country: messages to it cannot be sent.",
        {"region": "CN"},
    ),
    "rate_limited": (429, "Too many requests with this token. Retry in 1 s.", {"retry_after": 1}),
    "addon_required": (
        403,
        "Sending SMS needs the SMS add-on. Buy it on the Billing & Upgrade page.",
        {"where": "/billing"},
    ),
    "registration_required": (
        403,
        "Messages to United States numbers (US) need an approved A2P 10DLC brand and "
        "campaign registration.",
        {"region": "US"},
    ),
    "payload_too_large": (
        413,
        "The request body is larger than 10485760 bytes.",
        {"limit": 10485760},
    ),
}

HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The authentication scheme: Bearer.",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer"},
        }
    },
}


def example(
    code: str, worded: Mapping[str, tuple[str, dict[str, Any]]] | None = None
) -> dict[str, Any]:
    status, detail, extra = EXAMPLES[code]
    detail, extra = (worded or {}).get(code, (detail, extra))
    return {
        "type": problem_type(code),
        "title": title_of(code),
        "status": status,
        "detail": detail,
        "code": code,
        "instance": "/api/v1/...",
        **extra,
    }


def problem_responses(
    *codes: str, worded: Mapping[str, tuple[str, dict[str, Any]]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for these problem codes (and 401, 422 and 429, which any request
    can meet), grouped by status, each code with its example. `worded`: an area's own
    example (detail, extra members) for a code, in place of the general one."""
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys(["unauthorized", "validation_failed", "rate_limited", *codes]):
        by_status.setdefault(EXAMPLES[code][0], []).append(code)
    schema = Problem.model_json_schema()
    responses: dict[int | str, dict[str, Any]] = {}
    for status, status_codes in sorted(by_status.items()):
        listed = ", ".join(f"`{code}`" for code in status_codes)
        responses[status] = {
            "description": f"{HTTPStatus(status).phrase}: a problem with the code {listed}.",
            "content": {
                PROBLEM_TYPE: {
                    "schema": schema,
                    "examples": {
                        code: {"summary": code, "value": example(code, worded)}
                        for code in status_codes
                    },
                }
            },
        }
        if status in HEADERS:
            responses[status]["headers"] = HEADERS[status]
    return responses
