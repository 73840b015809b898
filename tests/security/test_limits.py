"""Input limits: body size, flow size, the rate limiter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from designer.errors import PayloadTooLarge
from designer.limits import FlowLimits, check_flow_size
from designer.web.ratelimit import RateLimiter
from tests.security.conftest import MINIMAL_FLOW, Person


def flow_with(nodes: int = 2, edges: int = 1, text: str = "hello") -> dict[str, Any]:
    return {
        "format": "callflow/1",
        "name": "Big",
        "nodes": [{"id": "start", "type": "start"}]
        + [{"id": f"n{i}", "type": "say", "data": {"text": text}} for i in range(nodes - 1)],
        "edges": [{"from": "start", "to": "n0"}] * edges,
    }


@pytest.fixture
def open_app(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """Apps without login, so these tests are about the limits alone."""
    return lambda **config: make_app(AUTH="off", **config)


def test_an_oversized_body_is_413_json(open_app: Callable[..., Flask]) -> None:
    app = open_app(MAX_BODY_BYTES=1000)
    response = app.test_client().post("/api/flows", json=flow_with(text="x" * 2000))
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload-too-large" and "1000 bytes" in error["message"]


def test_oversized_bodies_with_login_required(secure_app: Flask, people: dict[str, Person]) -> None:
    client = secure_app.test_client()
    huge = b"x" * (3 * 1024 * 1024)  # over the default 2 MiB
    # Nobody signed in: refused before the body is read at all.
    assert client.post("/api/flows", data=huge, content_type="application/json").status_code == 401
    response = client.post("/api/flows", data=huge, content_type="application/json",
                           headers=people["editor"].bearer)  # fmt: skip
    assert response.status_code == 413
    big = flow_with(nodes=2, text="x" * 9000)  # large but within every limit
    assert client.post("/api/flows", json=big, headers=people["editor"].bearer).status_code == 201


@pytest.mark.parametrize(
    ("config", "document", "fragment"),
    [
        ({"MAX_FLOW_NODES": 10}, flow_with(nodes=11), "11 nodes; at most 10"),
        ({"MAX_FLOW_EDGES": 5}, flow_with(edges=6), "6 edges; at most 5"),
        ({"MAX_TEXT_CHARS": 100}, flow_with(text="x" * 101), "nodes[1].data.text"),
        ({"MAX_FLOW_NOTES": 1}, {**MINIMAL_FLOW, "notes": [{"id": "a"}, {"id": "b"}]}, "notes"),
    ],
)
def test_flow_size_limits_are_413_naming_the_limit(
    open_app: Callable[..., Flask], config: dict[str, int], document: dict, fragment: str
) -> None:
    client = open_app(**config).test_client()
    for path in ("/api/flows", "/api/flows/validate", "/api/flows/layout"):
        response = client.post(path, json=document)
        assert response.status_code == 413, path
        error = response.get_json()["error"]
        assert fragment in error["message"] and error["details"], (path, error)


def test_saving_an_oversized_draft_is_refused_and_keeps_the_old_one(
    open_app: Callable[..., Flask],
) -> None:
    client = open_app(MAX_FLOW_NODES=3).test_client()
    flow = client.post("/api/flows", json=MINIMAL_FLOW).get_json()
    response = client.put(f"/api/flows/{flow['id']}", json=flow_with(nodes=4))
    assert response.status_code == 413
    assert client.get(f"/api/flows/{flow['id']}").get_json()["revision"] == flow["revision"]


def test_the_default_limits_accept_a_large_real_flow(open_app: Callable[..., Flask]) -> None:
    response = open_app().test_client().post("/api/flows/validate", json=flow_with(nodes=2000))
    assert response.status_code == 200


def test_the_registry_tells_the_editor_the_limits(open_app: Callable[..., Flask]) -> None:
    limits = open_app(MAX_FLOW_NODES=123).test_client().get("/api/nodes").get_json()["limits"]
    assert limits["maxNodes"] == 123 and limits["maxTextChars"] == 10000
    assert limits["sayMaxChars"] == 600  # the SVAML limits are still there


def test_deep_nesting_is_refused() -> None:
    deep: Any = "leaf"
    for _ in range(40):
        deep = {"x": deep}
    with pytest.raises(PayloadTooLarge, match="nested more than"):
        check_flow_size({**MINIMAL_FLOW, "nodes": [{"id": "a", "type": "say", "data": deep}]})


def test_not_a_document_is_left_to_the_parser() -> None:
    check_flow_size([1, 2, 3], FlowLimits(max_nodes=1))  # no error: the parser says 400


# --- the rate limiter -------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket() -> None:
    clock = FakeTime()
    limiter = RateLimiter(3, per_minute=6, clock=clock)  # a token every 10 s
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    assert limiter.take("a") == 10
    assert limiter.take("b") is None  # per client
    clock.now += 5
    assert limiter.blocked("a") == 5
    clock.now += 5
    assert limiter.blocked("a") is None
    assert limiter.take("a") is None and limiter.take("a") is not None
    clock.now += 3600
    assert [limiter.take("a") for _ in range(4)][-1] == 10  # refills to capacity, no more


def test_the_limiter_forgets_the_oldest_clients() -> None:
    limiter = RateLimiter(1, per_minute=1, clock=FakeTime(), max_keys=2)
    for key in ("a", "b", "c"):
        assert limiter.take(key) is None
    assert limiter.take("a") is None  # forgotten, so full again
    assert limiter.take("c") is not None


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, per_minute=1)
