"""Application settings: ``DESIGNER_*`` environment variables, then an explicit dict.

``gunicorn "designer.web:create_app()"`` passes no arguments, so the
environment is the production interface (DESIGN.md §7); tests and embedders
pass a dict that wins over it.  Each setting is declared once in ``SETTINGS``
with its type, so that ``DESIGNER_MAX_BODY_BYTES=lots`` fails at start-up
with a message naming the variable instead of misbehaving later.  Variables
that are not declared are passed through as strings, so a blueprint can read
its own ``DESIGNER_SOMETHING`` without editing this module (declaring it here
is still better: it gets a type and a line in the documentation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from designer.errors import ConfigError
from designer.housekeeping import EVERY, KEEP_ANSWERS, STALE_AFTER, describe

ENV_PREFIX = "DESIGNER_"
MEMORY_URL = "memory://"


@dataclass(frozen=True)
class Setting:
    default: Any
    type: type
    help: str


SETTINGS: dict[str, Setting] = {
    "DATABASE_URL": Setting(
        None, str,
        "SQLAlchemy URL of the database; default: SQLite file instance/designer.db. "
        f"{MEMORY_URL!r} keeps everything in memory (tests, demos).",
    ),
    "REDIS_URL": Setting(None, str, "redis://… turns on the Redis trace bus (several workers)"),
    "MAX_BODY_BYTES": Setting(2 * 1024 * 1024, int, "largest accepted request body (413 above)"),
    "SECRET_KEY": Setting(None, str, "Flask secret key; default: random per process"),
    "PUBLIC_URL": Setting(None, str, "the URL Sinch reaches this server at (callback URLs)"),
    "TESTING": Setting(False, bool, "Flask testing mode"),
    # access control and hardening (designer.web.access, docs/deployment.md)
    "AUTH": Setting(
        "auto", str,
        "login: 'required', 'off', or 'auto' (required unless the server is only reachable "
        "from this machine: `designer run` on a loopback host, or used in-process)",
    ),
    "BIND_HOST": Setting(None, str, "the interface the server listens on (`designer run --host`)"),
    "SECRET_KEY_FILE": Setting(
        None, str, "where the session key is kept when DESIGNER_SECRET_KEY is not set and "
        "login is required; default: instance/secret_key",
    ),
    "COOKIE_SECURE": Setting(
        "auto", str, "session cookie Secure flag: 'auto' (when the request or the public URL "
        "is https), 'true' or 'false'",
    ),
    "SESSION_HOURS": Setting(12, int, "how long a login lasts after its last request"),
    "TRUSTED_PROXIES": Setting(
        None, int, "reverse proxies in front of the server whose X-Forwarded-* to trust (1 behind "
        "nginx)",
    ),
    "LOGIN_ATTEMPTS_PER_MINUTE": Setting(10, int, "failed sign-ins per client address and worker"),
    "WS_SUBSCRIBE_BURST": Setting(20, int, "websocket subscriptions a client may open at once"),
    "WS_SUBSCRIBE_PER_MINUTE": Setting(60, int, "websocket subscriptions per client, sustained"),
    "MAX_FLOW_NODES": Setting(5000, int, "largest number of nodes in a flow (413 above)"),
    "MAX_FLOW_EDGES": Setting(20000, int, "largest number of edges in a flow (413 above)"),
    "MAX_FLOW_NOTES": Setting(1000, int, "largest number of canvas notes in a flow (413 above)"),
    "MAX_TEXT_CHARS": Setting(10000, int, "longest text anywhere in a flow (413 above)"),
    "HEALTH_TIMEOUT_MS": Setting(1500, int, "how long /healthz waits for the database or Redis"),
    "CALLBACK_BUDGET_MS": Setting(
        3000, int, "how long a Sinch callback may wait for the database in total before it is "
        "answered with safe SVAML (Sinch waits 5 s)",
    ),
    # housekeeping (designer.web.housekeeping, docs/deployment.md); durations like 10m, 6h, 1d
    "HOUSEKEEPING": Setting(
        True, bool, "each worker ends calls whose DiCE never came and deletes old callback "
        "answers by itself, at most every HOUSEKEEPING_EVERY (off: run `designer db "
        "housekeeping` from cron instead)",
    ),
    "HOUSEKEEPING_EVERY": Setting(describe(EVERY), str, "how often each worker runs housekeeping"),
    "STALE_CALL_AFTER": Setting(
        describe(STALE_AFTER), str, "an active call with no callback for this long is ended "
        "as lost",
    ),
    "KEEP_CALLBACK_ANSWERS": Setting(
        describe(KEEP_ANSWERS), str, "how long the answer to a callback is kept for a retry of it",
    ),
}  # fmt: skip

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(key: str, raw: Any, source: str) -> Any:
    setting = SETTINGS.get(key)
    if setting is None or raw is None:
        return raw
    kind = setting.type
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise ConfigError(f"{source} must be a boolean (1/0, true/false), got {raw!r}")
    if kind is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            value = raw
        elif isinstance(raw, str) and raw.strip().isdigit():
            value = int(raw.strip())
        else:
            raise ConfigError(f"{source} must be a whole number, got {raw!r}")
        if value <= 0:
            raise ConfigError(f"{source} must be positive, got {value}")
        return value
    if not isinstance(raw, str):
        raise ConfigError(f"{source} must be a string, got {type(raw).__name__}")
    return raw.strip() or None


def load_config(
    env: Mapping[str, str], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Defaults, then ``DESIGNER_*`` variables, then ``overrides`` (Flask config keys)."""
    config: dict[str, Any] = {key: s.default for key, s in SETTINGS.items()}
    for name, raw in env.items():
        if name.startswith(ENV_PREFIX) and len(name) > len(ENV_PREFIX):
            key = name[len(ENV_PREFIX) :]
            config[key] = _coerce(key, raw, f"environment variable {name}")
    for key, raw in (overrides or {}).items():
        config[key] = _coerce(key, raw, f"config key {key}")
    return config


def default_database_url() -> str:
    """The embedded default, shared with the CLI: ``sqlite:///instance/designer.db``.

    Relative to the working directory (the folder is created), exactly as
    ``designer db upgrade`` resolves it, so both always open the same file.
    """
    from designer.storage import DEFAULT_URL

    Path("instance").mkdir(exist_ok=True)
    return DEFAULT_URL
