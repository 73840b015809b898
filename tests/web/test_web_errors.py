"""Bad requests get one JSON error shape with the right status, never a traceback."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from designer import errors
from designer.web import create_app
from designer.web.errors import STATUS, status_for
from tests.web.documents import flow_doc


def test_malformed_json_names_the_problem(client):
    response = client.post(
        "/api/flows", data='{"format": "callflow/1",\n "nodes": [}', content_type="application/json"
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad-request"
    assert "malformed JSON" in error["message"] and "line 2, column 12" in error["message"]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'{"a": NaN}', "NaN"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"", "required"),
        (b"   ", "required"),
    ],
)
def test_unreadable_bodies_are_400(client, data, fragment):
    response = client.post("/api/flows", data=data, content_type="application/json")
    assert response.status_code == 400
    assert fragment in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "path", ["/api/flows", "/api/applications", "/api/flows/validate", "/api/numbers/+4670000001"]
)
def test_json_null_body_is_400_not_a_missing_body(client, path):
    method = "PUT" if "numbers" in path else "POST"
    response = client.open(path, method=method, data="null", content_type="application/json")
    assert response.status_code == 400


def test_json_null_body_where_a_body_is_optional_is_400(client, make_flow):
    flow = make_flow()
    response = client.post(f"/api/flows/{flow['id']}/versions", data="null",
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert "None is not of type 'object'" in response.get_json()["error"]["message"]


def test_wrong_json_types_name_the_field(client):
    response = client.post("/api/flows", json=["not", "an", "object"])
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid-document"
    response = client.post("/api/applications", json={"key": "k", "name": 12})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["message"].startswith("invalid request body: name:")
    assert error["details"] == [{"path": "name", "message": "12 is not of type 'string'"}]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_non_json_content_types_are_415(client, content_type):
    response = client.post("/api/flows/validate", data='{"format": "callflow/1"}',
                           content_type=content_type)  # fmt: skip
    assert response.status_code == 415
    assert "application/json" in response.get_json()["error"]["message"]


def test_json_suffix_content_types_are_accepted(client):
    response = client.post("/api/flows/validate", json=flow_doc(),
                           content_type="application/vnd.callflow+json")  # fmt: skip
    assert response.status_code == 200


def test_oversized_body_is_413_json(repo_url, clock):
    app = create_app({"DATABASE_URL": repo_url, "MAX_BODY_BYTES": 4096, "CLOCK": clock})
    client = app.test_client()
    big = flow_doc(text="x" * 5000)
    response = client.post("/api/flows", json=big)
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload-too-large" and "4096" in error["message"]
    assert client.post("/api/flows", json=flow_doc()).status_code == 201
    getattr(app.extensions["designer"].repo, "close", lambda: None)()


def test_unknown_route_and_wrong_method_are_json(client):
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not-found"
    wrong = client.delete("/api/nodes")
    assert wrong.status_code == 405
    assert wrong.get_json()["error"]["code"] == "method-not-allowed"
    assert "GET" in wrong.get_json()["error"]["message"]
    assert "GET" in wrong.headers["Allow"]
    assert client.get("/api/flows//versions").status_code == 404  # not a redirect


def test_pages_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "There is no page here" in page and "/no-such-page" in page
    assert 'href="/"' in page  # a way back, in the app's own frame


def test_a_missing_asset_is_a_plain_404(client):
    response = client.get("/assets/no-such-file.js")
    assert response.status_code == 404
    assert "There is no page here" not in response.get_data(as_text=True)


def test_unexpected_exception_is_logged_and_answered_as_json(caplog):
    app = create_app({"DATABASE_URL": "memory://"})

    @app.get("/api/explode")
    def explode():
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = FlaskClient(app).get("/api/explode")
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "internal" and "boom" not in error["message"]
    ref = error["message"].rsplit(" ", 1)[-1]
    assert any(ref in r.getMessage() and r.exc_info for r in caplog.records)


def test_every_designer_error_has_a_4xx_or_503_status():
    classes = [c for c in vars(errors).values() if isinstance(c, type) and
               issubclass(c, errors.DesignerError)]  # fmt: skip
    assert len(classes) >= len(STATUS) - 1  # the tree, looked up along each class's MRO
    for cls in classes:
        status = status_for(cls("x"))
        assert 400 <= status < 500 or status == 503, cls
    assert status_for(errors.InvalidDocument("x")) == 400
    assert status_for(errors.FlowInvalid("x")) == 422
    assert status_for(errors.SignatureInvalid("x")) == 401
