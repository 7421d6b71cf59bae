"""The API docs at /docs: Swagger UI served from this app (the `swagger-ui-bundle-v2`
package's files), with no request to any other site."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>smsaddon API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""


def swagger_ui_files() -> Path:
    vendor = Path(str(files("swagger_ui_bundle") / "vendor"))
    return max(vendor.glob("swagger-ui-*"))


def serve_docs(app: FastAPI) -> None:
    """Replace FastAPI's docs pages (which load Swagger UI from a CDN) with ours."""
    builtin = {app.docs_url, app.swagger_ui_oauth2_redirect_url, app.redoc_url} - {None}
    app.router.routes[:] = [
        route for route in app.router.routes if getattr(route, "path", None) not in builtin
    ]
    app.docs_url = app.redoc_url = None
    openapi_url = app.openapi_url or "/openapi.json"
    init = (
        f"window.ui = SwaggerUIBundle({{url: {json.dumps(openapi_url)}, "
        "dom_id: '#swagger-ui', deepLinking: true, "
        "presets: [SwaggerUIBundle.presets.apis]});\n"
    )

    @app.get("/docs", include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(init, media_type="text/javascript")

    app.mount(ASSETS, StaticFiles(directory=swagger_ui_files()), name="api-docs-assets")
