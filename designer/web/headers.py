"""Security headers on every response.

Pages get a Content-Security-Policy the editor runs under (checked in
Chromium by ``tests/security/test_browser_csp.py``): scripts only from this
origin, styles from this origin plus inline style attributes (React Flow
positions every node with one), websockets back to this server, no framing.
Everything else (JSON, SVG and DOT exports, callbacks) gets a policy that
allows nothing at all, so an export opened in a browser can run no script.
A view or blueprint that sets its own header keeps it (``setdefault``).

HSTS is sent only on requests that arrived over https (as seen through a
trusted proxy, ``DESIGNER_TRUSTED_PROXIES``), so a plain-http development
server never pins a browser to https.
"""

from __future__ import annotations

from flask import Flask, Response, request

PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # React Flow positions nodes with style attributes
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
# JSON, exports and anything else that is not a page: nothing may run or load.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000"


def _secure_headers(response: Response) -> Response:
    headers = response.headers
    policy = PAGE_POLICY if response.mimetype == "text/html" else DATA_POLICY
    headers.setdefault("Content-Security-Policy", policy)
    for name, value in COMMON.items():
        headers.setdefault(name, value)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_secure_headers)
