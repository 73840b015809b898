"""Flow drafts over HTTP: CRUD, ETag/If-Match, validation, export and layout."""

from __future__ import annotations

import json
import threading

import pytest

from tests.conftest import need_dot
from tests.web.documents import broken_doc, flow_doc


def test_create_returns_201_location_etag_and_normalised_document(client):
    doc = flow_doc()
    doc["edges"][0]["port"] = "next"  # the default port is dropped when stored
    response = client.post("/api/flows", json=doc)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/flows/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert body["revision"] == 1
    assert body["name"] == "Support line"
    assert body["latestVersion"] is None
    assert body["nodeCount"] == 3
    assert body["createdAt"] == "2026-11-25T10:00:00Z"
    assert body["document"]["edges"][0] == {"from": "start", "to": "welcome"}


def test_list_get_and_delete(client, make_flow):
    a = make_flow(flow_doc("Alpha"))
    b = make_flow(flow_doc("Beta"))
    items = client.get("/api/flows").get_json()["items"]
    assert {i["id"] for i in items} == {a["id"], b["id"]}
    assert all("document" not in i and i["nodeCount"] == 3 for i in items)

    got = client.get(f"/api/flows/{a['id']}")
    assert got.status_code == 200
    assert got.headers["ETag"] == '"1"'
    assert got.get_json()["document"]["name"] == "Alpha"

    assert client.delete(f"/api/flows/{a['id']}").status_code == 204
    assert client.get(f"/api/flows/{a['id']}").status_code == 404
    assert [i["id"] for i in client.get("/api/flows").get_json()["items"]] == [b["id"]]


def test_structurally_broken_document_is_400_with_paths(client):
    doc = flow_doc()
    doc["nodes"][1]["id"] = "has space"
    doc["nodes"].append({"id": "start", "type": "hangup"})
    response = client.post("/api/flows", json=doc)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid-document"
    assert {d["path"] for d in error["details"]} == {"nodes[1].id", "nodes[3].id"}
    assert client.get("/api/flows").get_json()["items"] == []


def test_save_with_if_match_bumps_revision(client, make_flow, clock):
    flow = make_flow()
    clock.advance(minutes=5)
    response = client.put(
        f"/api/flows/{flow['id']}", json=flow_doc(text="Hello again."), headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    body = response.get_json()
    assert body["revision"] == 2
    assert body["updatedAt"] == "2026-11-25T10:05:00Z"
    assert body["document"]["nodes"][1]["data"]["text"] == "Hello again."


def test_stale_if_match_is_409_and_nothing_is_overwritten(client, make_flow):
    flow = make_flow()
    url = f"/api/flows/{flow['id']}"
    assert (
        client.put(url, json=flow_doc(text="First."), headers={"If-Match": '"1"'}).status_code
        == 200
    )
    stale = client.put(url, json=flow_doc(text="Stale."), headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "conflict"
    current = client.get(url).get_json()
    assert current["revision"] == 2
    assert current["document"]["nodes"][1]["data"]["text"] == "First."


def test_revision_in_body_is_an_alternative_to_if_match(client, make_flow):
    flow = make_flow()
    url = f"/api/flows/{flow['id']}"
    ok = client.put(url, json={**flow_doc(text="Via body."), "revision": 1})
    assert ok.status_code == 200 and ok.get_json()["revision"] == 2
    stale = client.put(url, json={**flow_doc(text="Stale."), "revision": 1})
    assert stale.status_code == 409
    assert client.get(url).get_json()["document"]["nodes"][1]["data"]["text"] == "Via body."


def test_save_without_precondition_is_last_write_wins(client, make_flow):
    flow = make_flow()
    url = f"/api/flows/{flow['id']}"
    assert client.put(url, json=flow_doc(text="One.")).status_code == 200
    response = client.put(url, json=flow_doc(text="Two."))
    assert response.status_code == 200 and response.get_json()["revision"] == 3


@pytest.mark.parametrize(
    ("headers", "body_extra", "fragment"),
    [
        ({"If-Match": "yesterday"}, {}, "If-Match"),
        ({"If-Match": '"1", "2"'}, {}, "If-Match"),
        ({"If-Match": '"1"'}, {"revision": 2}, "disagree"),
        ({}, {"revision": "1"}, "revision"),
        ({}, {"revision": True}, "revision"),
    ],
)
def test_bad_preconditions_are_400(client, make_flow, headers, body_extra, fragment):
    flow = make_flow()
    url = f"/api/flows/{flow['id']}"
    response = client.put(url, json={**flow_doc(text="X."), **body_extra}, headers=headers)
    assert response.status_code == 400
    assert fragment in response.get_json()["error"]["message"]
    assert client.get(url).get_json()["revision"] == 1


def test_delete_with_stale_if_match_is_409_and_keeps_the_flow(client, make_flow):
    flow = make_flow()
    url = f"/api/flows/{flow['id']}"
    client.put(url, json=flow_doc(text="Changed."))
    assert client.delete(url, headers={"If-Match": '"1"'}).status_code == 409
    assert client.get(url).status_code == 200
    assert client.delete(url, headers={"If-Match": '"2"'}).status_code == 204


def test_concurrent_saves_of_one_revision_one_wins_one_conflicts(app, make_flow):
    flow = make_flow()
    url = f"/api/flows/{flow['id']}"
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def save(text: str) -> None:
        with app.test_client() as own_client:  # one client per thread, as two browsers
            barrier.wait()
            response = own_client.put(url, json=flow_doc(text=text), headers={"If-Match": '"1"'})
            results[text] = response.status_code

    threads = [threading.Thread(target=save, args=(t,)) for t in ("Left.", "Right.")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()) == [200, 409]
    winner = next(text for text, status in results.items() if status == 200)
    current = app.test_client().get(url).get_json()
    assert current["revision"] == 2
    assert current["document"]["nodes"][1]["data"]["text"] == winner


def test_validate_posted_document_and_draft(client, make_flow):
    ok = client.post("/api/flows/validate", json=flow_doc())
    assert ok.status_code == 200 and ok.get_json() == {"ok": True, "findings": []}

    bad = client.post("/api/flows/validate", json=broken_doc()).get_json()
    assert bad["ok"] is False
    assert {"severity": "error", "code": "dead-end", "node": "welcome", "port": "next"}.items() <= (
        bad["findings"][0].items()
    )

    flow = make_flow(broken_doc())  # a broken flow can still be saved...
    draft = client.post(f"/api/flows/{flow['id']}/validate").get_json()
    assert draft == bad  # ...and its findings are the same as for the posted document

    unreadable = client.post("/api/flows/validate", json={"format": "callflow/0", "nodes": 3})
    assert unreadable.status_code == 400
    assert {d["path"] for d in unreadable.get_json()["error"]["details"]} >= {"format", "nodes"}


def test_export_json_and_svaml(client, make_flow):
    flow = make_flow()
    response = client.get(f"/api/flows/{flow['id']}/export?format=json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="support-line.json"'
    assert response.get_json() == flow["document"]

    svaml = client.get(f"/api/flows/{flow['id']}/export?format=svaml")
    assert svaml.status_code == 200
    assert svaml.headers["Content-Disposition"].endswith('filename="support-line.svaml.json"')
    start = svaml.get_json()["start"]
    assert start["instructions"][0] == {
        "name": "say",
        "text": "Welcome to Acme.",
        "locale": "en-US",
    }
    assert start["action"] == {"name": "hangup"}


def test_export_svaml_of_invalid_flow_is_422_with_findings(client, make_flow):
    flow = make_flow(broken_doc())
    response = client.get(f"/api/flows/{flow['id']}/export?format=svaml")
    assert response.status_code == 422
    findings = response.get_json()["error"]["details"]["findings"]
    assert [f["code"] for f in findings] == ["dead-end"]


def test_export_dot_and_svg(client, make_flow):
    flow = make_flow()
    dot = client.get(f"/api/flows/{flow['id']}/export?format=dot")
    assert dot.status_code == 200
    assert dot.mimetype == "text/vnd.graphviz"
    assert dot.headers["Content-Disposition"].endswith('filename="support-line.dot"')
    assert dot.get_data(as_text=True).lstrip().startswith("digraph")
    need_dot()
    svg = client.get(f"/api/flows/{flow['id']}/export?format=svg&findings=true")
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    assert "<svg" in svg.get_data(as_text=True)


def test_export_rejects_unknown_format_and_version(client, make_flow):
    flow = make_flow()
    bad = client.get(f"/api/flows/{flow['id']}/export?format=pdf")
    assert bad.status_code == 400
    assert "format" in bad.get_json()["error"]["message"]
    assert client.get(f"/api/flows/{flow['id']}/export?version=7").status_code == 404
    assert client.get("/api/flows/nope/export").status_code == 404


def test_layout_of_draft_and_of_posted_document(client, make_flow):
    need_dot()
    flow = make_flow()
    positions = client.post(f"/api/flows/{flow['id']}/layout").get_json()
    assert set(positions) == {"start", "welcome", "bye"}
    # left to right: each step of the flow lies further right
    assert positions["start"]["x"] < positions["welcome"]["x"] < positions["bye"]["x"]
    posted = client.post("/api/flows/layout", json=flow_doc())
    assert posted.status_code == 200 and posted.get_json() == positions
    assert client.get(f"/api/flows/{flow['id']}").get_json()["revision"] == 1  # unchanged


def test_unknown_flow_is_404_everywhere(client):
    for method, path in [
        ("GET", "/api/flows/nope"),
        ("PUT", "/api/flows/nope"),
        ("DELETE", "/api/flows/nope"),
        ("POST", "/api/flows/nope/validate"),
        ("POST", "/api/flows/nope/layout"),
        ("GET", "/api/flows/nope/versions"),
        ("GET", "/api/flows/nope/versions/1"),
        ("GET", "/api/flows/nope/diff?from=draft"),
    ]:
        kwargs = {"json": flow_doc()} if method == "PUT" else {}
        response = client.open(path, method=method, **kwargs)
        assert response.status_code == 404, (method, path)
        assert response.get_json()["error"]["code"] == "not-found"


def test_document_round_trips_unicode_and_key_order(client):
    doc = flow_doc(name="Kundtjänst ✆", text="Välkommen!")
    doc["nodes"][1]["data"] = {"text": "Välkommen!", "locale": "sv-SE"}  # not alphabetical
    body = client.post("/api/flows", json=doc).get_json()
    data = json.loads(client.get(f"/api/flows/{body['id']}").get_data(as_text=True))
    assert data["name"] == "Kundtjänst ✆"
    assert list(data["document"]["nodes"][1]["data"].items()) == [
        ("text", "Välkommen!"),
        ("locale", "sv-SE"),
    ]
