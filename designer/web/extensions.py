"""What the web layer needs from outside, attached to the app in one place.

``app.extensions["designer"]`` holds the repository, the clock and the
settings.  Views reach them through ``designer_state()`` instead of module
globals, so every test builds a fresh app with its own repository and a fixed
clock, and two apps in one process never share state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app

from designer.errors import ConfigError
from designer.repository import Repository

EXTENSION_KEY = "designer"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class DesignerState:
    repo: Repository
    clock: Clock
    settings: Mapping[str, Any]

    def now(self) -> datetime:
        """The current time from the injected clock, checked to be timezone-aware."""
        value = self.clock()
        if value.tzinfo is None:
            raise ConfigError("the configured CLOCK returned a naive datetime; it must be aware")
        return value


def open_configured_repository(config: Mapping[str, Any]) -> Repository:
    """The repository named by ``REPOSITORY`` (an object) or ``DATABASE_URL``.

    A SQL database must be migrated already: ``open_repository`` raises
    ``NotMigrated`` naming ``designer db upgrade`` otherwise, so the server
    refuses to start instead of failing on its first request.
    """
    given = config.get("REPOSITORY")
    if given is not None:
        return given
    from designer.storage import open_repository

    return open_repository(config["DATABASE_URL"])


def init_app(app: Flask) -> DesignerState:
    clock = app.config.get("CLOCK") or utc_now
    if not callable(clock):
        raise ConfigError("config key CLOCK must be a callable returning an aware datetime")
    state = DesignerState(
        repo=open_configured_repository(app.config), clock=clock, settings=app.config
    )
    app.extensions[EXTENSION_KEY] = state
    return state


def designer_state() -> DesignerState:
    """The state of the app handling the current request."""
    return current_app.extensions[EXTENSION_KEY]
