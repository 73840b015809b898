"""Access control for every request, decided in one place.

``PERMISSIONS`` maps each Flask endpoint to the ``Permission`` it needs (see
``designer.accounts`` for the roles).  One ``before_request`` hook reads it
for every request, so a view cannot forget its check: an endpoint missing
from the table is treated as admin-only and logged, and the test suite
fails on it (``tests/security``).

Who is asking:

- ``Authorization: Bearer <token>``: an API token (scripts, notebooks); no
  CSRF token needed, since browsers never add that header on their own;
- the signed session cookie set by ``/login`` (the browser); requests that
  change something must carry the page's CSRF token in ``X-CSRF-Token``;
- nobody, when login is off: the caller acts as an admin.

Whether login is required is ``DESIGNER_AUTH``: ``required``, ``off`` or
``auto`` (the default), which requires it unless the server can tell it is
reachable from this machine only (``decide_auth``).  When that is because
it listens on a loopback address, requests must name a loopback host, so a
web page cannot reach the designer through DNS rebinding; browsers'
cross-site writes are refused in every mode (``Sec-Fetch-Site``/``Origin``).

The Sinch callbacks (``/voice/*``) are public here: their authentication is
the request signature (``designer.web.callbacks``), never a login.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    Request,
    Response,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from designer import accounts
from designer.accounts import ROLE_FOR, AccountStore, Permission, User
from designer.errors import (
    ConfigError,
    CsrfRejected,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from designer.storage import keyfile
from designer.web.extensions import EXTENSION_KEY, designer_state
from designer.web.ratelimit import RateLimiter

log = logging.getLogger(__name__)

ACCESS_KEY = "designer.access"
PUBLIC, READ, EDIT, PUBLISH, ADMIN = (
    Permission.PUBLIC,
    Permission.READ,
    Permission.EDIT,
    Permission.PUBLISH,
    Permission.ADMIN,
)

# The one table: endpoint -> what it needs.  Keep it sorted by what it grants.
PERMISSIONS: dict[str, Permission] = {
    # Sinch callbacks: authenticated by the request signature, never by a login.
    "callbacks.callback": PUBLIC,
    "callbacks.ice_callback": PUBLIC,
    "callbacks.ace_callback": PUBLIC,
    "callbacks.dice_callback": PUBLIC,
    "callbacks.pie_callback": PUBLIC,
    "callbacks.notify_callback": PUBLIC,
    # operations, signing in, and files that hold no data
    "health.healthz": PUBLIC,
    "login.login": PUBLIC,
    "login.logout": PUBLIC,
    "pages.assets": PUBLIC,
    "static": PUBLIC,
    # viewer: read everything, watch calls live
    "pages.flows": READ,
    "pages.editor": READ,
    "pages.calls": READ,
    "pages.api_docs": READ,
    "openapi.openapi_json": READ,
    "nodes.list_node_types": READ,
    "flows.list_flows": READ,
    "flows.get_flow": READ,
    "flows.export_flow": READ,
    "flows.validate_document": READ,  # computes findings, changes nothing
    "flows.validate_flow": READ,
    "flows.layout_document": READ,  # the canvas lays out unplaced nodes when it opens
    "flows.layout_flow": READ,
    "versions.list_versions": READ,
    "versions.get_version": READ,
    "versions.diff": READ,
    "numbers.list_numbers": READ,
    "numbers.get_number": READ,
    "applications.list_applications": READ,  # secrets are never returned
    "applications.get_application": READ,
    "calls.list_calls": READ,
    "calls.get_call": READ,
    "events.list_events": READ,  # the calls' trace events, many calls a request
    "stats.flow_stats": READ,
    "sim.get": READ,
    "ws.traces": READ,
    "users.me": READ,
    "users.change_own_password": READ,
    "users.list_tokens": READ,  # one's own tokens (admins: anyone's)
    "users.create_token": READ,
    "users.delete_token": READ,
    # editor: change drafts, simulate
    "flows.create_flow": EDIT,
    "flows.update_flow": EDIT,
    "flows.delete_flow": EDIT,
    "sim.start": EDIT,
    "sim.dtmf": EDIT,
    "sim.silence": EDIT,
    "sim.hangup": EDIT,
    "sim.callee": EDIT,
    "sim.talk": EDIT,
    # publisher: what live calls run
    "versions.publish": PUBLISH,
    "versions.rollback": PUBLISH,
    "numbers.bind_number": PUBLISH,
    "numbers.unbind_number": PUBLISH,
    "applications.create_application": PUBLISH,
    "applications.update_application": PUBLISH,
    "applications.delete_application": PUBLISH,
    # admin: people
    "users.list_users": ADMIN,
    "users.create_user": ADMIN,
    "users.get_user": ADMIN,
    "users.update_user": ADMIN,
    "users.delete_user": ADMIN,
}

# Endpoints whose requests open a websocket subscription (rate limited per client).
WEBSOCKETS: frozenset[str] = frozenset({"ws.traces"})

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
MACHINE_PREFIXES = ("/api/", "/ws/", "/voice/")
_LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})
_AUTH_MODES = ("auto", "required", "off")


def permission_for(endpoint: str | None) -> Permission:
    """What ``endpoint`` needs; an undeclared endpoint is admin-only (and a bug)."""
    if endpoint is None:
        return PUBLIC  # no route matched: Flask answers 404/405
    needed = PERMISSIONS.get(endpoint)
    if needed is None:
        log.error("no permission declared for endpoint %r: treated as admin-only", endpoint)
        return ADMIN
    return needed


# --- is login required? -------------------------------------------------------------


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (a name or address, IPv6 with or without brackets) is this machine."""
    if not host:
        return False
    name = host.strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class AuthDecision:
    required: bool
    local_only: bool  # no login because only this machine connects: Host must be loopback
    reason: str


def _server_in_front(modules: Mapping[str, Any], environ: Mapping[str, str]) -> str | None:
    """The production WSGI server running this process, when it can be told."""
    if environ.get("SERVER_SOFTWARE", "").lower().startswith("gunicorn"):
        return "gunicorn"  # set by gunicorn's arbiter, inherited by its workers
    for name in ("uwsgi", "mod_wsgi"):  # modules that exist only inside those servers
        if name in modules:
            return name
    return None


def decide_auth(
    config: Mapping[str, Any],
    *,
    modules: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> AuthDecision:
    """Whether this app requires login, and why (logged at start-up).

    ``auto`` is off only where the server is known to be reachable from this
    machine alone: ``designer run`` on a loopback host (``BIND_HOST``) or an
    app used in-process (tests, notebooks, the simulator's own transport),
    and no ``PUBLIC_URL`` elsewhere.  Under gunicorn it is required: behind
    nginx gunicorn listens on a loopback address too, so the address says
    nothing there.  Another WSGI server in front of ``create_app()`` cannot
    be seen: set ``DESIGNER_AUTH=required`` for it.
    """
    raw = config.get("AUTH") or "auto"
    mode = raw.strip().lower() if isinstance(raw, str) else raw
    if mode not in _AUTH_MODES:
        raise ConfigError(f"DESIGNER_AUTH must be one of {', '.join(_AUTH_MODES)}; got {raw!r}")
    if mode == "required":
        return AuthDecision(True, False, "DESIGNER_AUTH=required")
    if mode == "off":
        return AuthDecision(False, False, "DESIGNER_AUTH=off")
    public = config.get("PUBLIC_URL")
    if public and not is_loopback(urlsplit(public).hostname):
        return AuthDecision(True, False, f"the public URL {public} is reachable from elsewhere")
    bind = config.get("BIND_HOST")
    if bind:
        if is_loopback(bind):
            return AuthDecision(False, True, f"listening on {bind}: this machine only")
        return AuthDecision(True, False, f"listening on {bind}")
    server = _server_in_front(
        sys.modules if modules is None else modules, os.environ if environ is None else environ
    )
    if server is not None:
        return AuthDecision(True, False, f"served by {server}")
    # No socket, so no DNS rebinding to fear: the simulator's in-process transport
    # and the test client use made-up host names.
    return AuthDecision(False, False, "used in-process, with no server listening")


# --- who is asking --------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """The caller of the current request."""

    name: str | None  # None: login is off, nobody signed in
    role: str
    via: str  # "session" | "token" | "local"

    def may(self, needed: Permission) -> bool:
        return accounts.allows(self.role, needed)


LOCAL = Principal(name=None, role="admin", via="local")


@dataclass
class AccessState:
    decision: AuthDecision
    store: AccountStore
    websockets: RateLimiter
    logins: RateLimiter


def access_state(app: Flask | None = None) -> AccessState:
    return (app or current_app).extensions[ACCESS_KEY]


def current_principal() -> Principal | None:
    """Who is asking (set for every request that needs a permission), else None."""
    return g.get("principal")


def acting_user() -> str | None:
    """The signed-in user's name, for audit fields such as ``publishedBy``; None when off."""
    principal = current_principal()
    return principal.name if principal is not None else None


def login_required(app: Flask | None = None) -> bool:
    return access_state(app).decision.required


def client_key() -> str:
    """The client for rate limits: the remote address (the real one behind a trusted proxy)."""
    return request.remote_addr or "unknown"


# --- sessions and CSRF ------------------------------------------------------------------


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure when served over https (``COOKIE_SECURE=auto``)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = str(app.config.get("COOKIE_SECURE") or "auto").strip().lower()
        if setting in ("true", "1", "yes", "on"):
            return True
        if setting in ("false", "0", "no", "off"):
            return False
        public = app.config.get("PUBLIC_URL") or ""
        return public.startswith("https://") or (has_request_context() and request.is_secure)


def csrf_token() -> str:
    """The session's CSRF token (made on first use); pages put it in a meta tag."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_matches(sent: str | None) -> bool:
    """Whether ``sent`` is this session's CSRF token (compared in constant time)."""
    expected = session.get("csrf")
    return bool(sent and expected) and hmac.compare_digest(str(sent), str(expected))


def log_in(user: User) -> None:
    """Start a fresh session for ``user`` (a new CSRF token: nothing carries over)."""
    session.clear()
    session.permanent = True
    session["user"] = user.name
    session["stamp"] = user.session_stamp
    session["csrf"] = secrets.token_urlsafe(32)


def log_out() -> None:
    session.clear()


def refresh_session(user: User) -> None:
    """Keep the current session valid after the user changed their own password."""
    if session.get("user") == user.name:
        session["stamp"] = user.session_stamp


# --- the request guard --------------------------------------------------------------------


def cross_site(req: Request) -> bool:
    """Whether a browser sent this request from another site (or an opaque origin)."""
    site = req.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site.strip().lower() not in ("same-origin", "none")
    origin = req.headers.get("Origin")
    if origin is None:
        return False  # not a browser, or one too old to say: the CSRF token still applies
    parts = urlsplit(origin)
    if parts.netloc and parts.netloc.lower() == req.host.lower():
        return False
    public = current_app.config.get("PUBLIC_URL")
    return not (public and urlsplit(public).netloc.lower() == parts.netloc.lower())


def _is_page(req: Request) -> bool:
    return not req.path.startswith(MACHINE_PREFIXES)


def _unauthorized(message: str) -> Unauthorized:
    exc = Unauthorized(message)
    exc.headers = {"WWW-Authenticate": 'Bearer realm="designer"'}  # type: ignore[attr-defined]
    return exc


def _from_token(store: AccountStore, header: str) -> Principal:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise _unauthorized("the Authorization header must be 'Bearer <API token>'")
    found = accounts.check_token(store, value.strip(), designer_state().now())
    if found is None:
        raise _unauthorized("the API token is unknown, revoked or expired")
    user, _token = found
    return Principal(name=user.name, role=user.role, via="token")


def _from_session(store: AccountStore) -> Principal | None:
    name = session.get("user")
    if not name:
        return None
    try:
        user = store.get_user(name)
    except NotFound:
        user = None
    if user is None or not hmac.compare_digest(str(session.get("stamp", "")), user.session_stamp):
        session.clear()  # deleted user or changed password: that login is over
        return None
    return Principal(name=user.name, role=user.role, via="session")


def _check_local_host(req: Request) -> None:
    """Local mode answers only to loopback names (defeats DNS rebinding)."""
    host = urlsplit(f"//{req.host}").hostname
    bind = current_app.config.get("BIND_HOST")
    if is_loopback(host) or (bind and host == bind.strip("[]").lower()):
        return
    raise Forbidden(
        f"this designer runs without login and answers only to localhost, not to {req.host!r}; "
        "to serve it to other machines, set DESIGNER_AUTH=required and create users "
        "(`designer user create NAME --role admin`)"
    )


def _deny(principal: Principal, needed: Permission) -> Forbidden:
    return Forbidden(
        f"{principal.name or 'you'} ({principal.role}) may not do this: it needs the "
        f"{ROLE_FOR[needed]} role",
        details={"role": principal.role, "needs": ROLE_FOR[needed]},
    )


def _guard() -> Response | None:
    endpoint = request.endpoint
    needed = permission_for(endpoint)
    if needed is PUBLIC:
        return None  # the callback hot path ends here
    state = access_state()
    unsafe = request.method not in SAFE_METHODS
    if (unsafe or endpoint in WEBSOCKETS) and cross_site(request):
        raise CsrfRejected(
            "refused a request from another web site; use the designer's own pages or an API token"
        )
    if not state.decision.required:
        if state.decision.local_only:
            _check_local_host(request)
        principal = LOCAL
    else:
        header = request.headers.get("Authorization")
        principal = _from_token(state.store, header) if header else _from_session(state.store)
        if principal is None:
            if _is_page(request) and request.method == "GET":
                return redirect(url_for("login.login", next=request.full_path.rstrip("?")))
            raise _unauthorized("sign in first (/login), or send 'Authorization: Bearer <token>'")
        if not principal.may(needed):
            if _is_page(request):
                denied = _deny(principal, needed)
                return Response(render_template("auth/forbidden.html", message=denied.message), 403)
            raise _deny(principal, needed)
        if (
            principal.via == "session"
            and unsafe
            and not csrf_matches(request.headers.get(CSRF_HEADER))
        ):
            raise CsrfRejected(
                f"missing or wrong {CSRF_HEADER} header: send the token of the page's "
                '<meta name="csrf-token"> with every change (API tokens need none)'
            )
    g.principal = principal
    if endpoint in WEBSOCKETS:
        wait = state.websockets.take(principal.name or client_key())
        if wait is not None:
            exc = TooManyRequests(
                f"too many live subscriptions opened; try again in {wait:.0f} s",
                details={"retryAfter": wait},
            )
            exc.headers = {"Retry-After": str(int(wait))}  # type: ignore[attr-defined]
            raise exc
    return None


# --- the OpenAPI description -------------------------------------------------------------------

SECURITY_SCHEMES: dict[str, Any] = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "an API token (`designer token create NAME` or POST /api/tokens)",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "designer_session",
        "description": "the browser's sign-in (/login); changes also need the X-CSRF-Token "
        "header with the page's csrf-token",
    },
}
_DENIALS = {
    "401": "not signed in, or an unknown, revoked or expired API token",
    "403": "the caller's role does not allow this, or a browser request without the CSRF token",
}


def document_operation(operation: dict[str, Any], endpoint: str) -> None:
    """Add who may call ``endpoint`` to its OpenAPI operation (``x-permission``, security)."""
    needed = PERMISSIONS.get(endpoint, ADMIN)
    operation["x-permission"] = ROLE_FOR.get(needed, "public")
    if needed is PUBLIC:
        operation["security"] = []
        return
    operation["security"] = [{"bearerToken": []}, {"sessionCookie": []}]
    responses = operation.setdefault("responses", {})
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for status, text in _DENIALS.items():
        responses.setdefault(status, {"description": text, "content": error})
    fallback = responses.pop("default", None)
    ordered = dict(sorted(responses.items()))
    if fallback is not None:
        ordered["default"] = fallback
    operation["responses"] = ordered


# --- set-up ---------------------------------------------------------------------------------


def _secret_key(app: Flask, decision: AuthDecision) -> str:
    """The configured key; with login required and none configured, one kept in a file.

    Sessions must verify on every worker and survive restarts, which a random
    per-process key would not.  Several hosts must share DESIGNER_SECRET_KEY.
    """
    configured = app.config.get("SECRET_KEY")
    if configured:
        return configured
    if not decision.required:
        return secrets.token_hex(32)
    # beside the embedded database: instance/ in the working directory
    path = Path(app.config.get("SECRET_KEY_FILE") or Path("instance") / "secret_key")
    try:
        text, created = keyfile.read_or_create(path, lambda: secrets.token_hex(32))
    except OSError as exc:
        raise ConfigError(
            f"login is required and DESIGNER_SECRET_KEY is not set, and the key file {path} "
            f"cannot be used: {exc}"
        ) from None
    if created:
        log.warning("generated a session key in %s (set DESIGNER_SECRET_KEY to choose)", path)
    key = text.strip()
    if len(key) < 32:
        raise ConfigError(f"the session key in {path} is too short; delete it to make a new one")
    return key


def _limit(app: Flask, key: str) -> int:
    value = app.config.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"DESIGNER_{key} must be a positive whole number, got {value!r}")
    return value


def init_app(app: Flask) -> AccessState:
    """Decide about login, configure the session cookie, and guard every request."""
    from designer.storage.accounts import accounts_for

    decision = decide_auth(app.config)
    app.config["SECRET_KEY"] = _secret_key(app, decision)
    app.config.update(
        SESSION_COOKIE_NAME="designer_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=_limit(app, "SESSION_HOURS")),
    )
    app.session_interface = _SessionInterface()
    proxies = app.config.get("TRUSTED_PROXIES")
    if proxies:
        n = _limit(app, "TRUSTED_PROXIES")
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    burst = _limit(app, "WS_SUBSCRIBE_BURST")
    state = AccessState(
        decision=decision,
        store=accounts_for(app.extensions[EXTENSION_KEY].repo),
        websockets=RateLimiter(burst, _limit(app, "WS_SUBSCRIBE_PER_MINUTE")),
        logins=RateLimiter(
            _limit(app, "LOGIN_ATTEMPTS_PER_MINUTE"), _limit(app, "LOGIN_ATTEMPTS_PER_MINUTE")
        ),
    )
    app.extensions[ACCESS_KEY] = state
    app.before_request(_guard)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_principal"] = current_principal
    log.info("login %s: %s", "required" if decision.required else "off", decision.reason)
    if decision.required:
        _warn_without_users(state.store)
    return state


def _warn_without_users(store: AccountStore) -> None:
    try:
        if not store.list_users():
            log.warning(
                "login is required but there are no users yet: create one with "
                "`designer user create NAME --role admin`"
            )
    except Exception as exc:  # the database may be down at start-up; /healthz reports it
        log.warning("could not count users: %s", exc)


def describe(app: Flask) -> str:
    """One line for start-up output: whether login is required and why."""
    decision = access_state(app).decision
    return f"login {'required' if decision.required else 'off'} ({decision.reason})"
