"""The one place where errors become HTTP responses.

Every ``designer.errors`` class maps to one status (looked up along the class
hierarchy, so a new subclass inherits its parent's status) and the body
``{"error": {"code", "message", "details"}}``.  Werkzeug's own errors (unknown
URL, wrong method, body too large) get the same JSON shape on the machine
paths (``/api/``, ``/voice/``) so that clients parse one format.  Anything
unexpected is logged with its traceback and answered with the same shape and
a reference to find it in the log; the test suite makes sure that never
happens.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from designer import errors as e

JSON_PREFIXES: tuple[str, ...] = ("/api/", "/voice/")

STATUS: dict[type[e.DesignerError], int] = {
    e.DesignerError: 400,
    e.BadRequest: 400,
    e.SignatureInvalid: 401,
    e.Unauthorized: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.PayloadTooLarge: 413,
    e.TooManyRequests: 429,
    e.UnsupportedMediaType: 415,
    e.FlowInvalid: 422,
    e.Unprocessable: 422,
    e.TemplateError: 422,
    e.StepError: 422,
    e.NotMigrated: 503,
    e.StorageUnavailable: 503,
    e.ConfigError: 503,
    e.RenderError: 503,
}

# Werkzeug's names where ours differ, so one condition has one code.
_HTTP_CODES = {413: e.PayloadTooLarge.code}


def status_for(exc: e.DesignerError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def _designer_error(exc: e.DesignerError) -> Response:
    status = status_for(exc)
    if status >= 500:
        from flask import current_app

        current_app.logger.warning("%s %s: %s", request.method, request.path, exc.message)
    response = jsonify(error_body(exc.code, exc.message, exc.details))
    response.status_code = status
    # e.g. WWW-Authenticate on a 401, Retry-After on a 429
    response.headers.update(getattr(exc, "headers", None) or {})
    return response


def _http_message(exc: HTTPException) -> str:
    if exc.code == 404:
        return f"no such resource: {request.method} {request.path}"
    if exc.code == 405:
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or []))
        return f"method {request.method} is not allowed on {request.path} (allowed: {allowed})"
    if exc.code == 413:
        from flask import current_app

        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return f"request body is larger than the limit of {limit} bytes"
    return exc.description or exc.name


def _http_error(exc: HTTPException) -> Any:
    if (
        exc.code == 404
        and request.method == "GET"
        and not wants_json()
        and not request.path.startswith("/assets/")
    ):
        from designer.web.pages import not_found  # pages import this module

        return not_found(request.path)
    if exc.code is None or exc.code < 400 or not wants_json():
        return exc
    code = _HTTP_CODES.get(exc.code) or re.sub(r"[^a-z0-9]+", "-", exc.name.lower()).strip("-")
    response = jsonify(error_body(code, _http_message(exc)))
    response.status_code = exc.code
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _unexpected(exc: Exception) -> Any:
    from flask import current_app

    ref = uuid.uuid4().hex[:12]
    current_app.logger.exception(
        "unexpected error (ref %s) in %s %s", ref, request.method, request.path
    )
    if not wants_json():
        return InternalServerError(original_exception=exc)
    body = error_body("internal", f"unexpected server error; it has been logged as {ref}")
    return jsonify(body), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(e.DesignerError, _designer_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
