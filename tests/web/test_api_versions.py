"""Publishing, versions, rollback and diff over HTTP."""

from __future__ import annotations

from tests.web.documents import broken_doc, flow_doc


def test_publish_creates_version_1_with_location(client, make_flow, clock):
    flow = make_flow()
    response = client.post(
        f"/api/flows/{flow['id']}/versions", json={"comment": "go live", "publishedBy": "ops"}
    )
    assert response.status_code == 201
    version = response.get_json()
    assert response.headers["Location"] == f"/api/flows/{flow['id']}/versions/1"
    assert version["number"] == 1
    assert version["comment"] == "go live"
    assert version["publishedBy"] == "ops"
    assert version["publishedAt"] == "2026-11-25T10:00:00Z"
    assert version["document"] == flow["document"]
    assert client.get(f"/api/flows/{flow['id']}").get_json()["latestVersion"] == 1


def test_publish_without_body_uses_defaults(client, make_flow):
    flow = make_flow()
    response = client.post(f"/api/flows/{flow['id']}/versions")
    assert response.status_code == 201
    assert response.get_json()["comment"] == ""


def test_publish_invalid_draft_is_422_with_findings_and_publishes_nothing(client, make_flow):
    flow = make_flow(broken_doc())
    response = client.post(f"/api/flows/{flow['id']}/versions", json={"comment": "oops"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "flow-invalid"
    assert [(f["code"], f["node"], f["port"]) for f in error["details"]["findings"]] == [
        ("dead-end", "welcome", "next")
    ]
    assert client.get(f"/api/flows/{flow['id']}/versions").get_json() == {"items": []}


def test_publish_with_stale_if_match_is_409(client, make_flow):
    flow = make_flow()
    client.put(f"/api/flows/{flow['id']}", json=flow_doc(text="Newer."))
    response = client.post(f"/api/flows/{flow['id']}/versions", headers={"If-Match": '"1"'})
    assert response.status_code == 409
    assert client.get(f"/api/flows/{flow['id']}/versions").get_json() == {"items": []}


def test_versions_list_get_and_unknown(client, published_flow, clock):
    fid = published_flow["id"]
    client.put(f"/api/flows/{fid}", json=flow_doc(text="Second."))
    clock.advance(hours=1)
    client.post(f"/api/flows/{fid}/versions", json={"comment": "second"})
    items = client.get(f"/api/flows/{fid}/versions").get_json()["items"]
    assert [(v["number"], v["comment"]) for v in items] == [(1, "first"), (2, "second")]
    assert all("document" not in v for v in items)
    assert items[1]["publishedAt"] == "2026-11-25T11:00:00Z"
    v2 = client.get(f"/api/flows/{fid}/versions/2").get_json()
    assert v2["document"]["nodes"][1]["data"]["text"] == "Second."
    assert client.get(f"/api/flows/{fid}/versions/3").status_code == 404
    assert client.get(f"/api/flows/{fid}/versions/abc").status_code == 404


def test_rollback_makes_version_the_draft(client, published_flow):
    fid = published_flow["id"]
    client.put(f"/api/flows/{fid}", json=flow_doc(text="Experiment."))
    response = client.post(f"/api/flows/{fid}/rollback", json={"version": 1})
    assert response.status_code == 200
    draft = response.get_json()
    assert draft["revision"] == 3
    assert response.headers["ETag"] == '"3"'
    assert draft["document"]["nodes"][1]["data"]["text"] == "Welcome to Acme."
    assert draft["latestVersion"] == 1  # rolling back publishes nothing
    assert client.post(f"/api/flows/{fid}/rollback", json={"version": 9}).status_code == 404


def test_rollback_body_is_checked(client, published_flow):
    fid = published_flow["id"]
    for body in ({}, {"version": "1"}, {"version": 0}, {"version": 1, "extra": True}):
        response = client.post(f"/api/flows/{fid}/rollback", json=body)
        assert response.status_code == 400, body
        error = response.get_json()["error"]
        assert "version" in error["message"] or "extra" in error["message"], error


def test_diff_between_version_and_draft(client, published_flow):
    fid = published_flow["id"]
    doc = flow_doc(name="Support line 2", text="Welcome back.")
    doc["nodes"].insert(
        2,
        {"id": "music", "type": "play", "data": {"prompt": "#href[https://example.com/hold.wav]"}},
    )
    doc["edges"] = [
        {"from": "start", "to": "welcome"},
        {"from": "welcome", "to": "music"},
        {"from": "music", "to": "bye"},
    ]
    doc["nodes"][1]["position"] = {"x": 10, "y": 20}  # layout only: not a change
    client.put(f"/api/flows/{fid}", json=doc)

    response = client.get(f"/api/flows/{fid}/diff?from=1&to=draft")
    assert response.status_code == 200
    diff = response.get_json()
    assert diff["from"] == 1 and diff["to"] == "draft"
    assert [n["id"] for n in diff["nodes"]["added"]] == ["music"]
    assert diff["nodes"]["removed"] == []
    assert diff["nodes"]["changed"] == [
        {
            "id": "welcome",
            "changes": [{"param": "text", "from": "Welcome to Acme.", "to": "Welcome back."}],
        }
    ]
    assert diff["edges"]["added"] == [
        {"from": "welcome", "port": "next", "to": "music"},
        {"from": "music", "port": "next", "to": "bye"},
    ]
    assert diff["edges"]["removed"] == [{"from": "welcome", "port": "next", "to": "bye"}]
    assert diff["meta"] == {"name": {"from": "Support line", "to": "Support line 2"}}

    # the defaults are the same comparison: latest version against the draft
    assert client.get(f"/api/flows/{fid}/diff").get_json() == diff
    reverse = client.get(f"/api/flows/{fid}/diff?from=draft&to=1").get_json()
    assert reverse["nodes"]["removed"] == diff["nodes"]["added"]


def test_diff_errors(client, make_flow, published_flow):
    unpublished = make_flow()
    response = client.get(f"/api/flows/{unpublished['id']}/diff")
    assert response.status_code == 422
    assert "publish" in response.get_json()["error"]["message"]
    assert client.get(f"/api/flows/{unpublished['id']}/diff?from=draft").status_code == 200
    fid = published_flow["id"]
    assert client.get(f"/api/flows/{fid}/diff?from=2").status_code == 404
    bad = client.get(f"/api/flows/{fid}/diff?from=latest")
    assert bad.status_code == 400
    assert bad.get_json()["error"]["details"][0]["path"] == "from"
