"""The pages' security headers come from one place, ``designer.web.headers``."""

from __future__ import annotations

import pytest
from flask import Flask

from designer.web import create_app
from designer.web.headers import COMMON, PAGE_POLICY


@pytest.fixture
def app(tmp_path) -> Flask:
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in ("editor.js", "editor.css"):
        (dist / name).write_text("/* built */")
    return create_app({"DATABASE_URL": "memory://", "AUTH": "off", "EDITOR_DIST": str(dist)})


@pytest.mark.parametrize("path", ["/", "/calls", "/flows/no-such-flow"])
def test_each_page_has_the_one_page_policy(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    assert response.mimetype == "text/html"
    assert response.headers.getlist("Content-Security-Policy") == [PAGE_POLICY]
    for name, value in COMMON.items():
        assert response.headers.getlist(name) == [value], name
    assert response.headers["Cache-Control"] == "no-store"  # the page holds the CSRF token


def test_the_bundle_is_not_a_page(app: Flask) -> None:
    with app.test_client().get("/assets/editor.js?v=1") as response:  # a file: close it
        assert response.status_code == 200
        assert response.headers["Content-Security-Policy"] != PAGE_POLICY
        assert "no-store" not in response.headers.get("Cache-Control", "")
