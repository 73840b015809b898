"""Signed callbacks against secrets encrypted at rest: the right keys verify, others are a 401."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from designer import signing
from designer.repository import Application
from designer.storage import SqlRepository, open_repository
from designer.storage.secretbox import ENV_KEYS, SecretBox, new_key
from designer.web import create_app

PATH = "/voice/ace"
OLD, NEW = new_key(), new_key()


@pytest.fixture
def vector(signing_vectors) -> dict:
    return signing_vectors["vectors"][0]  # the ACE callback


@pytest.fixture
def client_with_keys(tmp_path: Path, clock, vector) -> Iterator[Callable[[str], FlaskClient]]:
    """A server whose database holds the vector's application, encrypted with OLD."""
    url = f"sqlite:///{tmp_path / 'designer.db'}"
    writer = open_repository(url, migrate=True, secret_box=SecretBox.of(OLD))
    writer.add_application(Application(key=vector["key"], secret=vector["secret"]))
    writer.close()  # type: ignore[attr-defined]
    clock.now = signing.parse_timestamp(vector["x_timestamp"])
    repos: list[SqlRepository] = []

    def client(keys: str) -> FlaskClient:
        repo = open_repository(url, secret_box=SecretBox.of(keys, ENV_KEYS))
        repos.append(repo)  # type: ignore[arg-type]
        return create_app({"REPOSITORY": repo, "CLOCK": clock, "TESTING": True}).test_client()

    yield client
    for repo in repos:
        repo.close()


def _signed(client: FlaskClient, vector: dict, *, sign: bool = True):
    body = vector["body"].encode()
    headers = {"Content-Type": vector["content_type"], "x-timestamp": vector["x_timestamp"]}
    if sign:
        headers["Authorization"] = signing.authorization(
            vector["key"], vector["secret"], "POST", vector["content_type"],
            vector["x_timestamp"], PATH, body,
        )  # fmt: skip
    return client.post(PATH, data=body, headers=headers)


def test_signed_callbacks_verify_against_the_decrypted_secret(client_with_keys, vector) -> None:
    for keys in (OLD, f"{NEW},{OLD}"):  # as written, and during a rotation
        response = _signed(client_with_keys(keys), vector)
        assert response.status_code == 200, keys
        assert response.get_json() == {"instructions": [], "action": {"name": "continue"}}


def test_a_secret_of_another_key_refuses_the_callback_and_logs_why(
    client_with_keys, vector, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_with_keys(NEW)
    with caplog.at_level(logging.WARNING, logger="designer.web.callbacks"):
        response = _signed(client, vector)
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "signature-invalid"
    assert vector["key"] in error["message"] and ENV_KEYS not in error["message"]
    reasons = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(reasons) == 1 and vector["key"] in reasons[0].getMessage()
    assert "cannot be decrypted" in reasons[0].getMessage()
    assert ENV_KEYS in reasons[0].getMessage()
    assert any("refused" in r.getMessage() for r in caplog.records)
    shown = caplog.text + response.get_data(as_text=True)
    for secret in (vector["secret"], OLD, NEW):
        assert secret not in shown


def test_an_unreadable_secret_still_requires_signing(client_with_keys, vector) -> None:
    response = _signed(client_with_keys(NEW), vector, sign=False)
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "missing Authorization header"


def test_the_api_reports_an_unreadable_secret_without_a_traceback(client_with_keys, vector):
    response = client_with_keys(NEW).get("/api/applications")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "secret-unreadable" and error["details"] == {
        "application": vector["key"]
    }
    assert vector["secret"] not in response.get_data(as_text=True)


def test_a_secret_whose_key_is_lost_is_replaced_by_putting_it_again(client_with_keys, vector):
    """The recovery the docs give: the old secret need not be readable to be replaced."""
    client = client_with_keys(NEW)
    response = client.put(f"/api/applications/{vector['key']}", json={"secret": vector["secret"]})
    assert response.status_code == 200, response.get_json()
    assert client.get("/api/applications").status_code == 200
    assert _signed(client, vector).status_code == 200  # sealed with NEW now: verifies again
