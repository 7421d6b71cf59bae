"""The public "Supported countries" page: every country SMS goes to, with its credits.

The search box filters the table as you type; without JavaScript it submits `?q=` and the
server filters with the same rules.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from smsaddon.sms.pricing import supported_countries
from smsaddon.web import state
from smsaddon.web.rendering import render

router = APIRouter()


@router.get("/countries", response_class=HTMLResponse)
def countries(request: Request, q: Annotated[str, Query(max_length=100)] = "") -> Response:
    catalog = state.catalog(request)
    context = {
        "countries": supported_countries(catalog),
        "shown": {country.code for country in supported_countries(catalog, q)},
        "query": q,
        "catalog": catalog,
    }
    return render(request, "countries.html", context)
