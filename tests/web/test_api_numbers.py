"""Number bindings over HTTP."""

from __future__ import annotations


def test_bind_get_list_rebind_and_unbind(client, published_flow, clock):
    fid = published_flow["id"]
    response = client.put("/api/numbers/+46700000001", json={"flow": fid})
    assert response.status_code == 201
    assert response.get_json() == {
        "number": "+46700000001",
        "flow": fid,
        "version": None,
        "application": None,
        "updatedAt": "2026-11-25T10:00:00Z",
    }
    assert client.get("/api/numbers/+46700000001").get_json()["flow"] == fid
    assert client.get("/api/numbers/%2B46700000001").get_json()["flow"] == fid  # encoded '+'

    clock.advance(minutes=1)
    again = client.put("/api/numbers/+46700000001", json={"flow": fid, "version": 1})
    assert again.status_code == 200
    assert again.get_json()["version"] == 1
    assert again.get_json()["updatedAt"] == "2026-11-25T10:01:00Z"

    client.put("/api/numbers/+15551234567", json={"flow": fid, "version": None})
    listed = client.get("/api/numbers").get_json()["items"]
    assert [b["number"] for b in listed] == ["+15551234567", "+46700000001"]

    assert client.delete("/api/numbers/+46700000001").status_code == 204
    assert client.get("/api/numbers/+46700000001").status_code == 404
    assert client.delete("/api/numbers/+46700000001").status_code == 404


def test_binding_needs_a_published_flow(client, make_flow):
    flow = make_flow()
    response = client.put("/api/numbers/+46700000001", json={"flow": flow["id"]})
    assert response.status_code == 422
    assert "publish" in response.get_json()["error"]["message"]
    assert client.get("/api/numbers").get_json() == {"items": []}


def test_binding_references_are_checked(client, published_flow):
    fid = published_flow["id"]
    cases = [
        {"flow": "nope"},
        {"flow": fid, "version": 2},
        {"flow": fid, "application": "no-such-app"},
    ]
    for body in cases:
        response = client.put("/api/numbers/+46700000001", json=body)
        assert response.status_code == 422, body
    assert client.get("/api/numbers").get_json() == {"items": []}


def test_binding_with_application(client, published_flow):
    client.post("/api/applications", json={"key": "app-1"})
    body = {"flow": published_flow["id"], "application": "app-1"}
    response = client.put("/api/numbers/+46700000001", json=body)
    assert response.status_code == 201
    assert response.get_json()["application"] == "app-1"


def test_bad_numbers_and_bodies_are_400(client, published_flow):
    fid = published_flow["id"]
    for number in ("46700000001", "+0123", "+1234567890123456", "phone"):
        response = client.put(f"/api/numbers/{number}", json={"flow": fid})
        assert response.status_code == 400, number
        assert "E.164" in response.get_json()["error"]["message"]
        assert client.get(f"/api/numbers/{number}").status_code == 400
    for body in ({}, {"flow": 5}, {"flow": fid, "version": "1"}, {"flow": fid, "version": 0}):
        response = client.put("/api/numbers/+46700000001", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["details"], body
