"""The OpenAPI description covers every API route, and the API keeps to it.

The coverage test compares the spec with Flask's URL map both ways, so a new
route cannot go undocumented and a removed one cannot linger.  The
schemathesis run throws generated (and deliberately invalid) requests at the
app in-process and checks that no answer is a 5xx or contradicts the spec.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from designer.repository import CallEvent, CallRecord
from designer.web import create_app
from designer.web.openapi import build_spec
from tests.web.documents import flow_doc

CONTRACT_ROUTES = {
    ("GET", "/api/nodes"),
    ("GET", "/api/flows"),
    ("POST", "/api/flows"),
    ("GET", "/api/flows/{flow_id}"),
    ("PUT", "/api/flows/{flow_id}"),
    ("DELETE", "/api/flows/{flow_id}"),
    ("POST", "/api/flows/validate"),
    ("POST", "/api/flows/{flow_id}/validate"),
    ("GET", "/api/flows/{flow_id}/export"),
    ("GET", "/api/flows/{flow_id}/versions"),
    ("POST", "/api/flows/{flow_id}/versions"),
    ("GET", "/api/flows/{flow_id}/versions/{number}"),
    ("POST", "/api/flows/{flow_id}/rollback"),
    ("GET", "/api/flows/{flow_id}/diff"),
    ("GET", "/api/numbers/{number}"),
    ("PUT", "/api/numbers/{number}"),
    ("DELETE", "/api/numbers/{number}"),
    ("GET", "/api/applications"),
    ("POST", "/api/applications"),
    ("GET", "/api/calls"),
    ("GET", "/api/calls/{callid}"),
    ("GET", "/api/openapi.json"),
}


def _spec_operations(spec: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    }


def test_spec_matches_the_url_map_both_ways(client, app):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<{arg}>", f"{{{arg}}}")
                for converter in ("int", "string", "path"):
                    path = path.replace(f"<{converter}:{arg}>", f"{{{arg}}}")
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = _spec_operations(spec)
    assert served == {op for op in documented if op[1].startswith("/api/")}
    assert documented >= CONTRACT_ROUTES


def test_spec_is_valid_openapi_3_1(client):
    validate(client.get("/api/openapi.json").get_json())


def test_every_operation_is_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    ids = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            assert not op.get("x-undocumented"), f"{method.upper()} {path} lacks @operation"
            assert op["summary"] and op["responses"]["default"], (method, path)
            templated = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert templated == set(path.replace("}", "{").split("{")[1::2]), (method, path)
            ids.append(op["operationId"])
    assert len(ids) == len(set(ids))


def test_declared_query_parameters_are_enforced(client):
    # The same declaration documents and checks: an enum in the spec is a 400 when violated.
    spec = client.get("/api/openapi.json").get_json()
    export = spec["paths"]["/api/flows/{flow_id}/export"]["get"]
    fmt = next(p for p in export["parameters"] if p["name"] == "format")
    assert fmt["schema"]["enum"] == ["json", "svaml", "dot", "svg"]
    response = client.get("/api/calls?limit=501")
    assert response.status_code == 400


# --- schemathesis ----------------------------------------------------------------------

SEED_NUMBER = "+46700000001"
SEED_APP = "seeded-app"
SEED_CALL = "seeded-call"


@pytest.fixture
def api_schema(now):
    """A memory-backed app with one of everything, and its spec loaded by schemathesis."""
    app = create_app({"DATABASE_URL": "memory://", "CLOCK": lambda: now})
    client = app.test_client()
    flow = client.post("/api/flows", json=flow_doc()).get_json()
    client.post(f"/api/flows/{flow['id']}/versions", json={"comment": "v1"})
    client.put(f"/api/numbers/{SEED_NUMBER}", json={"flow": flow["id"]})
    client.post("/api/applications", json={"key": SEED_APP, "name": "Seeded"})
    repo = app.extensions["designer"].repo
    repo.create_call(CallRecord(callid=SEED_CALL, flow_id=flow["id"], version=1, started_at=now))
    repo.append_events(
        SEED_CALL, [CallEvent(callid=SEED_CALL, seq=0, ts=now, kind="node", node="start")]
    )
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    schema.seeded = {  # type: ignore[attr-defined]
        "flow_id": flow["id"],
        "number": SEED_NUMBER,
        "key": SEED_APP,
        "callid": SEED_CALL,
    }
    return schema


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_MODE = 10


_BODY_REFERENCES = {"flow": "flow_id", "defaultFlow": "flow_id", "application": "key"}


def _pick(value: object) -> bool:
    return zlib.crc32(repr(value).encode()) % 2 == 0


def _aim_at_seeded_records(case, seeded: dict[str, str]) -> None:
    """Point about half of the generated ids at records that exist, so that success
    responses are checked too (random ids would almost only ever meet 404 or 422).
    The choice hashes the generated value, so the run stays deterministic."""
    for name, value in list((case.path_parameters or {}).items()):
        if name in seeded and _pick(value):
            case.path_parameters[name] = seeded[name]
    body = getattr(case, "body", None)
    if isinstance(body, dict):
        for field, target in _BODY_REFERENCES.items():
            if isinstance(body.get(field), str) and _pick(body[field]):
                body[field] = seeded[target]


def _deletes_last(operation) -> tuple[bool, str, str]:
    """Run DELETEs after everything else, so that the seeded records live until then."""
    return operation.method.upper() == "DELETE", operation.path, operation.method


@pytest.mark.slow
def test_api_keeps_to_its_spec(api_schema):
    """Every operation, valid and invalid inputs: no 5xx, nothing the spec does not say."""
    failures: list[str] = []
    operations = 0
    for operation in sorted((r.ok() for r in api_schema.get_all_operations()), key=_deletes_last):
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_MODE,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case) -> None:
                _aim_at_seeded_records(case, api_schema.seeded)
                case.call_and_validate(checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing in the operation to make invalid
            except Exception as exc:  # collect every operation's failure, then report all
                failures.append(f"{operation.method.upper()} {operation.path} ({mode}): {exc}")
    assert operations >= len(CONTRACT_ROUTES)
    assert not failures, "\n\n".join(failures)


def test_spec_builds_without_an_app_request_context():
    app = create_app({"DATABASE_URL": "memory://", "CLOCK": lambda: datetime.now(UTC)})
    with app.app_context():
        assert build_spec(app)["paths"]["/api/nodes"]["get"]["operationId"]
