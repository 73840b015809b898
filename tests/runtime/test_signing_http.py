"""Signing through the real callback endpoint: accepted, refused (401 + logged reason)."""

from __future__ import annotations

import logging

import pytest

from designer import signing
from designer.signing import parse_timestamp
from tests.runtime.conftest import add_application

PATH = "/voice/ace"


@pytest.fixture(params=[0, 1], ids=["ace-callback", "charset-in-content-type"])
def vector(request, signing_vectors):
    return signing_vectors["vectors"][request.param]


@pytest.fixture
def signed_app(repo, clock, vector):
    """The vector's application is configured, and the clock reads the vector's time."""
    add_application(repo, vector["key"], vector["secret"])
    clock.now = parse_timestamp(vector["x_timestamp"])
    return repo


def _headers(vector, *, path=PATH, method="POST", content_type=None, x_timestamp=None,
             body=None, key=None, scheme="application"):  # fmt: skip
    """Headers signed as the platform would sign this request (parts overridable)."""
    sig = signing.sign(
        vector["secret"], method, content_type or vector["content_type"],
        x_timestamp or vector["x_timestamp"], path,
        vector["body"].encode() if body is None else body,
    )  # fmt: skip
    return {
        "Authorization": f"{scheme} {key or vector['key']}:{sig}",
        "Content-Type": vector["content_type"],
        "x-timestamp": vector["x_timestamp"],
    }


def _post(client, vector, headers, *, path=PATH, body=None):
    data = vector["body"].encode() if body is None else body
    return client.post(path, data=data, headers=headers)


def test_the_vector_signature_is_what_we_compute(vector):
    sig = signing.sign(vector["secret"], vector["method"], vector["content_type"],
                       vector["x_timestamp"], vector["path"], vector["body"])  # fmt: skip
    assert sig == vector["signature"]


def test_signed_vector_requests_are_accepted(signed_app, client, vector):
    response = _post(client, vector, _headers(vector))
    if '"event":"ace"' in vector["body"]:
        # a real ACE for a call we do not know: the call just continues
        assert response.status_code == 200
        assert response.get_json() == {"instructions": [], "action": {"name": "continue"}}
    else:
        # the verification-API body of this vector is no callback: signature accepted, body not
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "bad-request"


def _tamper(vector, case):
    """(headers, body, path) for one must-fail case of signing-vectors.json."""
    headers, body, path = _headers(vector), None, PATH
    if case == "another path":
        path = "/voice/callback"
    elif case == "another method":
        headers = _headers(vector, method="PUT")
    elif case == "another x-timestamp":
        headers["x-timestamp"] = "2030-01-01T00:00:00Z"
    elif case == "another content type":
        headers["Content-Type"] = "text/plain"
    elif case == "one byte changed in the body":
        raw = bytearray(vector["body"].encode())
        raw[-2] = ord("0") if raw[-2] != ord("0") else ord("2")
        body = bytes(raw)
    elif case == "scheme other than application":
        headers["Authorization"] = headers["Authorization"].replace("application ", "Basic ", 1)
    elif case == "wrong key":
        headers["Authorization"] = headers["Authorization"].replace(vector["key"], "other-key")
    elif case == "signature changed by one character":
        auth = headers["Authorization"]
        headers["Authorization"] = auth[:-2] + ("A" if auth[-2] != "A" else "B") + auth[-1]
    elif case == "Authorization header missing":
        del headers["Authorization"]
    elif case == "x-timestamp header missing":
        del headers["x-timestamp"]
    else:
        raise AssertionError(case)
    return headers, body, path


CASES = [
    "another path", "another method", "another x-timestamp", "another content type",
    "one byte changed in the body", "scheme other than application", "wrong key",
    "signature changed by one character", "Authorization header missing",
    "x-timestamp header missing",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_must_fail_cases_get_401_and_a_logged_reason(signed_app, client, vector, case, caplog):
    headers, body, path = _tamper(vector, case)
    with caplog.at_level(logging.WARNING, logger="designer.web.callbacks"):
        response = _post(client, vector, headers, path=path, body=body)
    assert response.status_code == 401, case
    error = response.get_json()["error"]
    assert error["code"] == "signature-invalid" and error["message"]
    assert any("refused" in r.getMessage() for r in caplog.records)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert vector["secret"] not in logged and vector["secret"] not in response.get_data(
        as_text=True
    )


def test_a_timestamp_far_from_the_clock_is_a_replay(signed_app, client, clock, vector):
    from datetime import timedelta

    clock.now = parse_timestamp(vector["x_timestamp"]) + timedelta(minutes=11)
    response = _post(client, vector, _headers(vector))
    assert response.status_code == 401
    assert "server clock" in response.get_json()["error"]["message"]
    clock.now = parse_timestamp(vector["x_timestamp"]) + timedelta(minutes=9)
    assert _post(client, vector, _headers(vector)).status_code != 401


def test_unsigned_callbacks_are_accepted_while_no_secret_is_configured(client, signing_vectors):
    v = signing_vectors["vectors"][0]
    response = client.post(PATH, data=v["body"], content_type="application/json")
    assert response.status_code == 200


def test_a_payload_naming_another_application_is_refused(repo, clock, client, signing_vectors):
    vector = signing_vectors["vectors"][0]  # the ACE callback
    add_application(repo, vector["key"], vector["secret"])
    clock.now = parse_timestamp(vector["x_timestamp"])
    body = vector["body"].replace('"version":1', '"version":1,"applicationKey":"someone-else"')
    headers = _headers(vector, body=body.encode())
    response = _post(client, vector, headers, body=body.encode())
    assert response.status_code == 401
    assert "someone-else" in response.get_json()["error"]["message"]
