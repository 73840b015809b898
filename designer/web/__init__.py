"""The Flask application: ``create_app()`` is the WSGI entry point.

``gunicorn "designer.web:create_app()"`` reads its settings from ``DESIGNER_*``
environment variables; tests pass a dict.  Blueprints are listed once in
``BLUEPRINTS`` (module path, each module exposing ``bp``): adding a part of
the web surface is one line there.  This package is the only one that
imports Flask.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from designer.web import access, errors, extensions, headers, housekeeping
from designer.web.config import default_database_url, load_config

BLUEPRINTS: tuple[str, ...] = (
    "designer.web.openapi",
    "designer.web.api.nodes",
    "designer.web.api.flows",
    "designer.web.api.versions",
    "designer.web.api.numbers",
    "designer.web.api.applications",
    "designer.web.api.calls",
    "designer.web.api.events",
    "designer.web.api.stats",
    "designer.web.callbacks",
    "designer.web.ws",
    "designer.web.sim",
    "designer.web.pages",
    "designer.web.api.users",
    "designer.web.login",
    "designer.web.health",
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A new application with its own repository, clock and settings.

    ``config`` overrides the environment; besides the ``SETTINGS`` of
    ``designer.web.config`` it may hold ``REPOSITORY`` (an already open
    repository) and ``CLOCK`` (a callable returning an aware UTC datetime).
    Raises ``NotMigrated`` when the database schema is not current.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(os.environ, config))
    if not app.config.get("DATABASE_URL") and app.config.get("REPOSITORY") is None:
        # The same rule as ``designer db upgrade``: instance/designer.db in the
        # working directory, so the server opens the file the CLI migrated.
        app.config["DATABASE_URL"] = default_database_url()
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    app.json.sort_keys = False  # keep documents in the order their authors wrote them
    app.url_map.merge_slashes = False  # "//" is a missing id (404), not a redirect

    housekeeping.init_app(app)  # stale calls, old answers; settings checked before opening the db
    extensions.init_app(app)
    errors.init_app(app)
    access.init_app(app)  # login, session cookie, the permission check of every request
    headers.init_app(app)  # security headers on every response
    for module in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module).bp)
    return app
