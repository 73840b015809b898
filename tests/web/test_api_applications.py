"""Sinch applications over HTTP: secrets are write-only."""

from __future__ import annotations

SECRET = "JViE5vDor0Sw3WllZka15Q=="
OTHER_SECRET = "K1wXe/PWf0O0S9VIW4ewtQ=="


def test_secret_is_never_returned(client, make_flow):
    flow = make_flow()
    created = client.post(
        "/api/applications",
        json={"key": "a1b2c3", "secret": SECRET, "name": "Support", "defaultFlow": flow["id"]},
    )
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/applications/a1b2c3"
    assert created.get_json() == {
        "key": "a1b2c3",
        "name": "Support",
        "defaultFlow": flow["id"],
        "hasSecret": True,
        "createdAt": "2026-11-25T10:00:00Z",
    }
    client.get("/api/applications")
    client.get("/api/applications/a1b2c3")
    client.put("/api/applications/a1b2c3", json={"secret": OTHER_SECRET, "name": "Renamed"})
    client.post("/api/applications", json={"key": "a1b2c3", "secret": SECRET})  # 409
    client.get("/api/openapi.json")
    assert len(client.seen) == 7
    for method, path, response in client.seen:
        text = response.get_data(as_text=True)
        for secret in (SECRET, OTHER_SECRET, SECRET.rstrip("="), OTHER_SECRET.rstrip("=")):
            assert secret not in text, (method, path)


def test_update_keeps_what_is_left_out_and_null_removes_the_secret(client, make_flow):
    flow = make_flow()
    client.post("/api/applications", json={"key": "k", "secret": SECRET, "name": "N"})
    changed = client.put("/api/applications/k", json={"defaultFlow": flow["id"]}).get_json()
    assert changed == {
        "key": "k",
        "name": "N",
        "defaultFlow": flow["id"],
        "hasSecret": True,
        "createdAt": "2026-11-25T10:00:00Z",
    }
    cleared = client.put("/api/applications/k", json={"secret": None, "defaultFlow": None})
    assert cleared.get_json()["hasSecret"] is False
    assert cleared.get_json()["defaultFlow"] is None


def test_list_and_delete(client):
    for key in ("b-app", "a-app"):
        client.post("/api/applications", json={"key": key})
    items = client.get("/api/applications").get_json()["items"]
    assert [a["key"] for a in items] == ["a-app", "b-app"]
    assert all(a["hasSecret"] is False for a in items)
    assert client.delete("/api/applications/a-app").status_code == 204
    assert client.get("/api/applications/a-app").status_code == 404
    assert client.delete("/api/applications/a-app").status_code == 404
    assert client.put("/api/applications/a-app", json={"name": "x"}).status_code == 404


def test_errors(client):
    client.post("/api/applications", json={"key": "dup"})
    duplicate = client.post("/api/applications", json={"key": "dup"})
    assert duplicate.status_code == 409
    missing_flow = client.post("/api/applications", json={"key": "x", "defaultFlow": "nope"})
    assert missing_flow.status_code == 422
    for body, field in [
        ({}, "key"),
        ({"key": "has space"}, "key"),
        ({"key": "ok", "secret": "not base64!"}, "secret"),
        ({"key": "ok", "secret": 12}, "secret"),
        ({"key": "ok", "colour": "red"}, "colour"),
    ]:
        response = client.post("/api/applications", json=body)
        assert response.status_code == 400, body
        assert field in response.get_json()["error"]["message"], body
    assert client.get("/api/applications/ok").status_code == 404
