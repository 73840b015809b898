"""Signing in and out of the browser pages: ``/login`` and ``/logout``.

Plain server-rendered forms (no script), so that signing in works before
the editor bundle loads and under the strict page policy.  The form carries
the session's CSRF token (no one can sign a victim into another account
from a different site), failed attempts are rate limited per client address
(``DESIGNER_LOGIN_ATTEMPTS_PER_MINUTE``, per worker), and the message for a
wrong password and an unknown user is the same.  ``next`` only ever leads
to a path on this server.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for

from designer import accounts
from designer.web.access import (
    CSRF_FIELD,
    access_state,
    client_key,
    cross_site,
    csrf_matches,
    csrf_token,
    log_in,
    log_out,
)

bp = Blueprint("login", __name__, template_folder="templates")

WRONG = "Wrong user name or password."


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything else becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch in target for ch in "\r\n\t") or target.startswith("/login"):
        return "/"
    return target


def _form(status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("next", safe_next(request.values.get("next")))
    context.setdefault("username", "")
    return render_template("auth/login.html", **context), status


def _csrf_ok() -> bool:
    return csrf_matches(request.form.get(CSRF_FIELD))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    state = access_state()
    if not state.decision.required:
        return redirect(safe_next(request.values.get("next")))
    if request.method == "GET":
        csrf_token()
        return _form()
    username = request.form.get("username", "")[:200]
    if cross_site(request) or not _csrf_ok():
        csrf_token()
        expired = "The sign-in form expired. Please try again (cookies must be on)."
        return _form(400, username=username, error=expired)
    key = client_key()
    wait = state.logins.blocked(key)
    if wait is not None:
        slow_down = f"Too many failed sign-ins. Try again in {wait:.0f} seconds."
        return _form(429, username=username, error=slow_down)
    user = accounts.check_login(state.store, username, request.form.get("password", ""))
    if user is None:
        state.logins.take(key)
        return _form(401, username=username, error=WRONG)
    log_in(user)
    return redirect(safe_next(request.form.get("next")))


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    if request.method == "GET":
        return render_template("auth/logout.html", user=session.get("user"))
    if cross_site(request) or not _csrf_ok():
        return render_template("auth/logout.html", user=session.get("user")), 400
    log_out()
    return redirect(url_for("login.login"))
