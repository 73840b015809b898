"""The OpenAPI 3.1 description, generated from the views so it cannot drift.

Each JSON view is wrapped by ``@operation(...)``, which does two jobs with one
declaration:

- at request time it reads the query string and the JSON body *as declared*:
  query values are converted (integers, booleans, date-times) and checked
  against their schema, the body is decoded and validated with JSON Schema,
  and any problem becomes a 400 naming the parameter or field;
- it attaches the declaration to the view, and ``build_spec(app)`` walks the
  URL map to turn every route under ``/api/`` (and every other decorated
  route) into an OpenAPI operation.

So a parameter cannot be documented without being enforced, nor enforced
without being documented.  Shared schemas are registered once with
``component(name, schema)`` and referenced as ``$ref``.  Any blueprint can use
``operation``; an undocumented ``/api/`` route still appears in the spec,
marked ``x-undocumented``, and the test suite fails on it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from jsonschema import Draft202012Validator

from designer.errors import BadRequest, UnsupportedMediaType
from designer.isotime import parse_iso
from designer.web import access

SPEC_ATTR = "__openapi__"
API_PREFIX = "/api/"
OPENAPI_VERSION = "3.1.0"

# --- shared schemas -----------------------------------------------------------

SCHEMAS: dict[str, dict[str, Any]] = {}


def component(name: str, schema: dict[str, Any]) -> dict[str, str]:
    """Register a named schema under ``components/schemas`` and return its ``$ref``."""
    if name in SCHEMAS and SCHEMAS[name] != schema:
        raise ValueError(f"OpenAPI component {name!r} is already defined differently")
    SCHEMAS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null (OpenAPI 3.1 spells it with JSON Schema's ``anyOf``)."""
    return {"anyOf": [schema, {"type": "null"}]}


ERROR = component(
    "Error",
    {
        "type": "object",
        "description": "Every error: a stable code, a sentence for people, structured details.",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string", "examples": ["not-found"]},
                    "message": {"type": "string"},
                    "details": {"description": "context: bad paths, findings, ids"},
                },
            }
        },
    },
)

DATE_TIME = {"type": "string", "format": "date-time"}

# --- declarations -------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A query (or path) parameter; ``schema`` types: string, integer, boolean."""

    name: str
    schema: Mapping[str, Any]
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Reply:
    """One documented response: a JSON ``schema``, or other media types in ``content``."""

    description: str
    schema: Mapping[str, Any] | None = None
    content: Mapping[str, Mapping[str, Any]] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # name -> description


@dataclass(frozen=True)
class Operation:
    summary: str
    tags: tuple[str, ...]
    description: str
    query: tuple[Param, ...]
    path: Mapping[str, Param]
    body: Mapping[str, Any] | None
    body_required: bool
    validate_body: bool
    responses: Mapping[int, Reply]
    errors: tuple[int, ...]


def operation(
    *,
    summary: str,
    tags: tuple[str, ...] | list[str] = (),
    description: str = "",
    query: tuple[Param, ...] | list[Param] = (),
    path: tuple[Param, ...] | list[Param] = (),
    body: Mapping[str, Any] | None = None,
    body_required: bool = True,
    validate_body: bool = True,
    responses: Mapping[int, Reply],
    errors: tuple[int, ...] | list[int] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare (and enforce) a view's parameters, body and responses.

    The view receives ``query=`` (a dict of converted values, absent ones
    omitted) when ``query`` is declared, and ``body=`` (the decoded JSON, or
    None when no body was sent and ``body_required`` is false) when ``body``
    is declared.  ``validate_body=False`` documents the schema but leaves
    checking to the view, for bodies such as flow documents whose own parser
    reports problems better than JSON Schema can.  ``path`` only documents
    path parameters (Flask's converters and the view check them).
    ``errors`` lists the error statuses the view can answer; 400/413/415 are
    added automatically where a body or query is read, and every operation
    documents ``default`` as the error shape.
    """
    op = Operation(
        summary=summary,
        tags=tuple(tags),
        description=description,
        query=tuple(query),
        path={p.name: p for p in path},
        body=body,
        body_required=body_required,
        validate_body=validate_body,
        responses=responses,
        errors=tuple(errors),
    )
    body_validator = _validator(body) if body is not None and validate_body else None
    query_validators = {p.name: _validator(p.schema) for p in op.query}

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            if op.query:
                kwargs["query"] = _read_query(op.query, query_validators)
            if op.body is not None:
                kwargs["body"] = _read_body(op.body_required, body_validator)
            return view(**kwargs)

        setattr(wrapper, SPEC_ATTR, op)
        return wrapper

    return decorate


# --- request reading ----------------------------------------------------------


def _validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    # Bodies may $ref shared components: validate against a root that holds them.
    root = {**schema, "components": {"schemas": SCHEMAS}}
    return Draft202012Validator(root)


def _path_text(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _schema_problems(validator: Draft202012Validator, value: Any) -> list[dict[str, str]]:
    problems = []
    for err in sorted(validator.iter_errors(value), key=lambda x: list(map(str, x.absolute_path))):
        problems.append({"path": _path_text(err.absolute_path), "message": err.message})
    return problems


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()  # no request body at all (unlike a body that is JSON ``null``)


def read_json(*, required: bool = True) -> Any:
    """The request body as JSON; problems are 400/415 errors naming the cause.

    Returns ``ABSENT`` when there is no body and none is required.  Bodies
    must be declared ``application/json`` (or ``*+json``): besides being the
    API's contract, this stops other web pages from posting to the API with a
    plain HTML form.
    """
    data = request.get_data(cache=True)
    if not data.strip():
        if required:
            raise BadRequest("request body is required: send a JSON object")
        return ABSENT
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"request body must be JSON sent with Content-Type: application/json, "
            f"not {mimetype or 'no content type'}"
        )
    try:
        text = data.decode("utf-8")  # RFC 8259: JSON between systems is UTF-8
    except UnicodeDecodeError:
        raise BadRequest("request body is not UTF-8 encoded JSON") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"malformed JSON in request body at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            details=[{"path": "", "message": exc.msg, "line": exc.lineno, "column": exc.colno}],
        ) from None
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"malformed JSON in request body: {exc}") from None


def _read_body(required: bool, validator: Draft202012Validator | None) -> Any:
    value = read_json(required=required)
    if value is ABSENT:
        return None
    if validator is None:
        return value
    problems = _schema_problems(validator, value)
    if problems:
        first = problems[0]
        where = f"{first['path']}: " if first["path"] else ""
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BadRequest(f"invalid request body: {where}{first['message']}{more}", problems)
    return value


def parse_datetime(text: str) -> datetime:
    """ISO 8601 / RFC 3339 to an aware UTC datetime (a naive one is taken as UTC)."""
    return parse_iso(text)


def _convert(param: Param, raw: str) -> Any:
    kind = param.schema.get("type")
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d{1,18}", raw.strip()):
            raise ValueError(f"must be a whole number, got {raw!r}")
        return int(raw)
    if kind == "boolean":
        lowered = raw.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise ValueError(f"must be true or false, got {raw!r}")
    return raw


def _query_value(param: Param, raw: str, validator: Draft202012Validator) -> Any:
    """One query value converted to its declared type and checked; ValueError names why."""
    value = _convert(param, raw)
    problems = _schema_problems(validator, value)
    if problems:
        raise ValueError(problems[0]["message"])
    if param.schema.get("format") == "date-time":
        try:
            return parse_datetime(value)
        except (ValueError, OverflowError):
            raise ValueError(
                f"must be an ISO 8601 date-time such as 2026-11-25T10:00:00Z, got {raw!r}"
            ) from None
    return value


def _read_query(
    params: tuple[Param, ...], validators: Mapping[str, Draft202012Validator]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    problems: list[dict[str, str]] = []
    for param in params:
        raw = request.args.get(param.name)
        if raw is None:
            if param.required:
                problems.append({"path": param.name, "in": "query", "message": "is required"})
            continue
        try:
            values[param.name] = _query_value(param, raw, validators[param.name])
        except ValueError as exc:
            problems.append({"path": param.name, "in": "query", "message": str(exc)})
    if problems:
        listed = "; ".join(f"{p['path']}: {p['message']}" for p in problems)
        raise BadRequest(f"invalid query parameter {listed}", problems)
    return values


# --- the spec -----------------------------------------------------------------

_RULE_ARG = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_SCHEMAS: dict[str, dict[str, Any]] = {
    "default": {"type": "string"},
    "string": {"type": "string"},
    "path": {"type": "string"},
    "int": {"type": "integer", "minimum": 0},
    "float": {"type": "number", "minimum": 0},
    "uuid": {"type": "string", "format": "uuid"},
}


def _error_reply(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {"application/json": {"schema": ERROR}},
    }


def _reply_dict(reply: Reply) -> dict[str, Any]:
    out: dict[str, Any] = {"description": reply.description}
    content: dict[str, Any] = {}
    if reply.schema is not None:
        content["application/json"] = {"schema": dict(reply.schema)}
    for media_type, schema in (reply.content or {}).items():
        content[media_type] = {"schema": dict(schema)}
    if content:
        out["content"] = content
    if reply.headers:
        out["headers"] = {
            name: {"description": text, "required": True, "schema": {"type": "string"}}
            for name, text in reply.headers.items()
        }
    return out


def _operation_dict(
    rule_endpoint: str, op: Operation | None, path_params: list[dict[str, Any]]
) -> dict[str, Any]:
    op_id = re.sub(r"[^A-Za-z0-9_]", "_", rule_endpoint)
    if op is None:
        return {
            "operationId": op_id,
            "summary": rule_endpoint,
            "x-undocumented": True,
            "parameters": path_params,
            "responses": {"default": _error_reply(400) | {"description": "undocumented"}},
        }
    params = [
        {**p, **_param_dict(op.path[p["name"]], "path")} if p["name"] in op.path else p
        for p in path_params
    ]
    params += [_param_dict(q, "query") for q in op.query]
    out: dict[str, Any] = {"operationId": op_id, "summary": op.summary}
    if op.description:
        out["description"] = op.description
    if op.tags:
        out["tags"] = list(op.tags)
    if params:
        out["parameters"] = params
    statuses = set(op.errors)
    if op.body is not None:
        out["requestBody"] = {
            "required": op.body_required,
            "content": {"application/json": {"schema": dict(op.body)}},
        }
        statuses |= {400, 413, 415}
    if op.query:
        statuses.add(400)
    responses: dict[str, Any] = {str(s): _reply_dict(r) for s, r in sorted(op.responses.items())}
    for status in sorted(statuses):
        responses.setdefault(str(status), _error_reply(status))
    responses["default"] = {
        "description": "any other error, in the same shape",
        "content": {"application/json": {"schema": ERROR}},
    }
    out["responses"] = responses
    return out


def _param_dict(param: Param, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": param.name, "in": where, "schema": dict(param.schema)}
    if param.description:
        out["description"] = param.description
    out["required"] = True if where == "path" else param.required
    return out


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """``/api/flows/<int:n>`` -> (``/api/flows/{n}``, its path parameters)."""
    params = []
    for m in _RULE_ARG.finditer(rule):
        converter = m.group("converter") or "default"
        schema = _CONVERTER_SCHEMAS.get(converter, {"type": "string"})
        params.append({"name": m.group("name"), "in": "path", "required": True, "schema": schema})
    return _RULE_ARG.sub(lambda m: "{" + m.group("name") + "}", rule), params


def operations(app: Flask) -> list[tuple[str, str, str, Operation | None]]:
    """(rule, METHOD, endpoint, declaration) for every route the spec covers."""
    out = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        op = getattr(view, SPEC_ATTR, None)
        if not rule.rule.startswith(API_PREFIX) and op is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.rule, method, rule.endpoint, op))
    return sorted(out)


def build_spec(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    tags: set[str] = set()
    for rule, method, endpoint, op in operations(app):
        path, path_params = openapi_path(rule)
        operation_dict = _operation_dict(endpoint, op, path_params)
        access.document_operation(operation_dict, endpoint)  # who may call it
        paths.setdefault(path, {})[method.lower()] = operation_dict
        tags.update(op.tags if op else ())
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Call-flow designer API",
            "version": _package_version(),
            "description": (
                "Design, validate, publish and run Sinch IVR call flows. Errors are "
                '{"error": {"code", "message", "details"}}.'
            ),
        },
        "tags": [{"name": t} for t in sorted(tags)],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(SCHEMAS.items())),
            "securitySchemes": access.SECURITY_SCHEMES,
        },
    }


def _package_version() -> str:
    from designer import __version__

    return __version__


bp = Blueprint("openapi", __name__, url_prefix="/api")


@bp.get("/openapi.json")
@operation(
    summary="This OpenAPI 3.1 description",
    tags=["meta"],
    responses={200: Reply("the description", {"type": "object", "required": ["openapi", "paths"]})},
)
def openapi_json() -> Any:
    return jsonify(build_spec(current_app))
